#!/usr/bin/env python3
"""Independent reference for Vigil's HTTP edge rules (docs/configuration.md, "HTTP edge";
docs/protocol.md, "Block response").

Written from the documented rules alone, separately from the Rust core (core/src/edge/),
with Python's ``ipaddress`` module. It computes the expected answer of every case below and
writes ``client_ip.json`` and ``block_response.json`` next to it: the shared vectors that the
Rust, C, Python, Node and Go suites run through their own adapters.

    python3 tests/vectors/reference_edge.py          # regenerate both files
    python3 tests/vectors/reference_edge.py --check  # fail if either is stale

Client IP:

1. The peer address (``1.2.3.4``, ``1.2.3.4:80``, ``[2001:db8::1]:443``, ``fe80::1%eth0``)
   loses its port and zone; an IPv4-mapped IPv6 address becomes its IPv4 address. A peer
   that is absent or not an address gives no client IP at all.
2. A peer outside ``trusted_proxies`` (default: loopback only) is the client.
3. Otherwise one header is read, ``client_ip_header`` (default ``X-Forwarded-For``):
   - ``X-Forwarded-For`` and ``Forwarded``: the entries of every line, right to left (last
     line first). Empty entries are skipped. An entry that is not an address (garbage,
     ``unknown``, an obfuscated ``_node``, a ``Forwarded`` element without exactly one
     ``for=``, a quoted value holding a quote or backslash) ends the walk: the answer is the
     last address reached (the peer if none). The first address outside
     ``trusted_proxies`` is the answer. After 32 addresses the walk stops at the 32nd.
     When every address is trusted, the answer is the leftmost.
     ``Forwarded`` elements are split on commas outside double quotes; the ``for=`` value
     is unquoted, then read like an X-Forwarded-For entry.
   - any other header holds one address: exactly one non-empty line, without a comma,
     that is an address, else the answer is the peer.

Block response: a redirect (303, ``Location``, ``Cache-Control: no-store``,
``Content-Length: 0``) to the decision's own URL when it is safe, else to ``block_redirect``;
else ``block_status`` (403) with ``block_body`` / ``block_content_type`` when both are set,
else JSON or HTML by ``Accept`` (ranges by q-value, then specificity, then position; the first
range matching HTML or JSON decides, HTML first for a wildcard; a type given ``q=0`` is never
chosen; a range with parameters other than ``q`` matches neither; HTML when nothing matches or
``Accept`` is absent or unparsable).

Standard library only; Python 3.9 or later.
"""

from __future__ import annotations

import html
import ipaddress
import json
import sys
from typing import Optional

import vector_files

MAX_HOPS = 32
LOOPBACK = ["127.0.0.0/8", "::1/128"]
PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
LINK_LOCAL = ["169.254.0.0/16", "fe80::/10"]

# --------------------------------------------------------------------------- client IP


def host(text: str) -> Optional[ipaddress._BaseAddress]:
    text = text.strip(" \t")
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        inner, after = text[1:end], text[end + 1 :]
        if after and not (after[0] == ":" and port_ok(after[1:])):
            return None
        if ":" not in inner:
            return None
        text = inner
    elif text.count(":") == 1:
        text, port = text.split(":")
        if not port_ok(port):
            return None
    if "%" in text:
        addr, zone = text.split("%", 1)
        if ":" not in addr or not zone:
            return None
        text = addr
    if not text or any(c not in "0123456789abcdefABCDEF.:" for c in text):
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def port_ok(port: str) -> bool:
    return 1 <= len(port) <= 5 and port.isascii() and port.isdigit()


def networks(spec: str) -> list:
    nets = []
    for item in (s.strip() for s in spec.split(",")):
        named = {"loopback": LOOPBACK, "private": PRIVATE, "link_local": LINK_LOCAL, "none": []}
        if not item:
            continue
        if item.lower() in named:
            nets += [ipaddress.ip_network(n) for n in named[item.lower()]]
        else:
            nets.append(ipaddress.ip_network(item, strict=False))
    return nets


def trusted(ip, nets) -> bool:
    return any(ip.version == n.version and ip in n for n in nets)


def xff_entries(line: str):
    return [("ip", e) for e in reversed(line.split(","))]


