#!/usr/bin/env python3
"""Vigil's main job, end to end: `make demo`.

Starts vigil-server on an embedded SQLite file and the three example apps on it (Flask with
the Python SDK, Express with the Node SDK, net/http with the Go SDK), then drives a scripted
mix through them: benign users signing up and logging in (some with typos), credential
stuffing from one IP, a brute force on one account, an account takeover (a success after
failures) and a signup burst with disposable e-mail domains. Each attack goes on until the
app it targets refuses it; the summary says how long that took, what the server recorded,
and where the dashboard is. Last, a takeover from a new country: the stolen password works,
the sign-in from abroad is challenged (not blocked), the attacker fails the code, the owner
passes it, and the "was this you?" e-mail arrives at a local SMTP receiver.
VIGIL_DEMO_KEEP=1 keeps everything running until Ctrl-C; Ctrl-C at any point stops every
process the demo started.

Standard library only; loopback only. The example apps' client IPs are simulated with
X-Forwarded-For, which the apps trust from loopback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

import vigil_stack
from smtp_sink import SmtpSink

# ip-location-db's country database (npm; `make geo-db` puts it here, never committed).
GEO_DB = (
    vigil_stack.TARGET
    / "geo/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"
)

# Blocking taken-over users is opt-in (engine/README.md), and signup bursts are only signals
# by default: the demo's operator opts in to both, and to telling users about sign-ins from
# new devices and countries (which needs a mailer: the demo's own receiver).
CONFIG = """
[server]
public_url = "@SERVER_URL@"

[notify.user_email]
host = "127.0.0.1"
port = @SMTP_PORT@
from = "security@shop.example"

[engine.geo]
databases = ["@GEO_DB@"]

[[engine.playbooks]]
name = "notify-new-places"
enabled = true
trigger = { type = "signal", names = ["new_device", "new_country"] }
actions = [{ type = "notify_user" }]
cooldown = "1h"
[[engine.playbooks]]
name = "block-takeover-users"
trigger = { type = "signal", name = "likely_takeover" }
actions = [{ type = "block_user", duration = "1h" }, { type = "incident" }]
cooldown = "1h"

