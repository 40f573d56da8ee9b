#!/usr/bin/env python3
"""Vigil's main job, end to end: `make demo`.

Starts vigil-server on an embedded SQLite file, creates an app, starts the Go example app
(net/http + the Go SDK) pointed at the server, then drives traffic through the app: benign users
(with typos), a credential-stuffing run from one IP and a brute force on one account. Prints what
Vigil did and how long each attack lasted before its IP was blocked. Ctrl-C stops everything.

Standard library only; loopback only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "vigil-server"
ADMIN_TOKEN = "demo-admin-" + os.urandom(12).hex()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"{what} exited with status {proc.returncode}")
            if time.monotonic() > deadline:
                sys.exit(f"{what} did not start within {timeout:.0f} s")
            time.sleep(0.1)


def request(method: str, url: str, ip: str, form: dict[str, str] | None = None) -> int:
    data = urllib.parse.urlencode(form).encode() if form else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("X-Forwarded-For", ip)
    req.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def admin(base: str, path: str) -> object:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def attack_until_blocked(app: str, ip: str, targets: list[str], limit: int = 400) -> tuple[int, float]:
    """Wrong passwords from `ip` until the app answers 403; (attempts, seconds)."""
    start = time.monotonic()
    for n in range(1, limit + 1):
        user = targets[n % len(targets)]
        status = request("POST", app + "/login", ip, {"user": user, "password": f"guess{n}"})
        if status == 403:
            return n, time.monotonic() - start
        time.sleep(0.02)
    return limit, float("nan")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="vigil-demo-"))
    db = f"sqlite://{work}/vigil.db"
    procs: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        print(f"\nstopped; data kept in {work}")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    created = subprocess.run(
        [SERVER, "app", "create", "demo-shop", "--db", db], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    token = created[-1]
    app_id = re.search(r"id (\d+)", created[0]).group(1)  # type: ignore[union-attr]
    server_port, app_port = free_port(), free_port()
    server = f"http://127.0.0.1:{server_port}"
    log = open(work / "server.log", "wb")
    procs.append(
        subprocess.Popen(
            [SERVER, "serve", "--listen", f"127.0.0.1:{server_port}", "--db", db],
            env={**os.environ, "VIGIL_ADMIN_TOKEN": ADMIN_TOKEN},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    )
    wait_http(server + "/healthz", procs[-1], "vigil-server")
    print(f"vigil-server on {server} (SQLite {work}/vigil.db), app 'demo-shop' created")

    app = f"http://127.0.0.1:{app_port}"
    app_env = {
        **os.environ,
        "ADDR": f"127.0.0.1:{app_port}",
        "VIGIL_URL": server,
        "VIGIL_TOKEN": token,
        "VIGIL_FLUSH_INTERVAL_MS": "200",
    }
    procs.append(
        subprocess.Popen(
            ["go", "run", "./examples/seed"],
            cwd=ROOT / "go",
            env=app_env,
            stdout=open(work / "go-app.log", "wb"),
            stderr=subprocess.STDOUT,
        )
    )
    print("starting the Go example app (net/http + Vigil's Go SDK)...")
    wait_http(app + "/account", procs[-1], "the Go app", timeout=300)
    print(f"Go app on {app}\n")

    print("1. benign traffic: 40 users sign up and log in, some with a typo first")
    users = [f"user{i}@example.com" for i in range(40)]
    for i, user in enumerate(users):
        ip = f"192.0.2.{i + 10}"
        request("POST", app + "/signup", ip, {"user": user, "password": "right"})
        if i % 5 == 0:
            request("POST", app + "/login", ip, {"user": user, "password": "typo"})
        request("POST", app + "/login", ip, {"user": user, "password": "right"})
        request("GET", app + "/account?user=" + urllib.parse.quote(user), ip)
    print("   done\n")

    print("2. credential stuffing from 203.0.113.66 across many accounts")
    n, secs = attack_until_blocked(app, "203.0.113.66", users[:25])
    print(f"   blocked after {n} attempts, {secs:.2f} s after the attack started\n")

    print("3. brute force on user7@example.com from 198.51.100.23")
    n2, secs2 = attack_until_blocked(app, "198.51.100.23", ["user7@example.com"])
    print(f"   blocked after {n2} attempts, {secs2:.2f} s after the attack started\n")

    benign_ok = sum(
        request("GET", app + "/account?user=" + urllib.parse.quote(u), f"192.0.2.{i + 10}") == 200
        for i, u in enumerate(users)
    )
    decisions = admin(server, f"/api/decisions?app={app_id}")
    incidents = admin(server, f"/api/incidents?app={app_id}")
    print("summary")
    print(f"   benign users still served:   {benign_ok}/{len(users)}")
    print(f"   decisions in force:          {len(decisions)}")  # type: ignore[arg-type]
    for d in decisions:  # type: ignore[union-attr]
        print(f"     {d.get('scope')} {d.get('value')}: {d.get('reason')}")
    print(f"   incidents opened:            {len(incidents)}")  # type: ignore[arg-type]
    print(f"\nadmin API: {server}/api/...  (Authorization: Bearer {ADMIN_TOKEN})")
    if os.environ.get("VIGIL_DEMO_KEEP"):
        print("running; Ctrl-C stops everything")
        signal.pause()
    stop()


if __name__ == "__main__":
    main()