def forwarded_entries(line: str):
    # Split from the right: the right end was written by a trusted proxy, so an unbalanced
    # quote typed by the client further left cannot swallow the proxy's own element.
    elements, current, quoted = [], "", False
    for ch in reversed(line):
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            elements.append(current[::-1])
            current = ""
        else:
            current += ch
    elements.append(current[::-1])
    elements.reverse()
    out = []
    for element in reversed(elements):
        element = element.strip(" \t")
        if not element:
            out.append(("ip", ""))
            continue
        values = []
        bad = False
        for pair in element.split(";"):
            if "=" not in pair:
                bad = True
                break
            name, value = pair.split("=", 1)
            if name.strip(" \t").lower() == "for":
                values.append(value.strip(" \t"))
        if bad or len(values) != 1:
            out.append(("bad", None))
            continue
        value = values[0]
        if value.startswith('"'):
            if len(value) < 2 or not value.endswith('"') or any(c in value[1:-1] for c in '"\\'):
                out.append(("bad", None))
                continue
            value = value[1:-1]
        out.append(("ip", value if value else "\x00"))
    return out


def client_ip(case: dict) -> Optional[str]:
    settings = case.get("settings", {})
    nets = networks(settings.get("trusted_proxies", "loopback"))
    header = settings.get("client_ip_header", "X-Forwarded-For").lower()
    peer = host(case["peer"]) if case["peer"] is not None else None
    if peer is None:
        return None
    if not trusted(peer, nets):
        return str(peer)
    lines = [v for (n, v) in case["headers"] if n.lower() == header]
    if header not in ("x-forwarded-for", "forwarded"):
        lines = [v for v in lines if v.strip(" \t")]
        if len(lines) != 1 or "," in lines[0]:
            return str(peer)
        ip = host(lines[0])
        return str(ip if ip is not None else peer)
    split = xff_entries if header == "x-forwarded-for" else forwarded_entries
    last, hops = peer, 0
    for line in reversed(lines):
        for kind, text in split(line):
            if kind == "bad":
                return str(last)
            if not text.strip(" \t"):
                continue
            ip = host(text)
            if ip is None:
                return str(last)
            last, hops = ip, hops + 1
            if not trusted(ip, nets) or hops == MAX_HOPS:
                return str(last)
    return str(last)


XFF = "X-Forwarded-For"
LB = {"trusted_proxies": "loopback, 10.0.0.0/8"}
PRIV = {"trusted_proxies": "loopback, private"}
FWD = {"client_ip_header": "Forwarded"}
FWD_LB = {"client_ip_header": "Forwarded", "trusted_proxies": "loopback, 10.0.0.0/8"}
REAL = {"client_ip_header": "X-Real-IP"}
CF = {"client_ip_header": "CF-Connecting-IP", "trusted_proxies": "10.0.0.0/8"}
NONE = {"trusted_proxies": "none"}