[[engine.playbooks]]
name = "block-signup-bursts"
trigger = { type = "signal", name = "signup_burst" }
actions = [{ type = "block_ip", duration = "1h" }, { type = "incident" }]
cooldown = "10m"
"""

BENIGN_PER_APP = 12
Users = list[tuple[vigil_stack.App, str, str]]  # (app, e-mail, client IP)
TTY = sys.stdout.isatty()


def progress(text: str) -> None:
    """Rewrites the current line on a terminal; silent in a log (the final line says it all)."""
    if TTY:
        print(f"\r\033[K{text}", end="", flush=True)


def done_line(text: str) -> None:
    print(f"\r\033[K{text}" if TTY else text)


DISPOSABLE = ("mailinator.com", "yopmail.com", "guerrillamail.com", "trashmail.com")


class Attack:
    """Repeats `step(n)` (which returns the app's status) until the app answers 403."""

    def __init__(self, name: str, app: vigil_stack.App, source: str) -> None:
        self.name, self.app, self.source = name, app, source
        self.attempts, self.seconds = 0, float("nan")

    def run(self, step: Callable[[int], int], limit: int = 200) -> None:
        print(f"-> {self.name} through the {self.app.lang} app, from {self.source}")
        started = time.monotonic()
        for n in range(1, limit + 1):
            self.attempts = n
            status = step(n)
            elapsed = time.monotonic() - started
            progress(f"   attempt {n:3d}  {elapsed:5.2f} s  answered {status}")
            if status == 403:
                self.seconds = elapsed
                done_line(f"   blocked: attempt {n} was refused, {elapsed:.2f} s after the start")
                return
            time.sleep(0.02)  # a scripted attacker, not a load test
        done_line(f"   NOT blocked after {limit} attempts")


def benign(stack: vigil_stack.Stack) -> Users:
    print("-> benign users sign up, log in (every fourth with a typo first) and browse")
    users = []
    for i in range(BENIGN_PER_APP):
        for app in stack.apps.values():
            email, ip = f"{app.name}.user{i}@example.com", f"192.0.2.{len(users) + 10}"
            app.post("/signup", ip, email=email, password="correct horse")
            if i % 4 == 0:
                app.post("/login", ip, email=email, password="correct hrose")
            app.post("/login", ip, email=email, password="correct horse")
            app.account(email, ip)
            users.append((app, email, ip))
        progress(f"   {len(users)} users")
    done_line(f"   {len(users)} users signed up and logged in")
    return users


def attacks(
    stack: vigil_stack.Stack, users: list[tuple[vigil_stack.App, str, str]]
) -> list[Attack]:
    flask, express, go = stack.apps["flask"], stack.apps["express"], stack.apps["go"]
    done = []

    stuffing = Attack("credential stuffing", express, "203.0.113.66")
    leaked = [email for app, email, _ in users if app is express]
    stuffing.run(
        lambda n: express.post(
            "/login", stuffing.source, email=leaked[n % len(leaked)], password=f"leaked-{n}"
        )
    )
    done.append(stuffing)

    brute = Attack("brute force on go.user3@example.com", go, "198.51.100.23")
    brute.run(
        lambda n: go.post("/login", brute.source, email="go.user3@example.com", password=f"pw{n}")
    )
    done.append(brute)

    # The victim's password leaked: three wrong guesses, then the right one, then the
    # attacker browses the account until the user ban reaches the app.
    victim, password = "ceo@example.com", "hunter2-but-longer"
    flask.post("/signup", "192.0.2.200", email=victim, password=password)
    takeover = Attack(f"account takeover of {victim}", flask, "100.64.7.7")

    def takeover_step(n: int) -> int:
        if n <= 3:
            return flask.post("/login", takeover.source, email=victim, password=f"guess{n}")
        if n == 4:
            return flask.post(
                "/login", takeover.source, email=victim, password="hunter2-but-longer"
            )
        return flask.account(victim, takeover.source)

    takeover.run(takeover_step)
    done.append(takeover)

    burst = Attack("signup burst with disposable domains", go, "198.51.100.99")
    burst.run(
        lambda n: go.post(
            "/signup",
            burst.source,
            email=f"bot{n}@{DISPOSABLE[n % len(DISPOSABLE)]}",
            password="x",
        )
    )
    done.append(burst)
    return done


HOME_IP, ABROAD_IP = "212.27.48.10", "8.8.8.8"  # a French ISP; a United States address
OWNER, OWNER_PASSWORD = "cfo@example.com", "pass phrase of the cfo"


def until(check: Callable[[], bool], seconds: float = 10) -> float:
    """Seconds until `check()` held (polling), or NaN when it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    return float("nan")


def new_country_takeover(stack: vigil_stack.Stack, sink: SmtpSink) -> list[str]:
    """The owner signs in from home on her laptop; a thief with her password signs in from
    abroad: challenged, not blocked. Returns the summary's lines."""
    flask = stack.apps["flask"]
    print(f"-> takeover of {OWNER} from a new country, through the python app")
    laptop, thief = vigil_stack.Browser(HOME_IP), vigil_stack.Browser(ABROAD_IP)
    laptop.send("GET", flask.url + "/healthz")  # the login page: the device cookie is set
    laptop.send("POST", flask.url + "/signup", form={"email": OWNER, "password": OWNER_PASSWORD})
    for _ in range(2):
        laptop.send("POST", flask.url + "/login", form={"email": OWNER, "password": OWNER_PASSWORD})
    me = {"X-User": OWNER}
    thief.send("GET", flask.url + "/healthz")
    status, _ = thief.send(
        "POST", flask.url + "/login", form={"email": OWNER, "password": OWNER_PASSWORD}
    )
    done_line(f"   the stolen password works from {ABROAD_IP}: login answered {status}")
    answer: dict = {}

    def challenged() -> bool:
        status, body = thief.send("GET", flask.url + "/account", headers=me)
        answer.update(status=status, body=body)
        return status == 401 and isinstance(body, dict) and "challenge" in body

    took = until(challenged)
    if took != took:
        done_line(f"   NOT challenged: /account answered {answer.get('status')}")
        return ["new-country takeover: not challenged"]
    reasons = ", ".join(answer["body"].get("reasons") or [])
    done_line(f"   challenged {took:.2f} s after the login ({reasons}), not blocked")
    status, _ = thief.send("POST", flask.url + "/challenge", form={"email": OWNER, "code": "0000"})
    done_line(f"   the thief does not have the code: challenge answered {status}")
    # The owner is asked too (the challenge is on the account) and passes it.
    status, _ = laptop.send("GET", flask.url + "/account", headers=me)
    passed, _ = laptop.send(
        "POST", flask.url + "/challenge", form={"email": OWNER, "code": "424242"}
    )
    back = until(lambda: laptop.send("GET", flask.url + "/account", headers=me)[0] == 200)
    done_line(
        f"   the owner, asked too ({status}), passes ({passed}): served again "
        + (f"{back:.2f} s later" if back == back else "NOT within 10 s")
    )
    got = until(lambda: bool(sink.to(OWNER)), 15)
    mails = sink.to(OWNER)
    lines = [f"new-country takeover: challenged after {took:.2f} s, not blocked"]
    if not mails:
        lines.append(f"notice e-mail to {OWNER}: NOT received")
        return lines
    body = mails[0].get_body(preferencelist=("plain",))
    links = [w for w in (body.get_content() if body else "").split() if "/notice/" in w]
    lines.append(f'notice e-mail to {OWNER}: "{mails[0]["subject"]}" ({got:.2f} s)')
    lines += [f"    {link}" for link in links]
    return lines


def summary(stack: vigil_stack.Stack, users: Users, done: list[Attack], notice: list[str]) -> None:
    # Let the SDKs deliver what they still hold (they flush every 100 ms here).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(a.stats()["queued"] for a in stack.apps.values()):
        time.sleep(0.1)
    time.sleep(0.3)
    served = sum(app.account(email, ip) == 200 for app, email, ip in users)
    decisions = stack.decisions()
    incidents = stack.server.admin("GET", f"/api/incidents?app={stack.app_id}&state=all")
    events = int(stack.server.metric("vigil_events_accepted_total"))
    user_bans = [d for d in decisions if d["scope"] == "user"]
    ip_bans = [d for d in decisions if d["scope"] in ("ip", "cidr")]

    print("\n=== summary")
    print(f"events sent by the three SDKs and stored:  {events}")
    print(f"incidents opened:                          {len(incidents)}")
    print(f"IPs blocked:                               {len(ip_bans)}")
    for d in ip_bans:
        print(f"    {d['value']:<16} {d['reason']}")
    print(f"users blocked:                             {len(user_bans)}")
    for d in user_bans:
        who = ", ".join(f"{k}={v}" for k, v in (d.get("ids") or {}).items()) or d["value"]
        print(f"    {who:<16} {d['reason']}")
    print(f"benign users still served:                 {served}/{len(users)}")
    print("\nattack                                  app      attempts  start -> block")
    for a in done:
        took = f"{a.seconds:.2f} s" if a.seconds == a.seconds else "not blocked"
        print(f"{a.name:<39} {a.app.lang:<8} {a.attempts:>8}  {took:>14}")
    print()
    for line in notice:
        print(line)
    print(f"\ndashboard: {stack.server.url}/   admin token: {stack.server.admin_token}")
    print(f"admin API: {stack.server.url}/api/...  (Authorization: Bearer <admin token>)")
    print(f"data and logs: {stack.workdir}")


def main() -> int:
    missing = vigil_stack.missing_artifacts()
    if not GEO_DB.exists():
        missing.append(str(GEO_DB))
    if missing:
        print("not built (run `make demo`, which builds them): " + ", ".join(missing))
        return 2
    # Ctrl-C (even when started with SIGINT ignored, as a background job) and SIGTERM both
    # take the KeyboardInterrupt path: every child process group is stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    stack = None
    sink = SmtpSink().__enter__()  # closed in `finally`, after the apps and the server
    try:
        print("starting vigil-server (SQLite) and the Flask, Express and net/http example apps...")
        config = CONFIG.replace("@SMTP_PORT@", str(sink.port)).replace("@GEO_DB@", str(GEO_DB))
        stack = vigil_stack.Stack(config=config)
        print(f"SMTP receiver 127.0.0.1:{sink.port} (the users' mailboxes)")
        print(f"vigil-server  {stack.server.url}  (sqlite {stack.workdir / 'vigil.db'})")
        for app in stack.apps.values():
            print(f"{app.lang + ' app':<13} {app.url}  ({app.name})")
        print()
        users = benign(stack)
        done = attacks(stack, users)
        notice = new_country_takeover(stack, sink)
        summary(stack, users, done, notice)
        if os.environ.get("VIGIL_DEMO_KEEP"):
            print("\nrunning; Ctrl-C stops everything")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        if stack is not None:
            # Stop first: printing can fail (a closed pipe) and must not leave children behind.
            stack.close()
        sink.__exit__(None, None, None)
        if stack is not None:
            with contextlib.suppress(OSError):
                print("stopped the apps and the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
