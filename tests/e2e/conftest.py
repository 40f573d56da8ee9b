"""One vigil-server (SQLite) and the three example apps for the whole session, plus a webhook
receiver on 127.0.0.1 that the server's `default` notify target points at.

Run through `make e2e-test`, which builds what the stack needs first.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "harness"))

import vigil_stack

WEBHOOK_SECRET = "e2e-webhook-secret-" + "7f3a9c"


class Delivery:
    def __init__(self, headers: dict[str, str], body: bytes, at: float) -> None:
        self.headers, self.body, self.at = headers, body, at


class WebhookReceiver:
    """Records every POST with its raw body, before any JSON parsing (the signature covers
    the raw bytes)."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.deliveries.append(
                        Delivery({k.lower(): v for k, v in self.headers.items()}, body, time.time())
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/vigil"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def close(self) -> None:
        self.httpd.shutdown()


def verify_signature(secret: bytes, header: str, body: bytes, tolerance: int = 300) -> bool:
    """docs/server.md's verifier: HMAC-SHA256 over "<t>.<raw body>", constant-time compare."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, sig = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sig)


def server_config(webhook_url: str) -> str:
    # Blocking taken-over users is opt-in (engine/README.md): the cross-language ban test
    # relies on it. Quick notification retries keep the webhook test short.
    return f"""
[notify]
backoff = "200ms"
max_backoff = "2s"

[notify.targets.default]
kind = "webhook"
url = "{webhook_url}"
secret = "{WEBHOOK_SECRET}"

[[engine.playbooks]]
name = "block-takeover-users"
trigger = {{ type = "signal", name = "likely_takeover" }}
actions = [{{ type = "block_user", duration = "1h" }}]
cooldown = "1h"
"""


@pytest.fixture(scope="session")
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="session")
def stack(webhook: WebhookReceiver) -> Iterator[vigil_stack.Stack]:
    s = vigil_stack.Stack(config=server_config(webhook.url))
    yield s
    s.close()


def wait_for(
    what: str, check: Callable[[], Optional[Any]], timeout: float, every: float = 0.02
) -> Any:
    """Polls `check` until it returns something truthy; fails with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(every)


def stored(stack: vigil_stack.Stack, kind: str, prefix: str) -> list[dict[str, Any]]:
    """Stored events of `kind` whose e-mail starts with `prefix` (a test's own users)."""
    rows = stack.events()
    # The admin API returns at most 1000 events: the suite stays under that so counts are exact.
    assert len(rows) < 1000, "too many events in the e2e app for exact counts"
    out = []
    for row in rows:
        ev = row["event"]
        email = ev.get("user", {}).get("ids", {}).get("email", "")
        if row["type"] == kind and email.startswith(prefix):
            out.append(ev)
    return out
