"""Against a real vigil-server on 127.0.0.1: a ban made on the server reaches identify; the
device cookie's device and challenge_track's events reach the server's store.

The test command builds the server and sets VIGIL_SERVER_BIN; without it the test is skipped.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vigil

SERVER_BIN = os.environ.get("VIGIL_SERVER_BIN")
ADMIN_TOKEN = "vigil-test-admin-token-0123456789abcdef"

pytestmark = pytest.mark.skipif(not SERVER_BIN, reason="VIGIL_SERVER_BIN is not set")


class RealServer:
    def __init__(self, tmp: Path) -> None:
        assert SERVER_BIN
        db = f"sqlite://{tmp}/vigil.db"
        created = (
            subprocess.run(
                [SERVER_BIN, "app", "create", "python-sdk", "--db", db],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()
        )
        self.token = created[-1]
        match = re.search(r"id (\d+)", created[0])
        assert match, created
        self.app = int(match.group(1))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [SERVER_BIN, "serve", "--listen", f"127.0.0.1:{port}", "--db", db],
            env={**os.environ, "VIGIL_ADMIN_TOKEN": ADMIN_TOKEN},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def admin(self, method: str, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.loads(resp.read() or b"null")

    def get(self, path: str) -> Any:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.loads(resp.read())

    def events(self, kind: str) -> list[dict[str, Any]]:
        """The stored events of this type, oldest first (the event as the SDK sent it)."""
        rows = self.get(f"/api/events?app={self.app}&limit=1000")
        return sorted((r for r in rows if r["type"] == kind), key=lambda r: r["seq"])

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def real_server(tmp_path: Path) -> Iterator[RealServer]:
    server = RealServer(tmp_path)
    yield server
    server.close()


def test_a_server_ban_reaches_identify_within_2_seconds(real_server: RealServer) -> None:
    vigil.start(url=real_server.url, token=real_server.token, flush_interval_ms=50)
    vigil.auth_track(True, username="mallory")
    assert vigil.flush(5.0)
    assert vigil.stats()["sent"] >= 1
    vigil.identify({"username": "mallory"})  # not banned yet
    time.sleep(0.3)  # let the SDK's long poll settle into its wait

    real_server.admin(
        "POST",
        "/api/decisions",
        {
            "app": real_server.app,
            "scope": "user",
            "ids": {"username": "mallory"},
            "reason": "manual",
        },
    )
    started = time.monotonic()
    while True:
        try:
            vigil.identify({"username": "mallory"})
        except vigil.UserBlocked as blocked:
            assert blocked.decision.reason == "manual"
            break
        assert time.monotonic() - started < 2.0, "the ban did not reach the SDK within 2 s"
        time.sleep(0.01)
    vigil.identify({"username": "someone-else"})


def login_app():  # type: ignore[no-untyped-def]
    from flask import Flask, jsonify, request
    from vigil.flask import Vigil

    app = Flask(__name__)
    Vigil(app)

    @app.post("/login")
    def login() -> Any:
        ok = request.form["password"] == "right"
        vigil.auth_track(ok, username=request.form["username"])
        return jsonify(device=vigil.current_request().device)  # type: ignore[union-attr]

    @app.post("/challenge")
    def challenge() -> Any:
        try:
            queued = vigil.challenge_track(request.form["result"], username="alice")
        except vigil.EventError as e:
            return jsonify(error=e.code), 400
        return jsonify(queued=queued)

    return app


def test_the_device_and_challenges_reach_the_server(real_server: RealServer) -> None:
    from conftest import Browser, serve_wsgi

    vigil.start(url=real_server.url, token=real_server.token, flush_interval_ms=50)
    with serve_wsgi(login_app()) as url:
        browser = Browser(url, forwarded_for="198.51.100.23")
        device = browser.post("/login", {"username": "alice", "password": "wrong"}).json()["device"]
        assert browser.post("/login", {"username": "alice", "password": "right"}).json() == {
            "device": device
        }
        for result in ("requested", "succeeded"):
            assert browser.post("/challenge", {"result": result}).json() == {"queued": True}
        enqueued = vigil.stats()["enqueued"]
        r = browser.post("/challenge", {"result": "passed"})
        assert r.status == 400 and r.json() == {"error": "invalid_challenge_result"}
        assert vigil.stats()["enqueued"] == enqueued
        assert vigil.flush(5.0)
    key = vigil.normalize({"username": "alice"}).key
    logins = real_server.events("auth.failure") + real_server.events("auth.success")
    assert [e["event"]["request"]["device"] for e in logins] == [device, device]
    challenges = real_server.events("challenge")
    assert [e["event"]["result"] for e in challenges] == ["requested", "succeeded"]
    for e in challenges:
        assert e["event"]["request"]["device"] == device
        assert e["event"]["request"]["ip"] == "198.51.100.23"
        assert e["user"] == key