CLIENT_IP_CASES = [
    ("direct client, no header", "198.51.100.7:5000", [], {}),
    ("direct client's header is ignored", "198.51.100.7:5000", [(XFF, "1.2.3.4")], {}),
    ("loopback proxy is trusted by default", "127.0.0.1:5000", [(XFF, "203.0.113.5")], {}),
    ("spoofed leftmost entries are skipped", "127.0.0.1:5000", [(XFF, "6.6.6.6, 203.0.113.5")], {}),
    ("many spoofed entries", "127.0.0.1", [(XFF, "1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.5")], {}),
    ("private peer is not trusted by default", "10.0.0.2:80", [(XFF, "203.0.113.5")], {}),
    ("private peer trusted when configured", "10.0.0.2:80", [(XFF, "203.0.113.5")], PRIV),
    (
        "chain through several trusted proxies",
        "10.1.1.1:80",
        [(XFF, "203.0.113.5, 10.3.3.3, 10.2.2.2")],
        LB,
    ),
    (
        "chain with spoofed entry left of the client",
        "10.1.1.1:80",
        [(XFF, "6.6.6.6, 203.0.113.5, 10.2.2.2")],
        LB,
    ),
    (
        "chain stops at first untrusted from the right",
        "10.1.1.1",
        [(XFF, "203.0.113.5, 198.51.100.9, 10.2.2.2")],
        LB,
    ),
    ("every hop trusted gives the leftmost", "127.0.0.1", [(XFF, "10.9.9.9, 127.0.0.3")], LB),
    ("single trusted address in the header", "127.0.0.1", [(XFF, "127.0.0.2")], {}),
    ("ipv6 loopback peer is trusted", "[::1]:8080", [(XFF, "203.0.113.5")], {}),
    ("bare ipv6 loopback peer", "::1", [(XFF, "2001:db8::5")], {}),
    ("ipv6 client in the header", "127.0.0.1", [(XFF, "2001:db8::5")], {}),
    ("bracketed ipv6 client with port", "127.0.0.1", [(XFF, "[2001:db8::5]:443")], {}),
    ("bracketed ipv6 client without port", "127.0.0.1", [(XFF, "[2001:db8::5]")], {}),
    ("ipv4 client with port", "127.0.0.1", [(XFF, "203.0.113.5:61000")], {}),
    ("ipv4-mapped peer becomes ipv4", "[::ffff:198.51.100.7]:1", [], {}),
    ("ipv4-mapped loopback peer is trusted", "::ffff:127.0.0.1", [(XFF, "203.0.113.5")], {}),
    ("ipv4-mapped client in the header", "127.0.0.1", [(XFF, "::ffff:203.0.113.5")], {}),
    ("zone id on the client is dropped", "127.0.0.1", [(XFF, "fe80::1%eth0")], {}),
    ("zone id on the peer is dropped", "fe80::9%2", [], {}),
    ("ipv6 peer outside trusted", "[2001:db8::1]:443", [(XFF, "203.0.113.5")], {}),
    ("garbage rightmost falls back to the peer", "127.0.0.1", [(XFF, "not-an-ip")], {}),
    (
        "garbage behind a trusted hop keeps that hop",
        "127.0.0.1",
        [(XFF, "6.6.6.6, junk, 127.0.0.2")],
        {},
    ),
    ("garbage left of the client is never reached", "127.0.0.1", [(XFF, "junk, 203.0.113.5")], {}),
    ("leading zeros are not an address", "127.0.0.1", [(XFF, "203.000.113.5")], {}),
    ("hostname is not an address", "127.0.0.1", [(XFF, "example.com")], {}),
    ("quoted entry is not an address", "127.0.0.1", [(XFF, '"203.0.113.5"')], {}),
    ("empty port is not an address", "127.0.0.1", [(XFF, "203.0.113.5:")], {}),
    ("six-digit port is not an address", "127.0.0.1", [(XFF, "203.0.113.5:123456")], {}),
    ("empty header gives the peer", "127.0.0.1", [(XFF, "")], {}),
    ("white space only header gives the peer", "127.0.0.1", [(XFF, "  \t ")], {}),
    ("empty entries are skipped", "127.0.0.1", [(XFF, "203.0.113.5,, ,")], {}),
    ("tabs around entries", "127.0.0.1", [(XFF, "\t203.0.113.5\t")], {}),
    (
        "several header lines are one list",
        "127.0.0.1",
        [(XFF, "6.6.6.6"), (XFF, "203.0.113.5")],
        {},
    ),
    ("last header line is walked first", "10.1.1.1", [(XFF, "203.0.113.5"), (XFF, "10.2.2.2")], LB),
    ("header name is case-insensitive", "127.0.0.1", [("x-forwarded-for", "203.0.113.5")], {}),
    (
        "huge spoofed header is read from its right end",
        "127.0.0.1",
        [(XFF, ", ".join(f"6.6.{i // 250}.{i % 250}" for i in range(2000)) + ", 203.0.113.5")],
        {},
    ),
    (
        "huge garbage header with a good right end",
        "127.0.0.1",
        [(XFF, "x" * 20000 + ", 203.0.113.5")],
        {},
    ),
    (
        "hop limit stops a long trusted chain",
        "127.0.0.1",
        [(XFF, ", ".join(f"127.0.0.{i}" for i in range(2, 50)))],
        {},
    ),
    (
        "untrusted peer with every header",
        "198.51.100.7",
        [(XFF, "1.1.1.1"), ("Forwarded", "for=2.2.2.2"), ("X-Real-IP", "3.3.3.3")],
        {},
    ),
    (
        "only the configured header is read",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6"), (XFF, "203.0.113.5")],
        {},
    ),
    ("trusted proxies none ignores headers", "127.0.0.1", [(XFF, "203.0.113.5")], NONE),
    ("absent peer gives no client ip", None, [(XFF, "203.0.113.5")], {}),
    ("garbage peer gives no client ip", "unix:/run/app.sock", [(XFF, "203.0.113.5")], {}),
    ("empty peer gives no client ip", "", [], {}),
    ("forwarded simple", "127.0.0.1", [("Forwarded", "for=203.0.113.5")], FWD),
    (
        "forwarded with other parameters",
        "127.0.0.1",
        [("Forwarded", "for=203.0.113.5;proto=https;by=127.0.0.1")],
        FWD,
    ),
    (
        "forwarded parameter name is case-insensitive",
        "127.0.0.1",
        [("Forwarded", "proto=http;For=203.0.113.5")],
        FWD,
    ),
    (
        "forwarded quoted ipv4 with port",
        "127.0.0.1",
        [("Forwarded", 'for="203.0.113.5:4711"')],
        FWD,
    ),
    (
        "forwarded quoted bracketed ipv6 with port",
        "127.0.0.1",
        [("Forwarded", 'for="[2001:db8:cafe::17]:4711"')],
        FWD,
    ),
    (
        "forwarded quoted bracketed ipv6",
        "127.0.0.1",
        [("Forwarded", 'for="[2001:db8:cafe::17]"')],
        FWD,
    ),
    (
        "forwarded spoofed left element skipped",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6, for=203.0.113.5")],
        FWD,
    ),
    (
        "forwarded chain through trusted proxies",
        "10.1.1.1",
        [("Forwarded", "for=203.0.113.5;proto=https, for=10.2.2.2")],
        FWD_LB,
    ),
    (
        "forwarded unknown node stops the walk",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6, for=unknown")],
        FWD,
    ),
    (
        "forwarded obfuscated node stops the walk",
        "10.1.1.1",
        [("Forwarded", "for=6.6.6.6, for=_hidden, for=10.2.2.2")],
        FWD_LB,
    ),
    (
        "forwarded element without for",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6, proto=https")],
        FWD,
    ),
    (
        "forwarded element with two for",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6;for=203.0.113.5")],
        FWD,
    ),
    (
        "forwarded quoted comma stays in its element",
        "127.0.0.1",
        [("Forwarded", 'for="6.6.6.6, for=7.7.7.7"')],
        FWD,
    ),
    (
        "forwarded client's unbalanced quote cannot hide the proxy's element",
        "127.0.0.1",
        [("Forwarded", 'for=6.6.6.6, for="x, for=203.0.113.5')],
        FWD,
    ),
    (
        "forwarded escaped quote is not an address",
        "127.0.0.1",
        [("Forwarded", 'for="203.0.113.5\\""')],
        FWD,
    ),
    ("forwarded unterminated quote", "127.0.0.1", [("Forwarded", 'for="203.0.113.5')], FWD),
    (
        "forwarded several lines",
        "127.0.0.1",
        [("Forwarded", "for=6.6.6.6"), ("Forwarded", "for=203.0.113.5")],
        FWD,
    ),
    ("forwarded configured ignores x-forwarded-for", "127.0.0.1", [(XFF, "6.6.6.6")], FWD),
    ("x-real-ip from a trusted proxy", "127.0.0.1", [("X-Real-IP", "203.0.113.5")], REAL),
    (
        "x-real-ip from an untrusted peer is ignored",
        "198.51.100.7",
        [("X-Real-IP", "203.0.113.5")],
        REAL,
    ),
    ("x-real-ip with a port", "127.0.0.1", [("X-Real-IP", "203.0.113.5:80")], REAL),
    ("x-real-ip garbage gives the peer", "127.0.0.1", [("X-Real-IP", "nope")], REAL),
    (
        "x-real-ip list is not a single value",
        "127.0.0.1",
        [("X-Real-IP", "6.6.6.6, 203.0.113.5")],
        REAL,
    ),
    (
        "x-real-ip sent twice is ambiguous",
        "127.0.0.1",
        [("X-Real-IP", "6.6.6.6"), ("X-Real-IP", "203.0.113.5")],
        REAL,
    ),
    (
        "cf-connecting-ip from the trusted network",
        "10.7.7.7",
        [("CF-Connecting-IP", "2001:db8::beef")],
        CF,
    ),
    (
        "cf-connecting-ip ignored from loopback when not trusted",
        "127.0.0.1",
        [("CF-Connecting-IP", "203.0.113.5")],
        CF,
    ),
    ("single header absent gives the peer", "10.7.7.7", [(XFF, "203.0.113.5")], CF),
    (
        "trusted single address",
        "192.0.2.1",
        [(XFF, "203.0.113.5")],
        {"trusted_proxies": "192.0.2.1"},
    ),
    (
        "trusted ipv6 network",
        "[2001:db8:1::2]:1",
        [(XFF, "203.0.113.5")],
        {"trusted_proxies": "2001:db8:1::/48"},
    ),
]

