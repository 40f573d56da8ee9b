#!/usr/bin/env python3
"""Independent reference for Vigil's device cookie and request verdicts (docs/verdicts.md).

Written from the documented rules alone, separately from the Rust core
(core/src/edge/device.rs, core/src/decisions.rs, core/src/client.rs), with Python's ``hmac``
and ``ipaddress`` modules. It computes the expected answer of every case below and writes
``device_cookie.json`` and ``assess.json`` next to it: shared vectors that every binding runs.

    python3 tests/vectors/reference_verdicts.py          # regenerate both files
    python3 tests/vectors/reference_verdicts.py --check  # fail if either is stale

Device cookie (``device_cookie``, default ``vigil_device``; empty disables it):

- The key is ``device_secret`` (its UTF-8 bytes, trimmed) when set, else HMAC-SHA256 keyed by the
  label ``vigil device cookie v1`` over the app token, else a random key of the process.
- The value is ``v1.<id>.<tag>``: ``id`` is 32 lower-case hex digits, ``tag`` the first 16
  bytes of HMAC-SHA256(key, "v1." + id) in base64url without padding (22 characters, the
  unused bits zero).
- The ``Cookie`` header is split on ``;``; each part is ``name=value`` split at the first
  ``=``, both trimmed; parts without ``=`` or with an empty name are skipped. Names compare
  exactly. Exactly one cookie of that name, whose value is valid, gives its id and no
  ``Set-Cookie``. Anything else (no such cookie, two of them, any other shape, version, key,
  tag or spelling) gives a fresh random id and ``Set-Cookie: <name>=<value>; Path=/;
  Max-Age=<device_cookie_max_age>; HttpOnly; SameSite=Lax`` (``; Secure`` when
  ``device_cookie_secure``). Disabled: neither.

Verdicts (``assess``), from a decision feed:

- A decision the SDK cannot parse is skipped: unknown scope or action, ``redirect``
  without ``url``, a value that is not a user key, address or network, an unparsable
  ``expires_at``, or an ``except_devices`` entry that is not 32 lower-case hex digits.
- Blocks and redirects deny; challenges challenge. Each kind is looked up on its own.
- A user decision whose ``except_devices`` holds the request's device does not apply;
  ``except_devices`` of an IP or network decision is ignored. Among a user's decisions of
  one kind: the longest-lasting first (no expiry lasts longest), then the one exempting no
  device, then the smallest id; the first active one that does not exempt the device
  answers. An address: its own decision, else the narrowest network holding it (an
  IPv4-mapped IPv6 address is its IPv4 address); several on one target: the same order.
- Deny when a block covers the user or the IP, else challenge when a challenge covers
  either, else allow. The decisions behind the verdict are the user's, then the IP's.

Standard library only; Python 3.9 or later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import sys
from datetime import datetime, timezone
from typing import Optional

import vector_files

TOKEN_LABEL = b"vigil device cookie v1"
DEFAULT_NAME = "vigil_device"
DEFAULT_MAX_AGE = 2 * 365 * 86400
HEX32 = re.compile(r"[0-9a-f]{32}")

# --------------------------------------------------------------------------- device cookie


def key_of(secret: Optional[str], token: Optional[str]) -> bytes:
    if secret and secret.strip():
        return secret.strip().encode()
    assert token, "a case names a secret or a token: the process key is random"
    return hmac.new(TOKEN_LABEL, token.encode(), hashlib.sha256).digest()


def tag(key: bytes, device: str) -> str:
    mac = hmac.new(key, b"v1." + device.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def cookie_value(key: bytes, device: str) -> str:
    return f"v1.{device}.{tag(key, device)}"


def verify(key: bytes, value: str) -> Optional[str]:
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != "v1" or not HEX32.fullmatch(parts[1]):
        return None
    # Re-encoding the expected tag and comparing the text rejects padding, other alphabets
    # and non-zero unused bits in one go.
    if not hmac.compare_digest(parts[2], tag(key, parts[1])):
        return None
    return parts[1]


def read_device(case: dict) -> dict:
    settings = case["settings"]
    name = settings.get("device_cookie", DEFAULT_NAME).strip()
    if not name:
        return {"device": None, "set_cookie": None}
    key = key_of(settings.get("device_secret"), case.get("token"))
    found = []
    for part in (case["cookie"] or "").split(";"):
        if "=" not in part:
            continue
        k, v = part.split("=", 1)
        if k.strip() and k.strip() == name:
            found.append(v.strip())
    device = verify(key, found[0]) if len(found) == 1 else None
    if device is not None:
        return {"device": device, "set_cookie": None}
    max_age = settings.get("device_cookie_max_age", str(DEFAULT_MAX_AGE))
    secure = settings.get("device_cookie_secure", "false") == "true"
    suffix = f"; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return {"device": "new", "set_cookie": {"name": name, "suffix": suffix}}


SECRET = "correct horse battery staple 42"
OTHER = "another secret, also long enough"
TOKEN = "vt_3f1c0e7d9b2a4c6e8f0a1b2c3d4e5f60"
ID = "00112233445566778899aabbccddeeff"
KEY = key_of(SECRET, None)
GOOD = cookie_value(KEY, ID)
ID_PART, TAG_PART = GOOD[3:].split(".")


def flip(text: str, i: int) -> str:
    c = text[i]
    return text[:i] + ("1" if c != "1" else "2") + text[i + 1 :]


def with_dash_or_underscore() -> tuple[str, str]:
    """An id whose tag holds '-' or '_', to spell it in the standard alphabet."""
    for n in range(10_000):
        device = f"{n:032x}"
        t = tag(KEY, device)
        if "-" in t or "_" in t:
            return device, t
    raise AssertionError("no tag with - or _")


def non_canonical() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(TAG_PART[-1])
    return f"v1.{ID_PART}.{TAG_PART[:-1]}{alphabet[last ^ 1]}"


DASH_ID, DASH_TAG = with_dash_or_underscore()
S = {"device_secret": SECRET}
DEVICE_CASES = [
    ("valid", S, None, f"vigil_device={GOOD}"),
    ("valid among other cookies", S, None, f"session=abc; vigil_device={GOOD}; theme=dark"),
    ("valid with white space", S, None, f"a=1 ;  vigil_device = {GOOD} ; b=2"),
    ("valid, all-zero id", S, None, f"vigil_device={cookie_value(KEY, '0' * 32)}"),
    (
        "valid, key from the token",
        {},
        TOKEN,
        f"vigil_device={cookie_value(key_of(None, TOKEN), ID)}",
    ),
    (
        "the secret wins over the token",
        S,
        TOKEN,
        f"vigil_device={cookie_value(key_of(None, TOKEN), ID)}",
    ),
    ("a secret's cookie under the token's key", {}, TOKEN, f"vigil_device={GOOD}"),
    ("signed with another key", S, None, f"vigil_device={cookie_value(key_of(OTHER, None), ID)}"),
    ("flipped id digit", S, None, f"vigil_device=v1.{flip(ID_PART, 7)}.{TAG_PART}"),
    ("flipped tag character", S, None, f"vigil_device=v1.{ID_PART}.{flip(TAG_PART, 4)}"),
    ("truncated tag", S, None, f"vigil_device=v1.{ID_PART}.{TAG_PART[:21]}"),
    ("short tag", S, None, f"vigil_device=v1.{ID_PART}.{TAG_PART[:11]}"),
    ("tag too long", S, None, f"vigil_device=v1.{ID_PART}.{TAG_PART}AA"),
    ("padded tag", S, None, f"vigil_device=v1.{ID_PART}.{TAG_PART}=="),
    ("tag with unused bits set", S, None, f"vigil_device={non_canonical()}"),
    (
        "tag in the standard alphabet",
        S,
        None,
        f"vigil_device=v1.{DASH_ID}.{DASH_TAG.replace('-', '+').replace('_', '/')}",
    ),
    ("valid tag holding - or _", S, None, f"vigil_device=v1.{DASH_ID}.{DASH_TAG}"),
    ("no tag", S, None, f"vigil_device=v1.{ID_PART}"),
    ("empty tag", S, None, f"vigil_device=v1.{ID_PART}."),
    ("extra part", S, None, f"vigil_device={GOOD}.x"),
    ("other version", S, None, f"vigil_device=v2.{ID_PART}.{TAG_PART}"),
    ("no version", S, None, f"vigil_device={ID_PART}.{TAG_PART}"),
    ("upper-case id", S, None, f"vigil_device=v1.{ID_PART.upper()}.{TAG_PART}"),
    ("short id", S, None, f"vigil_device=v1.{ID_PART[:31]}.{TAG_PART}"),
    ("quoted value", S, None, f'vigil_device="{GOOD}"'),
    ("name in another case", S, None, f"Vigil_Device={GOOD}"),
    ("duplicate names, both valid", S, None, f"vigil_device={GOOD}; vigil_device={GOOD}"),
    ("duplicate names, one junk", S, None, f"vigil_device=junk; vigil_device={GOOD}"),
    ("empty value", S, None, "vigil_device="),
    ("junk header", S, None, "junk; ;=; ===; vigil_device"),
    ("empty header", S, None, ""),
    ("no header", S, None, None),
    ("custom name", dict(S, device_cookie="dev_id"), None, f"dev_id={GOOD}"),
    (
        "custom name ignores the default one",
        dict(S, device_cookie="dev_id"),
        None,
        f"vigil_device={GOOD}",
    ),
    ("disabled", dict(S, device_cookie=""), None, f"vigil_device={GOOD}"),
    ("disabled, no header", dict(S, device_cookie=""), None, None),
    (
        "secure, one hour",
        dict(S, device_cookie_secure="true", device_cookie_max_age="3600"),
        None,
        None,
    ),
    (
        "a valid cookie is not set again",
        dict(S, device_cookie_secure="true"),
        None,
        f"vigil_device={GOOD}",
    ),
]

# --------------------------------------------------------------------------- verdicts


def parse_ts(text: str) -> Optional[float]:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def canonical(ip):
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_decision(w: dict) -> Optional[dict]:
    scope, value = w["scope"], w["value"]
    if scope == "user":
        if not re.fullmatch(r"u_[0-9a-fA-F]{32}", value):
            return None
        target = ("user", value.lower())
    elif scope == "ip":
        try:
            target = ("ip", canonical(ipaddress.ip_address(value)))
        except ValueError:
            return None
    elif scope == "cidr":
        try:
            target = ("cidr", ipaddress.ip_network(value, strict=False))
        except ValueError:
            return None
    else:
        return None
    action = w["action"]
    if action == "redirect" and not w.get("url"):
        return None
    if action not in ("block", "redirect", "challenge"):
        return None
    expires = w.get("expires_at")
    lasts = float("inf")
    if expires is not None:
        lasts = parse_ts(expires)
        if lasts is None:
            return None
    devices = w.get("except_devices", [])
    if not all(HEX32.fullmatch(d) for d in devices):
        return None
    kind = "challenge" if action == "challenge" else "block"
    return {
        "id": w["id"],
        "target": target,
        "kind": kind,
        "lasts": lasts,
        "reason": w["reason"],
        "except": devices,
    }


def order(d: dict):
    return (-d["lasts"], bool(d["except"]), d["id"].encode())


def covering(decisions, kind, user, ip, device, now):
    """The user's decision of this kind, then the IP's, as the rules above say."""
    found = []
    mine = sorted(
        (d for d in decisions if d["kind"] == kind and d["target"] == ("user", user)), key=order
    )
    for d in mine:
        if d["lasts"] > now and not (device and device in d["except"]):
            found.append(d)
            break
    if ip is not None:
        ip = canonical(ipaddress.ip_address(ip))
        exact = [d for d in decisions if d["kind"] == kind and d["target"] == ("ip", ip)]
        nets = [
            d
            for d in decisions
            if d["kind"] == kind
            and d["target"][0] == "cidr"
            and d["target"][1].version == ip.version
            and ip in d["target"][1]
        ]
        # Exact address, then networks narrowest first; on one target the order above.
        groups = [exact] + [
            [d for d in nets if d["target"][1].prefixlen == n]
            for n in sorted({d["target"][1].prefixlen for d in nets}, reverse=True)
        ]
        for group in groups:
            # One target per group (an address is in one network of each length).
            active = [d for d in sorted(group, key=order) if d["lasts"] > now]
            if active:
                found.append(active[0])
                break
    return found


def assess(decisions, case: dict, now: float) -> dict:
    for kind, verdict in (("block", "deny"), ("challenge", "challenge")):
        found = covering(decisions, kind, case["user"], case["ip"], case["device"], now)
        if found:
            return {
                "verdict": verdict,
                "ids": [d["id"] for d in found],
                "reasons": [d["reason"] for d in found],
            }
    return {"verdict": "allow", "ids": [], "reasons": []}


def user(n: int) -> str:
    return "u_" + f"{n:02x}" * 16


ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GINA, HENRY, NOBODY = (user(n) for n in range(0xA1, 0xAA))
LAPTOP, PHONE, OTHER_DEVICE = "a" * 32, "b" * 32, "c" * 32
PAST, SOON, LATER = "2001-01-01T00:00:00Z", "2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z"


def d(id, scope, value, action="block", expires=None, reason=None, **extra):
    w = {
        "id": id,
        "scope": scope,
        "value": value,
        "action": action,
        "expires_at": expires,
        "reason": reason or id,
    }
    w.update(extra)
    return w


FEED = [
    d("d_alice", "user", ALICE, reason="manual"),
    d(
        "d_bob_lock",
        "user",
        BOB,
        expires=LATER,
        reason="playbook:lock-attacked-accounts",
        except_devices=[LAPTOP, PHONE],
    ),
    d("c_bob", "user", BOB, "challenge", SOON, "playbook:challenge-new-places"),
    d("d_carol_lock", "user", CAROL, expires=LATER, reason="lockout", except_devices=[LAPTOP]),
    d("d_carol_ato", "user", CAROL, expires=SOON, reason="takeover"),
    d("c_dave", "user", DAVE, "challenge", LATER, "new_country"),
    d("d_dave_old", "user", DAVE, expires=PAST, reason="old block"),
    d("d_erin_b", "user", ERIN, expires=SOON, reason="second"),
    d("d_erin_a", "user", ERIN, expires=SOON, reason="first"),
    d("d_frank", "user", FRANK, "redirect", reason="redirected", url="https://example.com/blocked"),
    d("c_gina", "user", GINA, "challenge", reason="gina check", except_devices=[LAPTOP]),
    d("d_henry", "user", HENRY, reason="unparsable", except_devices=["ABC"]),
    d("d_stuffing", "ip", "203.0.113.5", expires=LATER, reason="stuffing"),
    d("c_hosting", "cidr", "198.51.100.0/24", "challenge", reason="hosting"),
    d("d_upper_half", "cidr", "198.51.100.128/25", reason="upper half"),
    d("d_wide", "cidr", "10.0.0.0/8", reason="wide"),
    d("d_narrow", "cidr", "10.1.0.0/16", reason="narrow"),
    d("c_v6_net", "cidr", "2001:db8::/32", "challenge", reason="v6 net"),
    d("d_v6_host", "cidr", "2001:db8::1/128", reason="v6 host"),
    d("d_ip_exempting", "ip", "192.0.2.50", reason="ip ignores devices", except_devices=[LAPTOP]),
    d("d_ip_old", "ip", "192.0.2.60", expires=PAST, reason="expired"),
    d("c_ip", "ip", "192.0.2.70", "challenge", LATER, "ip check"),
    d("d_ip_long", "ip", "192.0.2.80", expires=LATER, reason="long"),
    d("d_ip_short", "ip", "192.0.2.80", expires=SOON, reason="short"),
    d("bad_action", "user", NOBODY, "captcha"),
    d("bad_redirect", "user", NOBODY, "redirect"),
    d("bad_scope", "planet", "x"),
    d("bad_user", "user", "alice"),
    d("bad_ip", "ip", "999.1.1.1"),
    d("bad_expiry", "user", NOBODY, expires="tomorrow"),
]

ASSESS_CASES = [
    ("blocked user", ALICE, None, None),
    ("blocked user from a blocked ip", ALICE, "203.0.113.5", None),
    ("unknown user from a blocked ip", NOBODY, "203.0.113.5", None),
    ("nobody from a blocked ip", None, "203.0.113.5", None),
    ("nobody, nowhere", None, None, None),
    ("unknown user, clean ip", NOBODY, "192.0.2.1", OTHER_DEVICE),
    ("lockout: known device passes, the challenge stays", BOB, "192.0.2.1", LAPTOP),
    ("lockout: other device", BOB, "192.0.2.1", OTHER_DEVICE),
    ("lockout: no device", BOB, "192.0.2.1", None),
    ("lockout: known device from a blocked ip", BOB, "203.0.113.5", PHONE),
    ("a shorter block without exemption applies on a known device", CAROL, None, LAPTOP),
    ("the longest block answers elsewhere", CAROL, None, PHONE),
    ("an expired block leaves the challenge", DAVE, None, None),
    ("user and ip challenges both count", DAVE, "198.51.100.7", None),
    ("ties go to the smaller id", ERIN, None, None),
    ("a redirect denies", FRANK, None, None),
    ("a challenge exempting the device", GINA, None, LAPTOP),
    ("a challenge on another device", GINA, None, PHONE),
    ("an unparsable decision is skipped", HENRY, None, None),
    ("challenged network", NOBODY, "198.51.100.7", None),
    ("the narrowest network answers", NOBODY, "198.51.100.200", None),
    ("a block beats the user's challenge", DAVE, "198.51.100.200", None),
    ("blocked user, challenged ip", ALICE, "192.0.2.70", None),
    ("narrow network", None, "10.1.2.3", None),
    ("wide network", None, "10.9.9.9", None),
    ("ipv6 host network", None, "2001:db8::1", None),
    ("ipv6 network", None, "2001:db8::2", None),
    ("ipv6 elsewhere", None, "2001:db9::1", None),
    ("ipv4-mapped address", None, "::ffff:203.0.113.5", None),
    ("ip decisions ignore devices", None, "192.0.2.50", LAPTOP),
    ("an expired ip block", None, "192.0.2.60", None),
    ("challenged ip", NOBODY, "192.0.2.70", None),
    ("the longer of two ip blocks", None, "192.0.2.80", None),
]


def build() -> tuple[dict, dict]:
    device_cases = []
    for name, settings, token, cookie in DEVICE_CASES:
        case = {"name": name, "settings": settings, "token": token, "cookie": cookie}
        case["want"] = read_device(case)
        device_cases.append(case)
    parsed = [p for p in (parse_decision(w) for w in FEED) if p is not None]
    now = datetime.now(timezone.utc).timestamp()
    assess_cases = []
    for name, who, ip, device in ASSESS_CASES:
        case = {"name": name, "user": who, "ip": ip, "device": device}
        case["want"] = assess(parsed, case, now)
        assess_cases.append(case)
    for cases in (device_cases, assess_cases):
        names = [c["name"] for c in cases]
        assert len(names) == len(set(names)), "case names must be unique"
    return (
        {
            "comment": (
                "Generated by reference_verdicts.py; do not edit by hand. 'token' is the app "
                "token (null: none); 'cookie' the Cookie header (null: absent). 'want.device' "
                "is the id, 'new' for a fresh random one, or null (disabled); with 'new', "
                "'want.set_cookie' gives the cookie name and what follows its value: the "
                "binding checks that Set-Cookie is '<name>=<value><suffix>' and that the value "
                "read back gives the new id."
            ),
            "cases": device_cases,
        },
        {
            "comment": (
                "Generated by reference_verdicts.py; do not edit by hand. Apply 'feed' (one "
                "decision-feed answer; 'skipped' of its upserts are unparsable), then assess "
                "each case with no login recorded (so a null user has no stand-in). 'want' is "
                "the verdict and the ids and reasons of the decisions behind it, the user's first."
            ),
            "feed": {"cursor": 1, "reset": True, "upserts": FEED, "deletes": []},
            "skipped": len(FEED) - len(parsed),
            "cases": assess_cases,
        },
    )


if __name__ == "__main__":
    sys.exit(
        vector_files.main(
            "reference_verdicts.py", __doc__, ("device_cookie.json", "assess.json"), build()
        )
    )
