#!/usr/bin/env python3
"""Independent reference implementation of the Vigil identity rules (docs/identity.md).

Written from the rules alone, separately from the Rust code (protocol/src/identity.rs), and
used to cross-check it: this script writes ``identity.json`` next to it, the shared test
vectors read by the Rust, Python, Node and Go test suites.

    python3 tests/vectors/reference_identity.py          # regenerate identity.json
    python3 tests/vectors/reference_identity.py --check  # fail if it is stale

The rules, in the order they are checked:

1. the list of (key, value) pairs is not empty (``empty``) and has at most 16 pairs
   (``too_many_pairs``);
2. then, pair by pair in input order: no control character (Unicode category Cc) in
   the raw key or value (``control_character``); the key, trimmed of Unicode white
   space and lower-cased, is not empty (``empty_key``) and at most 64 UTF-8 bytes
   (``key_too_long``); the value, trimmed and NFC-normalized (then lower-cased for the
   keys ``email``, ``mail`` and ``e-mail``), is not empty (``empty_value``) and at
   most 1024 UTF-8 bytes (``value_too_long``);
3. then no two keys are equal after normalization (``duplicate_key``).

The primary key is the first of ``email``, ``mail``, ``e-mail``, ``username``,
``login`` that is present, otherwise the first key in UTF-8 byte order. The user key is
``u_`` and the hex of the first 16 bytes of SHA-256 over the pairs sorted by key bytes,
each written as (4-byte big-endian length, key bytes, 4-byte big-endian length, value
bytes). With a pseudonymization secret, every value ``v`` is replaced after
normalization by ``h(v)``, the first 10 bytes of HMAC-SHA256(secret, v) in lower-case
unpadded base32, or by ``anon-h(v)@domain`` for e-mail keys whose value contains ``@``
(domain = after the last ``@``) unless ``keep_email_domain`` is false; the user key is
computed over the pseudonyms.

Standard library only; Python 3.9 or later.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import struct
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

MAX_PAIRS = 16
MAX_KEY_BYTES = 64
MAX_VALUE_BYTES = 1024
EMAIL_KEYS = ("email", "mail", "e-mail")
PRIMARY_KEYS = ("email", "mail", "e-mail", "username", "login")

ERROR_KINDS = (
    "empty",
    "too_many_pairs",
    "control_character",
    "empty_key",
    "key_too_long",
    "empty_value",
    "value_too_long",
    "duplicate_key",
)

VECTORS_PATH = Path(__file__).resolve().with_name("identity.json")


class IdentityError(ValueError):
    """An invalid identity; ``kind`` is the stable error code shared with the core."""

    def __init__(self, kind: str) -> None:
        assert kind in ERROR_KINDS, kind
        super().__init__(kind)
        self.kind = kind


# --------------------------------------------------------------------------- rules


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _normalize_key(raw_key: str) -> str:
    # str.strip() removes exactly the White_Space characters, plus U+001C..U+001F, which
    # are control characters and so rejected before.
    return raw_key.strip().lower()


def _normalize_value(key: str, raw_value: str) -> str:
    value = unicodedata.normalize("NFC", raw_value.strip())
    if key in EMAIL_KEYS:
        value = value.lower()
    return value


def pseudonym(secret: str, value: str) -> str:
    """h(v): first 10 bytes of HMAC-SHA256(secret, v), lower-case base32, no padding."""
    digest = hmac.new(
        secret.encode("utf-8"), value.encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:10]).decode("ascii").rstrip("=").lower()


def pseudonymize(key: str, value: str, pii: dict) -> str:
    """The pseudonym of the normalized ``value`` of identifier ``key``."""
    hashed = pseudonym(pii["secret"], value)
    if pii.get("keep_email_domain", True) and key in EMAIL_KEYS and "@" in value:
        domain = value.rpartition("@")[2]
        return f"anon-{hashed}@{domain}"
    return hashed


def user_key(sorted_pairs: list[tuple[str, str]]) -> str:
    """``u_`` + hex of the first 16 bytes of SHA-256 over the length-prefixed pairs."""
    data = bytearray()
    for key, value in sorted_pairs:
        for part in (key.encode("utf-8"), value.encode("utf-8")):
            data += struct.pack(">I", len(part))
            data += part
    return "u_" + hashlib.sha256(bytes(data)).digest()[:16].hex()


def normalize(
    pairs: list[tuple[str, str]], pii: dict | None = None
) -> tuple[dict[str, str], str, str]:
    """Validates and normalizes identifier pairs.

    Returns ``(ids, primary, key)``: the normalized (and, with ``pii``, pseudonymized)
    identifiers as a dict in key byte order, the primary key's name and the user key.
    Raises ``IdentityError(kind)`` on invalid input. ``pii`` is ``None`` or a dict with
    ``secret`` (a string, used as UTF-8) and ``keep_email_domain`` (default true).
    """
    pairs = list(pairs)
    if not pairs:
        raise IdentityError("empty")
    if len(pairs) > MAX_PAIRS:
        raise IdentityError("too_many_pairs")
    normalized = []
    for raw_key, raw_value in pairs:
        if _has_control(raw_key) or _has_control(raw_value):
            raise IdentityError("control_character")
        key = _normalize_key(raw_key)
        if not key:
            raise IdentityError("empty_key")
        if _utf8_len(key) > MAX_KEY_BYTES:
            raise IdentityError("key_too_long")
        value = _normalize_value(key, raw_value)
        if not value:
            raise IdentityError("empty_value")
        if _utf8_len(value) > MAX_VALUE_BYTES:
            raise IdentityError("value_too_long")
        normalized.append((key, value))
    if len({key for key, _ in normalized}) != len(normalized):
        raise IdentityError("duplicate_key")
    normalized.sort(key=lambda pair: pair[0].encode("utf-8"))
    if pii is not None:
        normalized = [(key, pseudonymize(key, value, pii)) for key, value in normalized]
    ids = dict(normalized)
    primary = next((key for key in PRIMARY_KEYS if key in ids), normalized[0][0])
    return ids, primary, user_key(normalized)


def violations(pairs: list[tuple[str, str]]) -> set[str]:
    """Every rule ``pairs`` breaks, each checked on its own (no order, no short cut).

    Used to make sure each invalid vector breaks exactly one rule, so that the vectors
    do not depend on the order in which an implementation checks the rules.
    """
    found = set()
    if not pairs:
        found.add("empty")
    if len(pairs) > MAX_PAIRS:
        found.add("too_many_pairs")
    keys = []
    for raw_key, raw_value in pairs:
        if _has_control(raw_key) or _has_control(raw_value):
            found.add("control_character")
        key = _normalize_key(raw_key)
        value = _normalize_value(key, raw_value)
        if not key:
            found.add("empty_key")
        else:
            keys.append(key)
        if _utf8_len(key) > MAX_KEY_BYTES:
            found.add("key_too_long")
        if not value:
            found.add("empty_value")
        if _utf8_len(value) > MAX_VALUE_BYTES:
            found.add("value_too_long")
    if len(set(keys)) != len(keys):
        found.add("duplicate_key")
    return found


# --------------------------------------------------------------------------- cases


class Case(NamedTuple):
    name: str
    input: list[tuple[str, str]]
    pii: dict | None = None
    # The expected error kind, or None if the input is valid.
    error: str | None = None


SECRET = "vigil-test-secret"
PII = {"secret": SECRET, "keep_email_domain": True}
PII_NO_DOMAIN = {"secret": SECRET, "keep_email_domain": False}
# Every secret here is at least 16 bytes: SDKs refuse shorter pii_secret values at start.
PII_OTHER_SECRET = {"secret": "another-secret-value", "keep_email_domain": True}

# Characters that are hard to see or to tell apart, by name.
NBSP = "\u00a0"  # NO-BREAK SPACE (White_Space)
EM_SPACE = "\u2003"  # EM SPACE (White_Space)
IDEOGRAPHIC_SPACE = "\u3000"  # IDEOGRAPHIC SPACE (White_Space)
LINE_SEPARATOR = "\u2028"  # LINE SEPARATOR (White_Space, category Zl, not Cc)
ZWSP = "\u200b"  # ZERO WIDTH SPACE (category Cf, not White_Space: kept)
BOM = "\ufeff"  # ZERO WIDTH NO-BREAK SPACE (category Cf, not White_Space: kept)
COMBINING_ACUTE = "\u0301"
COMBINING_GRAVE = "\u0300"
COMBINING_CARON = "\u030c"
ANGSTROM_SIGN = "\u212b"  # NFC -> U+00C5; lower-case -> U+00E5
KELVIN_SIGN = "\u212a"  # NFC -> "K"; lower-case -> "k"
CAPITAL_I_DOT = (
    "\u0130"  # LATIN CAPITAL LETTER I WITH DOT ABOVE; lower-case -> "i\u0307"
)
CAPITAL_SHARP_S = "\u1e9e"  # lower-case -> "\u00df"
DEVANAGARI_QA = "\u0958"  # composition exclusion: NFC -> "\u0915\u093c" (3 -> 6 bytes)
HANGUL_HANGEUL_JAMO = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # conjoining jamo
HANGUL_HANGEUL = "\ud55c\uae00"  # the same two syllables, precomposed
NEL = "\u0085"  # NEXT LINE: White_Space but also a C1 control character
DEL = "\u007f"

PRIMARY_VALUES = {
    "email": "ann@example.com",
    "mail": "mia@example.com",
    "e-mail": "eve@example.com",
    "username": "ann",
    "login": "ann.l",
}


def _numbered_pairs(count: int) -> list[tuple[str, str]]:
    return [(f"k{i:02d}", f"v{i}") for i in range(count)]


def _primary_cases() -> list[Case]:
    """Primary key priority: every pair of priority keys (the lower one given first),
    then each priority key with all the lower ones and a key that sorts before them."""
    cases = []
    for i, higher in enumerate(PRIMARY_KEYS):
        for lower in PRIMARY_KEYS[i + 1 :]:
            pairs = [(lower, PRIMARY_VALUES[lower]), (higher, PRIMARY_VALUES[higher])]
            cases.append(Case(f"primary-{higher}-over-{lower}", pairs))
    for i, winner in enumerate(PRIMARY_KEYS):
        rest = list(reversed(PRIMARY_KEYS[i:]))  # lowest priority first in the input
        pairs = [("aaa", "first-alphabetically")]
        pairs += [(key, PRIMARY_VALUES[key]) for key in rest]
        cases.append(Case(f"primary-{winner}-among-lower-and-alphabetical", pairs))
    return cases


CASES: list[Case] = [
    # --- single identifiers
    Case("email-simple", [("email", "alice@example.com")]),
    Case("mail-simple", [("mail", "Carol@Example.org")]),
    Case("e-mail-simple", [("e-mail", "Dave@Example.NET")]),
    Case("username-simple", [("username", "alice")]),
    Case("login-simple", [("login", "bob")]),
    Case("uid-simple", [("uid", "42")]),
    Case("platform-id-keeps-case", [("platform_id", "AbC-123-xYz")]),
    # --- composite identities
    Case(
        "composite-email-platform-id",
        [("email", "alice@example.com"), ("platform_id", "P-123")],
    ),
    Case(
        "composite-three-keys-unsorted-input",
        [("tenant", "Acme"), ("platform_id", "P-123"), ("Email", "Alice@Example.com")],
    ),
    Case(
        "composite-all-email-keys-are-distinct",
        [
            ("email", "a@example.com"),
            ("mail", "B@example.com"),
            ("e-mail", "C@example.com"),
        ],
    ),
    # --- case and space normalization; equal identities give equal keys
    Case("same-user-email-a", [("Email", " Alice@Example.com ")]),
    Case("same-user-email-b", [("email", "alice@example.com")]),
    Case("same-user-key-spaces-a", [("  EMAIL  ", "Bob@Example.com")]),
    Case("same-user-key-spaces-b", [("email", "BOB@EXAMPLE.COM")]),
    Case(
        "same-user-composite-a",
        [("platform_id", " P-123 "), ("E-Mail", "ALICE@example.com")],
    ),
    Case(
        "same-user-composite-b",
        [("e-mail", "alice@example.com"), ("Platform_ID", "P-123")],
    ),
    Case("different-key-username-case-a", [("username", "Alice")]),
    Case("different-key-username-case-b", [("username", "alice")]),
    Case(
        "value-inner-white-space-kept",
        [("display", f"  Alice {IDEOGRAPHIC_SPACE} Smith  ")],
    ),
    # --- Unicode white space (trimmed) and invisible non-space characters (kept)
    Case("trim-nbsp", [(f"{NBSP}username{NBSP}", f"{NBSP}alice{NBSP}")]),
    Case(
        "trim-ideographic-space",
        [(f"{IDEOGRAPHIC_SPACE}login", f"bob{IDEOGRAPHIC_SPACE}")],
    ),
    Case("trim-em-space", [(f"uid{EM_SPACE}", f"{EM_SPACE}{EM_SPACE}42")]),
    Case(
        "trim-mixed-unicode-spaces",
        [("\u205ftoken\u1680", f"{LINE_SEPARATOR}\u2009abc\u202f\u2029\u200a")],
    ),
    Case(
        "same-user-unicode-space-a",
        [
            (
                f"{IDEOGRAPHIC_SPACE}Email{NBSP}",
                f"{EM_SPACE}Alice@Example.com{IDEOGRAPHIC_SPACE}",
            )
        ],
    ),
    Case("same-user-unicode-space-b", [("email", "alice@example.com")]),
    Case("zero-width-space-not-trimmed", [("username", f"{ZWSP}alice{ZWSP}")]),
    Case("bom-in-key-not-trimmed", [(f"{BOM}username", "alice")]),
    # --- NFC (values only; keys are trimmed and lower-cased, not NFC-normalized)
    Case("nfc-combining-acute", [("username", f"Jose{COMBINING_ACUTE}")]),
    Case("same-user-nfc-a", [("name", f"Jose{COMBINING_ACUTE}")]),
    Case("same-user-nfc-b", [("name", "Jos\u00e9")]),
    Case("same-user-hangul-a", [("username", HANGUL_HANGEUL_JAMO)]),
    Case("same-user-hangul-b", [("username", HANGUL_HANGEUL)]),
    Case(
        "nfc-angstrom-and-kelvin-signs",
        [("unit", f"{ANGSTROM_SIGN}ngstr\u00f6m {KELVIN_SIGN}")],
    ),
    Case("nfc-composition-exclusion", [("name", f"{DEVANAGARI_QA}abc")]),
    Case(
        "nfc-then-lowercase-email", [("email", f"A{COMBINING_GRAVE}lice@Example.com")]
    ),
    Case("same-user-email-nfc-a", [("email", f"A{COMBINING_GRAVE}LICE@EXAMPLE.COM")]),
    Case("same-user-email-nfc-b", [("email", "\u00e0lice@example.com")]),
    # NFC first, then lower-case: "J" + caron has no precomposed form, so NFC keeps it,
    # and lower-casing gives "j" + caron, which stays decomposed (NFC: U+01F0).
    Case(
        "nfc-before-lowercase-j-caron",
        [("email", f"J{COMBINING_CARON}osef@example.cz")],
    ),
    Case(
        "keys-not-nfc-normalized", [(f"cafe{COMBINING_ACUTE}", "1"), ("caf\u00e9", "2")]
    ),
    # --- Unicode lower-casing of keys and of e-mail values
    Case("key-accented-email-is-not-email", [("\u00c9MAIL", "Alice@Example.com")]),
    Case(
        "key-cyrillic",
        [
            (
                "\u041a\u043b\u044e\u0447",
                "\u0417\u043d\u0430\u0447\u0435\u043d\u0438\u0435",
            )
        ],
    ),
    Case("key-greek-final-sigma", [("\u039a\u039b\u0395\u0399\u03a3", "x")]),
    # ΟΔΟΣ@ΟΔΟΣ.GR: the first sigma is word-final (then "@"), the second is not ("." is
    # case-ignorable and is followed by "G"): "οδος@οδοσ.gr".
    Case(
        "email-greek-final-sigma",
        [("email", "\u039f\u0394\u039f\u03a3@\u039f\u0394\u039f\u03a3.GR")],
    ),
    Case("email-german-sharp-s-unchanged", [("email", "Stra\u00dfe@Example.DE")]),
    Case("email-capital-sharp-s", [("email", f"GRO{CAPITAL_SHARP_S}@example.de")]),
    Case(
        "email-turkish-dotted-capital-i",
        [("email", f"{CAPITAL_I_DOT}STANBUL@Example.com.tr")],
    ),
    Case("key-turkish-dotted-capital-i", [(f"{CAPITAL_I_DOT}D", "7")]),
    Case("key-kelvin-sign", [(f"{KELVIN_SIGN}EY", "v")]),
    Case("key-angstrom-sign", [(ANGSTROM_SIGN, "v")]),
    # --- primary key
    *_primary_cases(),
    Case("primary-fallback-alphabetical", [("zeta", "1"), ("platform_id", "2")]),
    Case("primary-fallback-after-lowercasing", [("Zeta", "1"), ("alpha", "2")]),
    Case(
        "primary-fallback-byte-order-punctuation-digits",
        [("user_id", "1"), ("_id", "2"), ("0id", "3"), ("-id", "4"), ("Id", "5")],
    ),
    Case("primary-fallback-prefix-first", [("ab", "1"), ("a-b", "2"), ("a", "3")]),
    Case(
        "primary-fallback-non-ascii-after-ascii", [("\u00c9quipe", "1"), ("Zone", "2")]
    ),
    Case(
        "primary-fallback-near-miss-keys",
        [("user_name", "x"), ("logins", "y"), ("Emails", "A@B.example")],
    ),
    # --- limits (checked after normalization)
    Case("sixteen-pairs", _numbered_pairs(16)),
    Case("seventeen-pairs", _numbered_pairs(17), error="too_many_pairs"),
    Case("key-64-bytes", [("k" * 64, "v")]),
    Case("key-65-bytes", [("k" * 65, "v")], error="key_too_long"),
    Case("key-64-bytes-two-byte-chars", [("\u00e9" * 32, "v")]),
    Case(
        "key-65-bytes-two-byte-chars",
        [("k" + "\u00e9" * 32, "v")],
        error="key_too_long",
    ),
    Case("key-64-bytes-four-byte-char", [("k" * 60 + "\U0001f600", "v")]),
    Case(
        "key-65-bytes-four-byte-char",
        [("k" * 61 + "\U0001f600", "v")],
        error="key_too_long",
    ),
    Case("key-64-bytes-after-trim", [("  " + "k" * 64 + IDEOGRAPHIC_SPACE, "v")]),
    # 63 raw bytes, 64 once lower-cased (U+0130 is 2 bytes, "i\u0307" 3).
    Case("key-64-bytes-after-lowercase", [("k" * 61 + CAPITAL_I_DOT, "v")]),
    # 64 raw bytes, 65 once lower-cased.
    Case(
        "key-grows-past-limit-on-lowercase",
        [("k" * 62 + CAPITAL_I_DOT, "v")],
        error="key_too_long",
    ),
    # 66 raw bytes, 22 once lower-cased.
    Case("key-shrinks-under-limit-on-lowercase", [(KELVIN_SIGN * 22, "v")]),
    Case("value-1024-bytes", [("token", "v" * 1024)]),
    Case("value-1025-bytes", [("token", "v" * 1025)], error="value_too_long"),
    Case("value-1024-bytes-two-byte-chars", [("token", "\u00e9" * 512)]),
    Case(
        "value-1025-bytes-two-byte-chars",
        [("token", "v" + "\u00e9" * 512)],
        error="value_too_long",
    ),
    Case(
        "value-long-only-before-trim",
        [("token", " " * 10 + "v" * 1024 + IDEOGRAPHIC_SPACE * 5)],
    ),
    # 1536 raw bytes, 1024 once composed.
    Case("value-shrinks-under-limit-on-nfc", [("token", f"e{COMBINING_ACUTE}" * 512)]),
    # 514 raw bytes, 1024 once normalized (each U+0958 becomes 6 bytes).
    Case("value-1024-bytes-after-nfc", [("token", DEVANAGARI_QA * 170 + "abcd")]),
    # 513 raw bytes, 1026 once normalized.
    Case(
        "value-grows-past-limit-on-nfc",
        [("token", DEVANAGARI_QA * 171)],
        error="value_too_long",
    ),
    # 687 raw bytes, 1025 once lower-cased; the same value is fine for a non-e-mail key.
    Case(
        "email-value-grows-past-limit-on-lowercase",
        [("email", CAPITAL_I_DOT * 338 + "@example.tr")],
        error="value_too_long",
    ),
    Case(
        "username-same-long-value-not-lowercased",
        [("username", CAPITAL_I_DOT * 338 + "@example.tr")],
    ),
    # --- errors
    Case("empty", [], error="empty"),
    Case(
        "control-tab-in-key",
        [("em\tail", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-leading-tab-in-key",
        [("\temail", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-newline-in-key",
        [("email\n", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-nul-in-key",
        [("\x00email", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-del-in-key",
        [(f"email{DEL}", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-nel-in-key",
        [(f"{NEL}email", "alice@example.com")],
        error="control_character",
    ),
    Case(
        "control-tab-in-value",
        [("email", "alice\t@example.com")],
        error="control_character",
    ),
    Case(
        "control-trailing-newline-in-value",
        [("email", "alice@example.com\n")],
        error="control_character",
    ),
    Case(
        "control-carriage-return-in-value", [("uid", "4\r2")], error="control_character"
    ),
    Case(
        "control-nul-in-value", [("username", "ali\x00ce")], error="control_character"
    ),
    Case(
        "control-del-in-value", [("username", f"alice{DEL}")], error="control_character"
    ),
    Case(
        "control-nel-in-value", [("username", f"{NEL}alice")], error="control_character"
    ),
    Case(
        "control-c1-009f-in-value",
        [("username", "al\u009fice")],
        error="control_character",
    ),
    Case(
        "control-in-second-pair",
        [("email", "alice@example.com"), ("platform_id", "P\n123")],
        error="control_character",
    ),
    Case("empty-key", [("", "alice")], error="empty_key"),
    Case("empty-key-spaces", [("   ", "alice")], error="empty_key"),
    Case(
        "empty-key-unicode-spaces",
        [(f"{IDEOGRAPHIC_SPACE}{NBSP}{EM_SPACE}", "alice")],
        error="empty_key",
    ),
    Case(
        "empty-key-in-second-pair",
        [("email", "alice@example.com"), (" ", "x")],
        error="empty_key",
    ),
    Case("empty-value", [("username", "")], error="empty_value"),
    Case("empty-value-spaces", [("email", "   ")], error="empty_value"),
    Case(
        "empty-value-ideographic-space",
        [("username", IDEOGRAPHIC_SPACE)],
        error="empty_value",
    ),
    Case(
        "empty-value-mixed-unicode-spaces",
        [("uid", f"{NBSP} {EM_SPACE}{LINE_SEPARATOR}")],
        error="empty_value",
    ),
    Case(
        "duplicate-key-case",
        [("Email", "alice@example.com"), ("email", "bob@example.com")],
        error="duplicate_key",
    ),
    Case(
        "duplicate-key-trailing-space",
        [("login ", "alice"), ("login", "alice")],
        error="duplicate_key",
    ),
    Case(
        "duplicate-key-unicode-space-and-case",
        [
            ("EMAIL", "a@example.com"),
            ("uid", "1"),
            (f"{IDEOGRAPHIC_SPACE}email", "a@example.com"),
        ],
        error="duplicate_key",
    ),
    Case(
        "duplicate-key-kelvin-sign",
        [(f"{KELVIN_SIGN}ey", "1"), ("key", "2")],
        error="duplicate_key",
    ),
    Case(
        "duplicate-key-identical-pairs",
        [("uid", "1"), ("uid", "1")],
        error="duplicate_key",
    ),
    # --- pseudonymization
    Case("pii-email-keep-domain", [("email", "alice@example.com")], pii=PII),
    Case("same-user-pii-a", [("Email", " Alice@Example.COM ")], pii=PII),
    Case("same-user-pii-b", [("email", "alice@example.com")], pii=PII),
    Case("pii-mail-keep-domain", [("mail", "Carol@Example.org")], pii=PII),
    Case("pii-e-mail-keep-domain", [("e-mail", "dave@example.net")], pii=PII),
    Case("pii-email-two-at-signs", [("email", "a@b@Mailinator.com")], pii=PII),
    Case("pii-email-without-at", [("email", "Alice")], pii=PII),
    Case("pii-email-empty-domain", [("email", "alice@")], pii=PII),
    Case("pii-email-unicode-domain", [("email", "J\u00f6rg@B\u00fccher.DE")], pii=PII),
    Case(
        "pii-email-no-keep-domain", [("email", "alice@example.com")], pii=PII_NO_DOMAIN
    ),
    Case("pii-username", [("username", "Alice")], pii=PII),
    Case("pii-username-with-at-is-plain", [("username", "alice@example.com")], pii=PII),
    Case("pii-nfc-before-hash", [("username", f"Jose{COMBINING_ACUTE}")], pii=PII),
    Case(
        "pii-composite",
        [("platform_id", "P-123"), ("Email", "Alice@Example.com")],
        pii=PII,
    ),
    Case(
        "pii-composite-no-keep-domain",
        [("platform_id", "P-123"), ("mail", "alice@example.com"), ("login", "alice")],
        pii=PII_NO_DOMAIN,
    ),
    Case("pii-fallback-primary", [("zeta", "1"), ("platform_id", "P-123")], pii=PII),
    Case(
        "pii-non-ascii-secret",
        [("email", "alice@example.com")],
        pii={"secret": "cl\u00e9-secr\u00e8te-partag\u00e9e", "keep_email_domain": True},
    ),
    Case(
        "pii-secret-longer-than-hmac-block",
        [("email", "alice@example.com")],
        pii={"secret": "s" * 100, "keep_email_domain": True},
    ),
    Case("pii-value-1024-bytes", [("token", "v" * 1024)], pii=PII),
    Case(
        "pii-value-1025-bytes", [("token", "v" * 1025)], pii=PII, error="value_too_long"
    ),
    Case("pii-empty-value", [("email", " ")], pii=PII, error="empty_value"),
    Case(
        "pii-duplicate-key",
        [("Login", "a"), ("login", "b")],
        pii=PII,
        error="duplicate_key",
    ),
    Case("different-key-pii-secrets-a", [("email", "alice@example.com")], pii=PII),
    Case(
        "different-key-pii-secrets-b",
        [("email", "alice@example.com")],
        pii=PII_OTHER_SECRET,
    ),
    Case("different-key-pii-vs-plain-a", [("username", "alice")], pii=PII),
    Case("different-key-pii-vs-plain-b", [("username", "alice")]),
]

DESCRIPTION = (
    "Shared identity test vectors for Vigil (docs/identity.md), generated by "
    "reference_identity.py; do not edit by hand. Each case gives 'input', a list of "
    "raw [key, value] pairs in call order, an optional 'pii' ({secret, "
    "keep_email_domain}: pseudonymize values with HMAC-SHA256 under the UTF-8 secret; "
    "absent means no pseudonymization), and exactly one of 'error' (the stable error "
    "code: " + ", ".join(ERROR_KINDS) + ") or 'expect': 'ids' (normalized, possibly "
    "pseudonymized identifiers, keys in UTF-8 byte order), 'primary' (the primary "
    "key's name) and 'key' (the user key). Every error case breaks exactly one rule, "
    "so the order of the checks does not matter. Cases named same-user-X-a and "
    "same-user-X-b have equal keys; different-key-X-a and different-key-X-b have "
    "different keys."
)


# --------------------------------------------------------------------------- output


def build_document() -> dict:
    out = []
    for case in CASES:
        entry: dict = {
            "name": case.name,
            "input": [[key, value] for key, value in case.input],
        }
        if case.pii is not None:
            entry["pii"] = {
                "secret": case.pii["secret"],
                "keep_email_domain": case.pii["keep_email_domain"],
            }
        try:
            ids, primary, key = normalize(case.input, case.pii)
        except IdentityError as err:
            if err.kind != case.error:
                raise AssertionError(
                    f"{case.name}: got error {err.kind}, want {case.error}"
                ) from None
            entry["error"] = err.kind
        else:
            if case.error is not None:
                raise AssertionError(
                    f"{case.name}: valid, but error {case.error} was expected"
                )
            entry["expect"] = {"ids": ids, "primary": primary, "key": key}
        out.append(entry)
    _self_check(out)
    return {"description": DESCRIPTION, "cases": out}


def _self_check(entries: list[dict]) -> None:
    names = [entry["name"] for entry in entries]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(entries) >= 60, len(entries)
    for case, entry in zip(CASES, entries):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case.name), case.name
        broken = violations(case.input)
        if case.error is None:
            assert not broken, (case.name, broken)
            ids = entry["expect"]["ids"]
            assert list(ids) == sorted(ids, key=lambda k: k.encode("utf-8")), case.name
            assert re.fullmatch(r"u_[0-9a-f]{32}", entry["expect"]["key"]), case.name
        else:
            assert broken == {case.error}, (case.name, broken)
    assert {entry["error"] for entry in entries if "error" in entry} == set(ERROR_KINDS)

    groups: dict[tuple[str, str], dict[str, str]] = {}
    for entry in entries:
        match = re.fullmatch(r"(same-user|different-key)-(.+)-([ab])", entry["name"])
        if match:
            group = groups.setdefault((match[1], match[2]), {})
            group[match[3]] = entry["expect"]["key"]
    for (kind, topic), keys in groups.items():
        assert set(keys) == {"a", "b"}, (kind, topic)
        assert (keys["a"] == keys["b"]) == (kind == "same-user"), (kind, topic, keys)


def _escape_invisible(text: str) -> str:
    """Writes hard-to-see characters as \\u escapes in the JSON text, for readability.

    Non-ASCII characters only occur inside JSON strings, so this does not change the
    decoded document: combining marks, controls, format and separator characters,
    anything NFC changes (e.g. U+212B ANGSTROM SIGN) and conjoining Hangul jamo are
    escaped.
    """
    out = []
    for ch in text:
        code = ord(ch)
        invisible = code >= 0x7F and (
            unicodedata.category(ch)[0] in "CZM"
            or unicodedata.normalize("NFC", ch) != ch
            or 0x1100 <= code <= 0x11FF
        )
        if not invisible:
            out.append(ch)
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(
                f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
            )
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def render() -> str:
    text = json.dumps(build_document(), ensure_ascii=False, indent=2) + "\n"
    text = _escape_invisible(text)
    assert json.loads(text) == build_document()
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if identity.json is out of date"
    )
    parser.add_argument(
        "--output", type=Path, default=VECTORS_PATH, help="default: %(default)s"
    )
    args = parser.parse_args(argv)
    data = render().encode("utf-8")  # bytes: no newline translation on any platform
    if args.check:
        try:
            current = args.output.read_bytes()
        except FileNotFoundError:
            current = None
        if current != data:
            print(
                f"{args.output} is out of date; run {Path(__file__).name} to update it",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
