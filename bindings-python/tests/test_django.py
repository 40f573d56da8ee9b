"""A real Django project: middleware, block responses and the automatic mode."""

from __future__ import annotations

import json
import re
from typing import Any

import django
import pytest
from conftest import FakeServer
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="test",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "vigil.django",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "vigil.django.middleware.VigilMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    VIGIL={"automatic": True},
)
django.setup()

import vigil  # noqa: E402
from django.contrib.auth import authenticate, login  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402


def login_view(request: Any) -> HttpResponse:
    # A plain Django login view: no Vigil call anywhere.
    user = authenticate(
        request, username=request.POST["username"], password=request.POST["password"]
    )
    if user is None:
        return HttpResponse("no", status=401)
    login(request, user)
    return HttpResponse("ok")


def me_view(request: Any) -> HttpResponse:
    return HttpResponse("hello " + request.user.get_username())


def explicit_view(request: Any, name: str) -> HttpResponse:
    vigil.identify({"username": name})
    return HttpResponse("hi " + name)


urlpatterns = [
    path("login", login_view),
    path("me", me_view),
    path("explicit/<str:name>", explicit_view),
]


@pytest.fixture(scope="module", autouse=True)
def database() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    User.objects.create_user("alice", password="secret")
    User.objects.create_user("mallory", password="secret")


def test_automatic_mode_tracks_logins(server: FakeServer) -> None:
    server.start_sdk()
    c = Client(REMOTE_ADDR="198.51.100.4")
    assert c.post("/login", {"username": "alice", "password": "wrong"}).status_code == 401
    assert c.post("/login", {"username": "nobody", "password": "x"}).status_code == 401
    assert c.post("/login", {"username": "alice", "password": "secret"}).status_code == 200
    assert c.get("/me").content == b"hello alice"
    assert vigil.flush(3.0)
    failures = {e["user"]["ids"]["username"]: e for e in server.events_of("auth.failure")}
    assert failures["alice"]["exists"] is True
    assert failures["nobody"]["exists"] is False
    (success,) = server.events_of("auth.success")
    assert success["user"]["ids"] == {"username": "alice"}
    assert success["request"]["ip"] == "198.51.100.4"
    assert success["request"]["path"] == "/login"
    seen = server.events_of("identify.seen")  # authenticated requests are identified
    assert [e["user"]["ids"]["username"] for e in seen] == ["alice"]


def test_blocked_user_and_ip(server: FakeServer) -> None:
    server.start_sdk()
    server.ban("user", vigil.normalize({"username": "mallory"}).key)
    server.ban("ip", "203.0.113.7")
    server.wait_decisions(2)
    c = Client(REMOTE_ADDR="198.51.100.4")
    assert c.post("/login", {"username": "mallory", "password": "secret"}).status_code == 200
    # automatic identification of the logged-in, banned user
    r = c.get("/me", HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"
    r = c.get("/me", HTTP_ACCEPT="text/html")
    assert r.status_code == 403 and b"Access denied" in r.content
    # identify in a view, raising through process_exception
    anon = Client(REMOTE_ADDR="198.51.100.5")
    assert anon.get("/explicit/alice").content == b"hi alice"
    assert anon.get("/explicit/mallory").status_code == 403
    # blocked IP, directly or through a trusted proxy
    assert Client(REMOTE_ADDR="203.0.113.7").get("/explicit/alice").status_code == 403
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert proxied.get("/explicit/alice").status_code == 403
    spoofed = Client(REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert spoofed.get("/explicit/alice").status_code == 200


def test_automatic_mode_can_be_turned_off(server: FakeServer, settings_override: Any) -> None:
    server.start_sdk()
    c = Client(REMOTE_ADDR="198.51.100.4")
    c.post("/login", {"username": "alice", "password": "wrong"})
    assert vigil.flush(3.0)
    assert server.events == []


@pytest.fixture
def settings_override() -> Any:
    from django.test import override_settings

    with override_settings(VIGIL={"automatic": False}):
        yield


def test_device_cookie_over_http() -> None:
    """Django's WSGI handler behind a real HTTP server: the core's Set-Cookie goes out as it
    is, once; the cookie keeps the device; a tampered one is replaced; blocks carry it too."""
    from conftest import Browser, serve_wsgi
    from django.core.handlers.wsgi import WSGIHandler

    vigil.start()
    with serve_wsgi(WSGIHandler()) as url:
        browser = Browser(url)
        r = browser.get("/explicit/alice")
        (set_cookie,) = r.set_cookies
        assert re.fullmatch(
            r"vigil_device=v1\.[0-9a-f]{32}\.[A-Za-z0-9_-]{22}; Path=/; Max-Age=63072000; "
            r"HttpOnly; SameSite=Lax",
            set_cookie,
        ), set_cookie
        value = browser.cookies["vigil_device"]
        assert browser.get("/explicit/alice").set_cookies == []
        browser.cookies["vigil_device"] = value.replace("v1.", "v2.")
        (replaced,) = browser.get("/explicit/alice").set_cookies
        assert replaced.split(";")[0] != f"vigil_device={value}"
        assert browser.get("/explicit/alice").set_cookies == []
        # identify raising UserBlocked in the view (process_exception): the block response.
        vigil._native._apply_feed(
            json.dumps(
                {
                    "cursor": 1,
                    "reset": True,
                    "upserts": [
                        {
                            "id": "d_m",
                            "scope": "user",
                            "value": vigil.normalize({"username": "mallory"}).key,
                            "action": "block",
                            "reason": "r",
                        }
                    ],
                    "deletes": [],
                }
            )
        )
        r = Browser(url).get("/explicit/mallory")
        assert r.status == 403 and len(r.set_cookies) == 1
        assert browser.get("/explicit/mallory").set_cookies == []


def test_device_cookie_reaches_the_automatic_login(server: FakeServer) -> None:
    server.start_sdk()
    c = Client(REMOTE_ADDR="198.51.100.4")
    r = c.get("/explicit/alice")
    device = r.cookies["vigil_device"].value.split(".")[1]
    assert c.post("/login", {"username": "alice", "password": "secret"}).status_code == 200
    assert "vigil_device" not in c.post("/login", {"username": "alice", "password": "x"}).cookies
    assert vigil.flush(3.0)
    (success,) = server.events_of("auth.success")
    (failure,) = server.events_of("auth.failure")
    assert success["request"]["device"] == failure["request"]["device"] == device


def test_device_cookie_disabled(server: FakeServer) -> None:
    server.start_sdk(device_cookie="")
    c = Client(REMOTE_ADDR="198.51.100.4")
    assert "vigil_device" not in c.get("/explicit/alice").cookies
    assert c.post("/login", {"username": "alice", "password": "secret"}).status_code == 200
    assert vigil.flush(3.0)
    (success,) = server.events_of("auth.success")
    assert "device" not in success["request"]
