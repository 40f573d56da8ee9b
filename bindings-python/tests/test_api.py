"""The public API against a fake server: what is sent, what is raised."""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

import pytest
import vigil
from conftest import FakeServer
from vigil import _native
from vigil._context import request_var


def test_seed_examples_run_unchanged(server: FakeServer) -> None:
    import vigil as sqreen

    server.start_sdk()
    sqreen.signup_track(username="alice")
    sqreen.auth_track(True, username="alice")
    sqreen.auth_track(False, username="alice")
    sqreen.identify({"username": "alice"}, {"nickname": "Al"})
    sqreen.auth_track(True, username="alice", platform_id="p1")
    sqreen.identify({"username": "alice", "platform_id": "p1"})
    sqreen.identify(dict(username="alice"))
    assert vigil.flush(3.0)
    kinds = [e["type"] for e in server.events]
    assert kinds.count("signup") == 1
    assert kinds.count("auth.success") == 2
    assert kinds.count("auth.failure") == 1
    assert kinds.count("identify.seen") == 2  # once per user and minute
    assert server.batches[0]["sdk"]["lang"] == "python"
    assert server.batches[0]["sdk"]["name"] == "vigil-python"


def test_auth_track_sends_normalized_user(server: FakeServer) -> None:
    server.start_sdk()
    assert vigil.auth_track(True, email=" Alice@Example.COM ") is True
    assert vigil.flush(3.0)
    (event,) = server.events_of("auth.success")
    assert event["user"]["ids"] == {"email": "alice@example.com"}
    assert event["user"]["primary"] == "email"
    assert event["user"]["key"] == vigil.normalize({"email": "alice@example.com"}).key


def test_account_existence_flag(server: FakeServer) -> None:
    server.start_sdk()
    vigil.auth_track(False, vigil.AccountExists(False), username="ghost")
    vigil.auth_track(False, vigil.AccountExists(True), username="alice")
    vigil.auth_track(False, username="bob")
    # An identifier named "exists" is just an identifier.
    vigil.auth_track(False, username="carol", exists="no")
    assert vigil.flush(3.0)
    by_user = {e["user"]["ids"]["username"]: e for e in server.events_of("auth.failure")}
    assert by_user["ghost"]["exists"] is False
    assert by_user["alice"]["exists"] is True
    assert "exists" not in by_user["bob"]
    assert by_user["carol"]["user"]["ids"] == {"exists": "no", "username": "carol"}
    assert vigil.AccountExists(False) == vigil.AccountExists(False)
    assert repr(vigil.AccountExists(True)) == "AccountExists(True)"


def test_account_existence_flag_must_be_explicit() -> None:
    with pytest.raises(TypeError):
        vigil.auth_track(False, False, username="x")  # type: ignore[arg-type]


