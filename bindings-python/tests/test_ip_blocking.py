"""Client IP behind proxies, and block response negotiation."""

from __future__ import annotations

from typing import Optional

import pytest
from vigil._blocking import BlockResponse, wants_json
from vigil._ip import ClientIpResolver


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "1.2.3.4", "203.0.113.5"),  # untrusted peer: header ignored
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),  # right to left
        ("10.0.0.2", "10.0.0.5, 10.0.0.1", "10.0.0.5"),  # all trusted: leftmost
        ("10.0.0.2", "garbage, 1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4, garbage", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4:5678", "1.2.3.4"),
        ("::1", "[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:10.0.0.2", "1.2.3.4", "1.2.3.4"),
        (None, "1.2.3.4", None),
        ("unix-socket", None, None),
    ],
)
def test_default_resolver(
    peer: Optional[str], header: Optional[str], expected: Optional[str]
) -> None:
    assert ClientIpResolver().resolve(peer, header) == expected


def test_custom_proxies_and_header() -> None:
    r = ClientIpResolver(["198.51.100.0/24"], "X-Real-IP")
    assert r.environ_key == "HTTP_X_REAL_IP"
    assert r.resolve("198.51.100.1", "1.2.3.4") == "1.2.3.4"
    assert r.resolve("10.0.0.1", "1.2.3.4") == "10.0.0.1"  # no longer trusted
    assert (
        ClientIpResolver("198.51.100.0/24, 10.0.0.0/8").resolve("10.1.1.1", "9.9.9.9") == "9.9.9.9"
    )
    assert ClientIpResolver([], None).resolve("10.0.0.1", "1.2.3.4") == "10.0.0.1"


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("", False),
        ("application/json", True),
        ("application/problem+json", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json, text/html;q=0.5", True),
        ("text/html, application/json;q=0.5", False),
        ("*/*", False),
    ],
)
def test_wants_json(accept: Optional[str], json: bool) -> None:
    assert wants_json(accept) is json


class _D:
    id = "d<1>"
    action = "block"
    redirect_url: Optional[str] = None


def test_block_response_bodies() -> None:
    status, headers, body = BlockResponse().render(_D(), "text/html")
    assert status == 403 and b"d&lt;1&gt;" in body
    assert dict(headers)["Content-Type"].startswith("text/html")
    status, headers, body = BlockResponse(status=429, json_body={"no": 1}).render(
        _D(), "application/json"
    )
    assert (status, body) == (429, b'{"no": 1}')
    status, headers, body = BlockResponse(redirect="/blocked").render(_D(), None)
    assert status == 302 and dict(headers)["Location"] == "/blocked"
    d = _D()
    d.action, d.redirect_url = "redirect", "https://example.com/why"
    assert dict(BlockResponse().render(d, None)[1])["Location"] == "https://example.com/why"