# ---------------------------------------------------------------------- block response

DEFAULT_HTML = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>Access denied</title></head><body><h1>Access denied</h1>"
    "<p>This request was blocked for security reasons.</p><p>Reference: {reference}</p>"
    "</body></html>\n"
)
MESSAGE = "This request was blocked for security reasons."


def media_ranges(accept: str):
    out = []
    for pos, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if media.count("/") != 1 or any(c.isspace() for c in media):
            return None
        q, params = 1.0, False
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                q = float(value)
            else:
                params = True
        kind, sub = media.split("/")
        spec = 0 if media == "*/*" else 1 if sub == "*" else 2
        if params:
            # A range with parameters names a narrower type than the bare one offered.
            kind = sub = "\x00"
        out.append((q, spec, pos, kind, sub))
    return out


def wants_json(accept: Optional[str]) -> bool:
    if accept is None or not accept.strip():
        return False
    ranges = media_ranges(accept)
    if ranges is None:
        return False
    offered = [("text", "html"), ("application", "json")]
    refused = {(k, s) for (q, spec, _, k, s) in ranges if q == 0 and spec == 2}
    for q, _spec, _pos, kind, sub in sorted(ranges, key=lambda r: (-r[0], -r[1], r[2])):
        if q == 0:
            continue
        for t in offered:
            if t in refused:
                continue
            if (kind, sub) == t or (kind == t[0] and sub == "*") or (kind, sub) == ("*", "*"):
                return t == ("application", "json")
    return False