def test_identifier_errors() -> None:
    with pytest.raises(vigil.IdentifierError) as info:
        vigil.auth_track(True)
    assert info.value.code == "empty"
    assert isinstance(info.value, ValueError)
    with pytest.raises(vigil.IdentifierError) as info:
        vigil.signup_track(username="  ")
    assert info.value.code == "empty_value"
    with pytest.raises(TypeError):
        vigil.signup_track(username=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vigil.identify("alice")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vigil.identify({"username": "a"}, {"nickname": 3})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        vigil.identify({"username": "a"}, ["x"])  # type: ignore[arg-type]


def test_track(server: FakeServer) -> None:
    server.start_sdk()
    ts = datetime.datetime(2024, 5, 1, 12, 0, 0)
    assert vigil.track("order.paid") is True
    assert vigil.track(
        "order.refund",
        {"properties": {"amount": 12.5, "n": 2, "ok": True, "plan": "pro"}, "timestamp": ts},
        user_identifiers={"username": "alice"},
    )
    assert vigil.track("order.x", timestamp=1714564800.25, properties={"a": 1})
    assert vigil.flush(3.0)
    events = {e["name"]: e for e in server.events_of("custom")}
    assert "user" not in events["order.paid"]
    refund = events["order.refund"]
    assert refund["properties"] == {"amount": 12.5, "n": 2, "ok": True, "plan": "pro"}
    assert refund["ts"] == "2024-05-01T12:00:00.000Z"
    assert refund["user"]["ids"] == {"username": "alice"}
    assert events["order.x"]["ts"] == "2024-05-01T12:00:00.250Z"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: vigil.track("vigil.login"), "reserved_event_name"),
        (lambda: vigil.track(""), "event_name_length"),
        (lambda: vigil.track("x" * 129), "event_name_length"),
        (
            lambda: vigil.track("a", properties={f"k{i}": i for i in range(17)}),
            "too_many_properties",
        ),
        (lambda: vigil.track("a", properties={"x": float("nan")}), "invalid_property"),
        (lambda: vigil.track("a", timestamp=datetime.datetime(1990, 1, 1)), "invalid_timestamp"),
        (lambda: vigil.track("a", user_identifiers={}), "empty"),
    ],
)
def test_track_errors(call: Any, code: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, vigil.VigilError)
    assert info.value.code == code


