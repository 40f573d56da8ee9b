"""The shared verdict vectors: tests/vectors/device_cookie.json through the native edge and
the WSGI and ASGI adapters, and tests/vectors/assess.json through a client's decisions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import vigil
from vigil import _native, asgi, wsgi
from vigil._native import EdgePolicy

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
DEVICE = json.loads((VECTORS / "device_cookie.json").read_text("utf-8"))
ASSESS = json.loads((VECTORS / "assess.json").read_text("utf-8"))
DEVICE_CASES: list[dict[str, Any]] = DEVICE["cases"]
ASSESS_CASES: list[dict[str, Any]] = ASSESS["cases"]

# What reading one Cookie header gives: (device, set_cookie).
Read = tuple[Optional[str], Optional[str]]


def _start(case: dict[str, Any]) -> None:
    """A client holding the case's token (when it has one) and its settings."""
    vigil.start(token=case["token"], **case["settings"])


def _native_read(cookie: Optional[str]) -> Read:
    r = EdgePolicy().request(None, None, None, "GET", "/", cookie)
    return r.device, r.set_cookie


def _wsgi_read(cookie: Optional[str]) -> Read:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["request"] = environ["vigil.request"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["headers"] = headers

    environ: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    wsgi.VigilMiddleware(app)(environ, start_response)
    return _sent(seen["request"], [v for k, v in seen["headers"] if k == "Set-Cookie"])


def _asgi_read(cookie: Optional[str]) -> Read:
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen["request"] = scope["state"]["vigil_request"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["headers"] = message["headers"]

    headers = [] if cookie is None else [(b"cookie", cookie.encode("latin-1"))]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    asyncio.run(asgi.VigilMiddleware(app)(scope, receive, send))
    set_cookies = [v.decode("latin-1") for k, v in seen["headers"] if k == b"set-cookie"]
    return _sent(seen["request"], set_cookies)


def _sent(request: vigil.Request, set_cookies: list[str]) -> Read:
    """The request's device, and the Set-Cookie the response carried (checked to be the one)."""
    assert set_cookies == ([] if request.set_cookie is None else [request.set_cookie])
    return request.device, request.set_cookie


READERS: dict[str, Callable[[Optional[str]], Read]] = {
    "native": _native_read,
    "wsgi": _wsgi_read,
    "asgi": _asgi_read,
}


@pytest.mark.parametrize("via", list(READERS))
@pytest.mark.parametrize("case", DEVICE_CASES, ids=[c["name"] for c in DEVICE_CASES])
def test_device_cookie(case: dict[str, Any], via: str) -> None:
    _start(case)
    read = READERS[via]
    device, set_cookie = read(case["cookie"])
    want = case["want"]
    if want["device"] is None:
        assert (device, set_cookie) == (None, None)
    elif want["device"] == "new":
        name, suffix = want["set_cookie"]["name"], want["set_cookie"]["suffix"]
        assert set_cookie is not None and device is not None and len(device) == 32
        assert set_cookie.startswith(name + "=") and set_cookie.endswith(suffix)
        value = set_cookie[len(name) + 1 : len(set_cookie) - len(suffix)]
        assert value.startswith(f"v1.{device}.")
        # The fresh cookie reads back as the fresh device, and is not set again.
        assert read(f"{name}={value}") == (device, None)
    else:
        assert (device, set_cookie) == (want["device"], None)


def test_device_vector_count() -> None:
    assert len(DEVICE_CASES) >= 35 and len(ASSESS_CASES) >= 30


def test_fresh_devices_differ() -> None:
    vigil.start()
    devices = {_native_read(None)[0] for _ in range(20)}
    assert len(devices) == 20


def test_no_fresh_device_without_a_response() -> None:
    """A caller that cannot send Set-Cookie gets a valid cookie's device, else none."""
    vigil.start(device_secret="correct horse battery staple 42")
    edge = EdgePolicy()
    fresh = edge.request(None, None, None, None, None, None)
    assert fresh.set_cookie is not None
    cookie = fresh.set_cookie.split(";", 1)[0]
    assert edge.request(None, None, None, None, None, cookie, False).device == fresh.device
    quiet = edge.request(None, None, None, None, None, "vigil_device=junk", False)
    assert (quiet.device, quiet.set_cookie) == (None, None)


@pytest.fixture
def fed() -> None:
    """A local client with the vectors' feed applied and no login recorded (no stand-in)."""
    vigil.start()
    assert _native._apply_feed(json.dumps(ASSESS["feed"])) == ASSESS["skipped"]


@pytest.mark.parametrize("case", ASSESS_CASES, ids=[c["name"] for c in ASSESS_CASES])
def test_assess(fed: None, case: dict[str, Any]) -> None:
    a = _native._assess_key(case["user"], case["ip"], case["device"])
    want = case["want"]
    assert a.verdict == want["verdict"]
    assert [d.id for d in a.decisions] == want["ids"]
    assert list(a.reasons) == want["reasons"]
    assert a.decision_id == (want["ids"][0] if want["ids"] else None)
    assert (a.allowed, a.challenged, a.denied) == tuple(
        want["verdict"] == v for v in ("allow", "challenge", "deny")
    )


def test_apply_feed_refuses_bad_json() -> None:
    vigil.start()
    with pytest.raises(ValueError):
        _native._apply_feed("{not json")
    with pytest.raises(ValueError):
        _native._assess_key("alice", None, None)
    with pytest.raises(ValueError):
        _native._assess_key(None, None, "ABC")