def safe_redirect(url: Optional[str]) -> bool:
    if not url or len(url) > 2048 or any(ord(c) < 32 or ord(c) == 127 or c == " " for c in url):
        return False
    lower = url.lower()
    for scheme in ("https://", "http://"):
        if lower.startswith(scheme):
            rest = url[len(scheme) :]
            return bool(rest) and not rest.startswith("/")
    return url.startswith("/") and not url.startswith("//") and not url.startswith("/\\")


def _escape(value: str) -> str:
    """HTML-escaped for text and attribute values alike: & < > " ' and /."""
    return html.escape(value, quote=True).replace("/", "&#x2F;")


def block_response(case: dict) -> dict:
    s, d = case.get("settings", {}), case["decision"]
    target = d.get("redirect_url") if safe_redirect(d.get("redirect_url")) else None
    target = target or s.get("block_redirect")
    if target:
        headers = [["Location", target], ["Cache-Control", "no-store"], ["Content-Length", "0"]]
        return {"status": 303, "headers": headers, "body": ""}
    status = int(s.get("block_status", "403"))
    vary = True
    if "block_body" in s:
        ctype, body, vary = s["block_content_type"], s["block_body"], False
    elif wants_json(case["accept"]):
        ctype = "application/json"
        body = s.get("block_json") or json.dumps(
            {"error": {"code": "blocked", "message": MESSAGE, "reference": d["id"]}},
            separators=(",", ":"),
        )
    else:
        ctype = "text/html; charset=utf-8"
        body = (
            s.get("block_html", DEFAULT_HTML)
            .replace("{reference}", _escape(d["id"]))
            .replace("{reason}", _escape(d["reason"]))
        )
    headers = [
        ["Content-Type", ctype],
        ["Content-Length", str(len(body.encode()))],
        ["Cache-Control", "no-store"],
    ]
    if vary:
        headers.append(["Vary", "Accept"])
    return {"status": status, "headers": headers, "body": body}


