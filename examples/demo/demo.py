#!/usr/bin/env python3
"""Vigil's main job, end to end: `make demo`.

Starts vigil-server on an embedded SQLite file and the three example apps on it (Flask with
the Python SDK, Express with the Node SDK, net/http with the Go SDK), then drives a scripted
mix through them: benign users signing up and logging in (some with typos), credential
stuffing from one IP, a brute force on one account, an account takeover (a success after
failures) and a signup burst with disposable e-mail domains. Each attack goes on until the
app it targets refuses it; the summary says how long that took, what the server recorded,
and where the dashboard is. VIGIL_DEMO_KEEP=1 keeps everything running until Ctrl-C; Ctrl-C
at any point stops every process the demo started.

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

# Blocking taken-over users is opt-in (engine/README.md), and signup bursts are only signals
# by default: the demo's operator opts in to both.
CONFIG = """
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


def summary(stack: vigil_stack.Stack, users: Users, done: list[Attack]) -> None:
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
    print(f"\ndashboard: {stack.server.url}/   admin token: {stack.server.admin_token}")
    print(f"admin API: {stack.server.url}/api/...  (Authorization: Bearer <admin token>)")
    print(f"data and logs: {stack.workdir}")


def main() -> int:
    missing = vigil_stack.missing_artifacts()
    if missing:
        print("not built (run `make demo`, which builds them): " + ", ".join(missing))
        return 2
    # Ctrl-C (even when started with SIGINT ignored, as a background job) and SIGTERM both
    # take the KeyboardInterrupt path: every child process group is stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    stack = None
    try:
        print("starting vigil-server (SQLite) and the Flask, Express and net/http example apps...")
        stack = vigil_stack.Stack(config=CONFIG)
        print(f"vigil-server  {stack.server.url}  (sqlite {stack.workdir / 'vigil.db'})")
        for app in stack.apps.values():
            print(f"{app.lang + ' app':<13} {app.url}  ({app.name})")
        print()
        users = benign(stack)
        done = attacks(stack, users)
        summary(stack, users, done)
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
            with contextlib.suppress(OSError):
                print("stopped the apps and the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
