"""The shared edge vectors (client IP, block response) through the WSGI and ASGI adapters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Optional

import pytest
import vigil
from vigil import asgi, wsgi
from vigil._middleware import BlockResponse, Guard
from vigil._native import EdgePolicy

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"


def _cases(name: str) -> list[dict[str, Any]]:
    return json.loads((VECTORS / name).read_text("utf-8"))["cases"]  # type: ignore[no-any-return]


IP_CASES = _cases("client_ip.json")
BLOCK_CASES = _cases("block_response.json")


def _guard(settings: dict[str, str]) -> Guard:
    """A guard with the case's settings as a middleware's own options."""
    block = {k: v for k, v in settings.items() if k.startswith("block_")}
    guard = Guard(settings.get("trusted_proxies"), settings.get("client_ip_header"))
    if block:
        guard.edge = EdgePolicy(list(block.items()))
    return guard


def _wsgi_ip(case: dict[str, Any]) -> Optional[str]:
    """WSGI servers join repeated header lines with commas into one environ value."""
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["request"] = environ["vigil.request"]
        start_response("200 OK", [])
        return [b""]

    middleware = wsgi.VigilMiddleware(app)
    middleware.guard = _guard(case["settings"])
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    if case["peer"] is not None:
        environ["REMOTE_ADDR"] = case["peer"]
    for name, value in case["headers"]:
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    middleware(environ, lambda *_: None)
    return seen["request"].ip  # type: ignore[no-any-return]


def _asgi_ip(case: dict[str, Any]) -> Optional[str]:
    """ASGI keeps every header line."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen["request"] = scope["state"]["vigil_request"]

    middleware = asgi.VigilMiddleware(app)
    middleware.guard = _guard(case["settings"])
    peer = case["peer"]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "client": (peer, 1) if peer is not None else None,
        "headers": [(n.lower().encode(), v.encode("latin-1")) for n, v in case["headers"]],
    }

    async def nothing() -> dict[str, Any]:
        return {}

    async def drop(_: Any) -> None:
        return None

    asyncio.run(middleware(scope, nothing, drop))
    return seen["request"].ip  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", IP_CASES, ids=[c["name"] for c in IP_CASES])
def test_client_ip_wsgi(case: dict[str, Any]) -> None:
    vigil.start()
    assert _wsgi_ip(case) == case["want"]


@pytest.mark.parametrize("case", IP_CASES, ids=[c["name"] for c in IP_CASES])
def test_client_ip_asgi(case: dict[str, Any]) -> None:
    vigil.start()
    assert _asgi_ip(case) == case["want"]


def test_vector_counts() -> None:
    assert len(IP_CASES) >= 60 and len(BLOCK_CASES) >= 25


@pytest.mark.parametrize("case", BLOCK_CASES, ids=[c["name"] for c in BLOCK_CASES])
def test_block_response(case: dict[str, Any]) -> None:
    vigil.start()
    edge = EdgePolicy(list(case["settings"].items()))
    d = case["decision"]
    status, headers, body = edge.render(d["id"], d["reason"], d["redirect_url"], case["accept"])
    want = case["want"]
    assert status == want["status"]
    assert [list(h) for h in headers] == want["headers"]
    assert body == want["body"].encode()


def test_settings_from_start_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_TRUSTED_PROXIES", "10.0.0.0/8")
    vigil.start()
    guard = Guard()
    assert guard.request("10.1.1.1", "203.0.113.5", None, None, None).ip == "203.0.113.5"
    assert guard.request("127.0.0.1", "203.0.113.5", None, None, None).ip == "127.0.0.1"
    vigil.start(trusted_proxies=["192.0.2.0/24"], client_ip_header="X-Real-IP")
    assert guard.edge.environ_key == "HTTP_X_REAL_IP"
    assert guard.request("192.0.2.9", "203.0.113.5", None, None, None).ip == "203.0.113.5"
    monkeypatch.delenv("VIGIL_TRUSTED_PROXIES")


def test_bad_edge_options_fail_clearly() -> None:
    with pytest.raises(vigil.ConfigError) as e:
        vigil.start(trusted_proxies="10.0.0.0/33")
    assert e.value.code == "config" and "trusted_proxies" in str(e.value)
    with pytest.raises(vigil.ConfigError):
        Guard(block=BlockResponse(status=302))
    with pytest.raises(vigil.ConfigError):
        vigil.start(block_body="no content type")


def test_block_response_options_of_a_middleware() -> None:
    vigil.start()
    guard = Guard(block=BlockResponse(status=429, json_body={"no": 1}))

    class D:
        id, reason, redirect_url = "d_1", "r", None

    status, headers, body = guard.render(D(), "application/json")  # type: ignore[arg-type]
    assert (status, body) == (429, b'{"no": 1}')
    status, headers, _ = Guard(block=BlockResponse(redirect="/blocked")).render(D(), None)  # type: ignore[arg-type]
    assert status == 303 and dict(headers)["Location"] == "/blocked"


def test_start_after_lazy_start_applies_options() -> None:
    """normalize never starts Vigil; start after a lazy start takes the new options."""
    vigil.shutdown()
    vigil.normalize({"email": "a@example.com"})
    assert not vigil._native.started()
    vigil.signup_track(email="a@example.com")  # lazy start: local mode
    assert vigil.stats()["local"] is True
    vigil.start(url="http://127.0.0.1:9", token="t", decisions_wait_s=0)
    assert vigil.stats()["local"] is False
    with pytest.raises(vigil.ConfigError):
        vigil.start(url="ftp://nope")
    assert vigil.stats()["local"] is False
    vigil.shutdown(0.1)
