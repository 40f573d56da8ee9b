"""Real Flask and FastAPI/Starlette apps through their test clients."""

from __future__ import annotations

import json

import pytest
import vigil
from conftest import FakeServer
from fastapi import Request  # at module level: annotations are resolved here

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def banned(server: FakeServer) -> FakeServer:
    """A server banning 203.0.113.0/24 and the user 'mallory'."""
    server.start_sdk()
    server.ban("cidr", "203.0.113.0/24", reason="stuffing")
    server.ban("user", vigil.normalize({"username": "mallory"}).key)
    server.wait_decisions(2)
    return server


def flask_app():  # type: ignore[no-untyped-def]
    from flask import Flask, request
    from vigil.flask import Vigil

    app = Flask(__name__)
    Vigil(app)

    @app.post("/login")
    def login() -> str:
        vigil.auth_track(True, username=request.form["username"])
        return "ok"

    @app.get("/me/<name>")
    def me(name: str) -> str:
        vigil.identify({"username": name})
        return "hello " + name

    return app


def test_flask(banned: FakeServer) -> None:
    app = flask_app()
    c = app.test_client()
    r = c.post("/login", data={"username": "alice"}, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert r.status_code == 200
    assert c.get("/me/alice").data == b"hello alice"
    # identify raising UserBlocked in a view: 403, HTML or JSON by Accept
    r = c.get("/me/mallory", headers=HTML)
    assert r.status_code == 403 and b"Access denied" in r.data
    r = c.get("/me/mallory", headers=JSON)
    assert r.status_code == 403 and r.get_json()["error"]["reference"] == "d2"
    # blocked IP: answered before the view runs
    r = c.get("/me/alice", headers=JSON, environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert r.status_code == 403 and r.get_json()["error"]["reference"] == "d1"
    # behind a trusted proxy (loopback by default), the forwarded client IP counts
    r = c.get(
        "/me/alice",
        headers={"X-Forwarded-For": "203.0.113.50", **JSON},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert r.status_code == 403
    # ...but not from an untrusted peer, a private address included
    for peer in ("198.51.100.9", "10.0.0.1"):
        r = c.get(
            "/me/alice",
            headers={"X-Forwarded-For": "203.0.113.50"},
            environ_base={"REMOTE_ADDR": peer},
        )
        assert r.status_code == 200
    assert vigil.flush(3.0)
    (login,) = banned.events_of("auth.success")
    assert login["request"]["ip"] == "198.51.100.4" and login["request"]["path"] == "/login"


def test_flask_custom_block_response(server: FakeServer) -> None:
    server.start_sdk(block_status=451, block_redirect=None, trusted_proxies=["192.0.2.0/24"])
    server.ban("ip", "203.0.113.50")
    server.wait_decisions(1)
    c = flask_app().test_client()
    r = c.get(
        "/me/a",
        headers={"X-Forwarded-For": "203.0.113.50"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert r.status_code == 451
    server.start_sdk(block_redirect="/sorry")
    server.wait_decisions(1)
    r = c.get("/me/a", environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert r.status_code == 303 and r.headers["Location"] == "/sorry"


def starlette_app(sync: bool):  # type: ignore[no-untyped-def]
    from fastapi import FastAPI
    from vigil.asgi import VigilMiddleware

    app = FastAPI()
    app.add_middleware(VigilMiddleware)

    if sync:

        @app.get("/me/{name}")
        def me_sync(name: str) -> dict[str, str]:
            vigil.identify({"username": name})
            return {"hello": name}

    else:

        @app.get("/me/{name}")
        async def me(name: str) -> dict[str, str]:
            vigil.identify({"username": name})
            return {"hello": name}

    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        body = await request.json()
        return {"queued": vigil.auth_track(True, username=body["username"])}

    return app


@pytest.mark.parametrize("sync", [False, True])
def test_fastapi(banned: FakeServer, sync: bool) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(starlette_app(sync), client=("198.51.100.4", 5000))
    assert c.post("/login", json={"username": "alice"}).json() == {"queued": True}
    assert c.get("/me/alice").json() == {"hello": "alice"}
    r = c.get("/me/mallory", headers=JSON)
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"
    r = c.get("/me/mallory", headers=HTML)
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    blocked_ip = TestClient(starlette_app(sync), client=("203.0.113.7", 5000))
    r = blocked_ip.get("/me/alice", headers=JSON)
    assert r.status_code == 403 and json.loads(r.content)["error"]["reference"] == "d1"
    proxied = TestClient(starlette_app(sync), client=("127.0.0.1", 5000))
    r = proxied.get("/me/alice", headers={"X-Forwarded-For": "203.0.113.7"})
    assert r.status_code == 403
    assert vigil.flush(3.0)
    logins = banned.events_of("auth.success")
    assert logins[0]["request"]["ip"] == "198.51.100.4"
    seen = banned.events_of("identify.seen")
    assert any(e["request"]["path"] == "/me/alice" for e in seen)


def test_plain_starlette(banned: FakeServer) -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient
    from vigil.asgi import VigilMiddleware

    async def me(request):  # type: ignore[no-untyped-def]
        vigil.identify({"username": request.path_params["name"]})
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/me/{name}", me)], middleware=[Middleware(VigilMiddleware)])
    c = TestClient(app)
    assert c.get("/me/alice").text == "hi"
    assert c.get("/me/mallory").status_code == 403
