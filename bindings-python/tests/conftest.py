"""Fixtures: a fake Vigil server on 127.0.0.1, a clean SDK state per test, and apps served
over real HTTP on 127.0.0.1 with a cookie-keeping client."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import vigil


class FakeServer:
    """Answers the two endpoints of the protocol the SDK uses, and records what it got."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.batches: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.cursor = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                batch = json.loads(raw)
                with server.lock:
                    server.batches.append(batch)
                    server.events.extend(batch["events"])
                self._reply(202, {"accepted": len(batch["events"]), "duplicates": 0})

            def do_GET(self) -> None:
                with server.lock:
                    body = {
                        "cursor": server.cursor,
                        "reset": True,
                        "upserts": list(server.decisions),
                        "deletes": [],
                    }
                self._reply(200, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def ban(self, scope: str, value: str, **extra: Any) -> None:
        with self.lock:
            self.cursor += 1
            self.decisions.append(
                {
                    "id": f"d{self.cursor}",
                    "scope": scope,
                    "value": value,
                    "action": extra.pop("action", "block"),
                    "reason": extra.pop("reason", "test ban"),
                    **extra,
                }
            )

    def start_sdk(self, **options: Any) -> None:
        opts = {"flush_interval_ms": 50, "decisions_wait_s": 0, **options}
        vigil.start(url=self.url, token="test-token", **opts)

    def wait_decisions(self, count: int, timeout: float = 2.0) -> None:
        """Until the SDK holds `count` decisions (the poll runs every flush interval)."""
        deadline = time.monotonic() + timeout
        vigil.flush(0.1)  # starts the worker, hence the poller
        while vigil.stats()["decisions"] < count:
            assert time.monotonic() < deadline, "decisions did not arrive in time"
            time.sleep(0.02)

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["type"] == kind]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    s = FakeServer()
    yield s
    vigil.shutdown(1.0)
    s.close()


@pytest.fixture(autouse=True)
def clean_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """Each test starts without a client, outside any vigil.toml, with no VIGIL_* variable."""
    import os

    for name in list(os.environ):
        if name.startswith("VIGIL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    vigil.shutdown(1.0)
    yield
    vigil.shutdown(1.0)


class Reply:
    """One HTTP answer as a browser sees it: status, every header line, body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def set_cookies(self) -> list[str]:
        return self.all("Set-Cookie")

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """A client over real HTTP that keeps cookies as a browser does (name=value per name)."""

    def __init__(self, url: str, forwarded_for: Optional[str] = None) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.forwarded_for = forwarded_for
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: Optional[dict[str, str]] = None, **headers: str
    ) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        send = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            send["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=send)
            resp = conn.getresponse()
            reply = Reply(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()
        for line in reply.set_cookies:
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0].strip()
        return reply

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, **headers)

    def post(self, path: str, form: dict[str, str], **headers: str) -> Reply:
        return self.request("POST", path, form, **headers)


@contextlib.contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serves a WSGI app on 127.0.0.1 (a thread per request); yields its base URL."""

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    httpd = make_server("127.0.0.1", 0, app, server_class=Threaded, handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