def test_track_type_errors() -> None:
    with pytest.raises(TypeError):
        vigil.track("a", properties={"x": None})
    with pytest.raises(TypeError):
        vigil.track("a", properties={1: "x"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        vigil.track("a", {"colour": "red"})
    with pytest.raises(TypeError):
        vigil.track("a", timestamp="yesterday")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vigil.track(3)  # type: ignore[arg-type]


def test_sixteen_properties_are_fine() -> None:
    assert vigil.track("a", properties={f"k{i}": i for i in range(16)})


def test_alias(server: FakeServer) -> None:
    server.start_sdk()
    assert vigil.alias({"email": "old@example.com"}, {"email": "New@example.com"})
    with pytest.raises(vigil.IdentifierError):
        vigil.alias({}, {"email": "x@example.com"})
    assert vigil.flush(3.0)
    (event,) = server.events_of("alias")
    assert event["previous"]["ids"] == {"email": "old@example.com"}
    assert event["user"]["ids"] == {"email": "new@example.com"}


def test_config_errors() -> None:
    with pytest.raises(vigil.ConfigError) as info:
        vigil.start(flush_interval_ms=1)
    assert info.value.code == "config"
    with pytest.raises(vigil.ConfigError):
        vigil.start(url="http://127.0.0.1:9")  # no token
    with pytest.raises(vigil.ConfigError):
        vigil.start(no_such_option=1)
    with pytest.raises(vigil.ConfigError):
        vigil.start(pii="hash", pii_secret="short")
    with pytest.raises(TypeError):
        vigil.start(flush_interval_ms=[1])


def test_lazy_start_from_environment(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_URL", server.url)
    monkeypatch.setenv("VIGIL_TOKEN", "t")
    monkeypatch.setenv("VIGIL_FLUSH_INTERVAL_MS", "50")
    assert not _native.started()
    vigil.signup_track(username="env")
    assert _native.started()
    assert vigil.stats()["local"] is False
    assert vigil.flush(3.0)
    assert server.events_of("signup")[0]["user"]["ids"] == {"username": "env"}


def test_lazy_start_from_vigil_toml(tmp_path: Any) -> None:
    (tmp_path / "vigil.toml").write_text('pii = "hash"\npii_secret = "0123456789abcdef!"\n')
    got = vigil.normalize({"username": "alice"})
    assert got.ids["username"] != "alice"
    vigil.shutdown()
    (tmp_path / "vigil.toml").write_text("flush_interval_ms = 1\n")
    with pytest.raises(vigil.ConfigError):
        vigil.signup_track(username="x")


def test_local_mode_stats_flush_shutdown() -> None:
    vigil.start()
    assert vigil.stats()["local"] is True
    vigil.auth_track(True, username="alice")
    assert vigil.flush(2.0)
    s = vigil.stats()
    assert s["enqueued"] == 1 and s["sent"] == 1 and s["queued"] == 0
    assert set(s) >= {"dropped", "retried", "failed_batches", "decisions", "last_error"}
    assert vigil.shutdown(2.0)
    assert vigil.shutdown(2.0)  # idempotent
    # After a shutdown the next call starts afresh.
    assert vigil.auth_track(True, username="alice")
    with pytest.raises(ValueError):
        vigil.flush(-1)


def test_identify_raises_within_two_seconds_of_a_ban(server: FakeServer) -> None:
    server.start_sdk()
    vigil.identify({"username": "mallory"})
    key = vigil.normalize({"username": "mallory"}).key
    banned_at = time.monotonic()
    server.ban("user", key, reason="brute force", expires_at="2099-01-01T00:00:00Z")
    while True:
        try:
            vigil.identify({"username": "mallory"})
        except vigil.UserBlocked as e:
            blocked = e
            break
        assert time.monotonic() - banned_at < 2.0, "ban not applied within 2 s"
        time.sleep(0.02)
    assert blocked.decision.scope == "user"
    assert blocked.decision.target == key
    assert blocked.id == "d1" and blocked.reason == "brute force" and blocked.action == "block"
    assert blocked.scope == "user" and blocked.redirect_url is None
    assert blocked.expires_at == datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
    assert blocked.code == "blocked"
    assert isinstance(blocked, vigil.VigilError)
    vigil.identify({"username": "alice"})  # others are not blocked


def test_identify_raises_for_blocked_ip(server: FakeServer) -> None:
    server.start_sdk()
    server.ban("cidr", "203.0.113.0/24")
    server.wait_decisions(1)
    token = request_var.set(vigil.Request("203.0.113.9", "ua", "GET", "/"))
    try:
        with pytest.raises(vigil.UserBlocked) as info:
            vigil.identify({"username": "alice"})
        assert info.value.scope == "cidr"
    finally:
        request_var.reset(token)
    vigil.identify({"username": "alice"})  # no request, no IP


def test_request_context_rides_on_events(server: FakeServer) -> None:
    server.start_sdk()
    req = vigil.Request("::ffff:198.51.100.7", "curl/8", "POST", "/login")
    assert req.ip == "198.51.100.7" and req.method == "POST"
    token = request_var.set(req)
    try:
        assert vigil.current_request() is req
        vigil.auth_track(True, username="alice")
        vigil.identify({"username": "alice"})
        assert req.user_key == vigil.normalize({"username": "alice"}).key
        vigil.track("cart.add")  # the identified user's
    finally:
        request_var.reset(token)
    assert vigil.flush(3.0)
    (login,) = server.events_of("auth.success")
    assert login["request"] == {
        "ip": "198.51.100.7",
        "user_agent": "curl/8",
        "method": "POST",
        "path": "/login",
    }
    (custom,) = server.events_of("custom")
    assert custom["user"]["ids"] == {"username": "alice"}
    with pytest.raises(vigil.EventError) as info:
        vigil.Request("not-an-ip")
    assert info.value.code == "invalid_ip"


def test_server_down_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="vigil")
    vigil.start(url="http://127.0.0.1:9", token="t", flush_interval_ms=20, request_timeout_ms=200)
    assert vigil.auth_track(True, username="alice")
    assert vigil.flush(0.3) is False
    deadline = time.monotonic() + 3
    while vigil.stats()["last_error"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert vigil.stats()["last_error"]
    _native.emit_logs()
    assert any(r.name == "vigil" for r in caplog.records)


def test_flush_releases_the_gil() -> None:
    import threading

    vigil.start(url="http://127.0.0.1:9", token="t", request_timeout_ms=500)
    vigil.auth_track(True, username="alice")
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    vigil.flush(0.3)
    stop.set()
    t.join()
    assert ticks > 20
