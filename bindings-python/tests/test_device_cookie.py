"""The device cookie through the middlewares: a plain WSGI app and a Flask app served over real
HTTP on 127.0.0.1, and a FastAPI app through its test client (Django: test_django.py).

Each sets the cookie once, keeps the device on the next request, replaces a tampered cookie,
sends it with the block response too, carries the device into tracked events, and honours
``device_cookie = ""``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import pytest
import vigil
from conftest import Browser, FakeServer, serve_wsgi
from fastapi import Request  # at module level: annotations are resolved here
from vigil import _native, wsgi

SHAPE = re.compile(
    r"vigil_device=v1\.([0-9a-f]{32})\.[A-Za-z0-9_-]{22}; Path=/; Max-Age=63072000; HttpOnly; "
    r"SameSite=Lax"
)
BLOCKED = "203.0.113.50"


def block_ip(ip: str) -> None:
    feed = {
        "cursor": 1,
        "reset": True,
        "upserts": [{"id": "d_ip", "scope": "ip", "value": ip, "action": "block", "reason": "r"}],
        "deletes": [],
    }
    _native._apply_feed(json.dumps(feed))


def plain_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A bare WSGI app: reports the device and logs in whoever ?login= names."""
    login = environ.get("QUERY_STRING", "").partition("login=")[2]
    if login:
        vigil.auth_track(True, username=login)
    body = json.dumps({"device": environ["vigil.request"].device}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def flask_app() -> Any:
    from flask import Flask, jsonify, request
    from vigil.flask import Vigil

    app = Flask(__name__)
    Vigil(app)

    @app.get("/")
    def index() -> Any:
        login = request.args.get("login")
        if login:
            vigil.auth_track(True, username=login)
        response = jsonify(device=vigil.current_request().device)  # type: ignore[union-attr]
        if request.args.get("theme"):
            response.set_cookie("theme", "dark")  # the app's own cookie goes out beside ours
        return response

    return app


APPS: dict[str, Callable[[], Any]] = {
    "wsgi": lambda: wsgi.VigilMiddleware(plain_wsgi),
    "flask": flask_app,
}


@pytest.mark.parametrize("name", list(APPS))
def test_set_once_kept_replaced_when_tampered(server: FakeServer, name: str) -> None:
    server.start_sdk()
    with serve_wsgi(APPS[name]()) as url:
        browser = Browser(url)
        r = browser.get("/")
        (set_cookie,) = r.set_cookies
        match = SHAPE.fullmatch(set_cookie)
        assert match, set_cookie
        device = match.group(1)
        assert r.json()["device"] == device
        # Kept: no Set-Cookie, same device, and the device reaches the events.
        for _ in range(3):
            r = browser.get("/?login=alice")
            assert r.set_cookies == [] and r.json()["device"] == device
        # Tampered: a new device and a new cookie, kept from then on.
        value = browser.cookies["vigil_device"]
        browser.cookies["vigil_device"] = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
        r = browser.get("/")
        (replaced,) = r.set_cookies
        fresh = SHAPE.fullmatch(replaced)
        assert fresh and fresh.group(1) != device and r.json()["device"] == fresh.group(1)
        assert browser.get("/").set_cookies == []
        # Another browser is another device.
        assert Browser(url).get("/").json()["device"] not in (device, fresh.group(1))
        assert vigil.flush(3.0)
        logins = server.events_of("auth.success")
        assert [e["request"]["device"] for e in logins] == [device] * 3


@pytest.mark.parametrize("name", list(APPS))
def test_the_block_response_carries_the_cookie(name: str) -> None:
    vigil.start()
    with serve_wsgi(APPS[name]()) as url:
        known = Browser(url, forwarded_for=BLOCKED)
        block_ip(BLOCKED)
        r = known.get("/", Accept="application/json")
        assert r.status == 403 and r.json()["error"]["reference"] == "d_ip"
        (set_cookie,) = r.set_cookies
        assert SHAPE.fullmatch(set_cookie)
        r = known.get("/", Accept="application/json")
        assert r.status == 403 and r.set_cookies == []


def test_flask_sends_its_own_cookies_beside_the_device_cookie() -> None:
    vigil.start()
    with serve_wsgi(flask_app()) as url:
        r = Browser(url).get("/?theme=1")
        names = sorted(c.split("=", 1)[0] for c in r.set_cookies)
        assert names == ["theme", "vigil_device"]


@pytest.mark.parametrize("name", list(APPS))
def test_disabled(name: str) -> None:
    vigil.start(device_cookie="")
    with serve_wsgi(APPS[name]()) as url:
        browser = Browser(url)
        for _ in range(2):
            r = browser.get("/")
            assert r.set_cookies == [] and r.json()["device"] is None


def test_options_of_the_cookie() -> None:
    vigil.start(device_cookie="dev", device_cookie_secure=True, device_cookie_max_age="1h")
    with serve_wsgi(APPS["wsgi"]()) as url:
        browser = Browser(url)
        (set_cookie,) = browser.get("/").set_cookies
        assert set_cookie.startswith("dev=v1.")
        assert set_cookie.endswith("; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure")
        assert browser.get("/").set_cookies == []
    with pytest.raises(vigil.ConfigError):
        vigil.start(device_cookie="__Host-dev")


def fastapi_app() -> Any:
    from fastapi import FastAPI
    from vigil.asgi import VigilMiddleware

    app = FastAPI()
    app.add_middleware(VigilMiddleware)

    @app.get("/")
    async def index(request: Request) -> dict[str, Any]:
        login = request.query_params.get("login")
        if login:
            vigil.auth_track(True, username=login)
        return {"device": vigil.current_request().device}  # type: ignore[union-attr]

    @app.get("/me")
    def me() -> dict[str, str]:
        vigil.identify({"username": "mallory"})
        return {"hello": "mallory"}

    return app


def test_asgi(server: FakeServer) -> None:
    from fastapi.testclient import TestClient

    server.start_sdk()
    c = TestClient(fastapi_app(), client=("198.51.100.4", 5000))
    r = c.get("/")
    (set_cookie,) = r.headers.get_list("set-cookie")
    match = SHAPE.fullmatch(set_cookie)
    assert match and r.json()["device"] == match.group(1)
    device = match.group(1)
    for _ in range(2):
        r = c.get("/?login=alice")
        assert r.headers.get_list("set-cookie") == [] and r.json()["device"] == device
    # Tampered: replaced.
    c.cookies.set("vigil_device", "v1." + "0" * 32 + ".AAAAAAAAAAAAAAAAAAAAAA")
    r = c.get("/")
    (replaced,) = r.headers.get_list("set-cookie")
    assert SHAPE.fullmatch(replaced) and r.json()["device"] not in (device, None)
    # A UserBlocked raised in a sync endpoint: the block response, with the cookie.
    server.ban("user", vigil.normalize({"username": "mallory"}).key)
    server.wait_decisions(1)
    fresh = TestClient(fastapi_app(), client=("198.51.100.5", 5000))
    r = fresh.get("/me", headers={"Accept": "application/json"})
    assert r.status_code == 403 and len(r.headers.get_list("set-cookie")) == 1
    assert vigil.flush(3.0)
    assert [e["request"]["device"] for e in server.events_of("auth.success")] == [device] * 2


def test_asgi_cookie_split_over_several_lines() -> None:
    """HTTP/2 may send the Cookie header in several lines: they are one header."""
    import asyncio

    from vigil.asgi import VigilMiddleware

    vigil.start()
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen["device"] = scope["state"]["vigil_request"].device

    first = vigil._native.EdgePolicy().request(None, None, None, None, None)
    assert first.set_cookie is not None
    cookie = first.set_cookie.split(";", 1)[0].encode()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"cookie", b"a=1"), (b"cookie", cookie), (b"cookie", b"b=2")],
    }

    async def nothing() -> dict[str, Any]:
        return {}

    async def drop(_: Any) -> None:
        return None

    asyncio.run(VigilMiddleware(app)(scope, nothing, drop))
    assert seen["device"] == first.device