D = {"id": "d_81", "reason": "playbook:block-brute-force", "redirect_url": None}
EVIL = {"id": "d_<b>&\"'", "reason": "<script>alert('x')</script>", "redirect_url": None}
TEMPLATE = "<p>{reason}</p><p>ref {reference}</p>"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

BLOCK_CASES = [
    ("no accept gives html", {}, D, None),
    ("browser accept gives html", {}, D, BROWSER),
    ("json accept gives json", {}, D, "application/json"),
    ("wildcard gives html", {}, D, "*/*"),
    ("application wildcard gives json", {}, D, "application/*"),
    ("text wildcard gives html", {}, D, "text/*"),
    ("json preferred by q-value", {}, D, "text/html;q=0.4, application/json;q=0.5"),
    ("html preferred by q-value", {}, D, "application/json;q=0.4, text/html;q=0.9"),
    ("json with wildcard fallback", {}, D, "application/json, */*;q=0.1"),
    ("html refused, wildcard accepted", {}, D, "text/html;q=0, */*"),
    ("json refused gives html", {}, D, "application/json;q=0"),
    ("tie goes to the specific range", {}, D, "text/*;q=0.9, application/json;q=0.9"),
    ("tie of exact ranges goes to the first", {}, D, "application/json, text/html"),
    ("unknown types only give html", {}, D, "image/png"),
    ("unparsable accept gives html", {}, D, "garbage"),
    ("upper-case media type", {}, D, "APPLICATION/JSON"),
    ("q-value with white space", {}, D, "application/json ; q=0.8, text/plain"),
    ("a range with other parameters matches nothing", {}, D, "application/json; charset=utf-8"),
    ("custom status", {"block_status": "429"}, D, "application/json"),
    ("custom json body", {"block_json": '{"blocked":true}'}, D, "application/json"),
    (
        "custom fixed body ignores accept",
        {"block_body": "go away", "block_content_type": "text/plain"},
        D,
        "application/json",
    ),
    ("custom html template escapes the reason", {"block_html": TEMPLATE}, EVIL, "text/html"),
    ("default page escapes a hostile reference", {}, EVIL, None),
    ("json body escapes a hostile reference", {}, EVIL, "application/json"),
    ("decision redirect", {}, dict(D, redirect_url="https://example.com/blocked"), "text/html"),
    (
        "decision redirect wins over the configured one",
        {"block_redirect": "/sorry"},
        dict(D, redirect_url="https://example.com/blocked"),
        None,
    ),
    ("configured redirect", {"block_redirect": "/sorry"}, D, "application/json"),
    (
        "unsafe decision redirect falls back to the configured one",
        {"block_redirect": "/sorry"},
        dict(D, redirect_url="//evil.example/x"),
        None,
    ),
    (
        "unsafe decision redirect without a configured one blocks",
        {},
        dict(D, redirect_url="/\\evil.example"),
        None,
    ),
    (
        "redirect with header injection is refused",
        {},
        dict(D, redirect_url="/x\r\nSet-Cookie: a=b"),
        None,
    ),
]


def build() -> tuple[dict, dict]:
    ip_cases = []
    for name, peer, headers, settings in CLIENT_IP_CASES:
        case = {
            "name": name,
            "settings": settings,
            "peer": peer,
            "headers": [list(h) for h in headers],
        }
        case["want"] = client_ip(case)
        ip_cases.append(case)
    block_cases = []
    for name, settings, decision, accept in BLOCK_CASES:
        case = {"name": name, "settings": settings, "decision": decision, "accept": accept}
        case["want"] = block_response(case)
        block_cases.append(case)
    names = [c["name"] for c in ip_cases + block_cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return (
        {
            "comment": "Generated by reference_edge.py; do not edit by hand. 'want' is the "
            "client IP (null: none). Absent settings take the defaults.",
            "cases": ip_cases,
        },
        {
            "comment": "Generated by reference_edge.py; do not edit by hand. 'want' is the whole "
            "response: status, headers in order, body.",
            "cases": block_cases,
        },
    )


if __name__ == "__main__":
    sys.exit(
        vector_files.main(
            "reference_edge.py", __doc__, ("client_ip.json", "block_response.json"), build()
        )
    )
