"""Vigil: account-takeover protection. The Python SDK, compatible with Sqreen's.

    import vigil

    vigil.signup_track(username=user.name)
    vigil.auth_track(True, username=user.name)
    vigil.auth_track(False, vigil.AccountExists(False), username=name)  # unknown account
    vigil.identify({"username": user.name})   # raises vigil.UserBlocked when banned
    vigil.track("order.paid", properties={"amount": 12.5})

    a = vigil.assess(username=user.name)      # allow, challenge (ask for MFA) or deny
    if a.challenged:
        ok = check_second_factor(user)
        vigil.challenge_track("succeeded" if ok else "failed", username=user.name)

``vigil.start(url=..., token=...)`` is optional: the first call starts Vigil from the
environment (``VIGIL_URL``, ``VIGIL_TOKEN``...) and ``vigil.toml``, in local mode when no URL
is set. ``import vigil as sqreen`` runs code written for Sqreen's SDK unchanged.
"""

from __future__ import annotations

import atexit
import datetime
import json
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Optional, Union

from . import _native
from ._context import current_request
from ._errors import ConfigError, EventError, IdentifierError, UserBlocked, VigilError
from ._native import (
    AccountExists,
    Assessment,
    Decision,
    Request,
    assess,
    auth_track,
    challenge_track,
    identify,
    signup_track,
)

__version__ = _native.VERSION

__all__ = [
    "AccountExists",
    "Assessment",
    "ConfigError",
    "Decision",
    "EventError",
    "IdentifierError",
    "Identity",
    "Request",
    "UserBlocked",
    "VigilError",
    "__version__",
    "alias",
    "assess",
    "auth_track",
    "challenge_track",
    "current_request",
    "flush",
    "identify",
    "normalize",
    "shutdown",
    "signup_track",
    "start",
    "stats",
    "track",
]

logger = logging.getLogger("vigil")

Ids = Union[Mapping[str, str], Iterable[tuple[str, str]]]
Timestamp = Union[datetime.datetime, int, float]


class Identity(NamedTuple):
    """Identifiers as the core sees them: normalized (and pseudonymized when configured)."""

    ids: dict[str, str]
    #: The identifier that names the user (e.g. ``"email"``).
    primary: str
    #: The stable user key, ``u_`` and 32 hex digits: the same in every Vigil SDK.
    key: str


def _option_text(name: str, value: Any) -> str:
    if name == "trusted_proxies" and isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) or "none"
    if name == "block_json" and not isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, os.PathLike):
        return os.fspath(value)  # type: ignore[return-value]
    raise TypeError(f"option {name!r} must be a str, int or bool, not {type(value).__name__}")


def start(url: Optional[str] = None, token: Optional[str] = None, **options: Any) -> None:
    """Starts Vigil (or restarts it with new options).

    Options override ``VIGIL_*`` environment variables, which override ``vigil.toml``
    (or the file named by ``config_file`` / ``VIGIL_CONFIG``). Without a URL, Vigil runs in
    local mode. Every option is the core's (docs/configuration.md), the middlewares' too:
    ``trusted_proxies`` (a list or comma-separated), ``client_ip_header``, ``block_status``,
    ``block_redirect``, ``block_html``, ``block_json`` (a JSON-able value), ``block_body`` with
    ``block_content_type``, ``device_cookie`` (``""`` disables the device cookie),
    ``device_cookie_secure``, ``device_cookie_max_age``, ``device_secret``. Called after Vigil
    started lazily, it applies the new options; bad options raise ``ConfigError`` and leave the
    running client as it was.
    """
    core: list[tuple[str, str]] = []
    for name, value in (("url", url), ("token", token), *options.items()):
        if value is not None:
            core.append((name, _option_text(name, value)))
    _native.set_log_level(logger.getEffectiveLevel())
    _native.start(core)


def track(
    event: str,
    options: Optional[Mapping[str, Any]] = None,
    *,
    properties: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
    user_identifiers: Optional[Ids] = None,
    timestamp: Optional[Timestamp] = None,
) -> bool:
    """Records a custom event; returns whether it was queued.

    ``options`` takes Sqreen's keys ``properties`` (at most 16; str, int, float or bool values),
    ``user_identifiers`` and ``timestamp`` (a datetime, naive meaning UTC, or Unix seconds);
    the keyword arguments of the same names take precedence. Inside a request that
    ``identify`` associated with a user, the event is that user's unless ``user_identifiers``
    says otherwise. Names starting with ``vigil.`` are reserved.
    """
    if options:
        unknown = set(options) - {"properties", "user_identifiers", "timestamp"}
        if unknown:
            raise TypeError(f"unknown track option(s): {', '.join(sorted(unknown))}")
        properties = options.get("properties") if properties is None else properties
        if user_identifiers is None:
            user_identifiers = options.get("user_identifiers")
        timestamp = options.get("timestamp") if timestamp is None else timestamp
    ts_ms = None if timestamp is None else _timestamp_ms(timestamp)
    return _native.track(event, properties, user_identifiers, ts_ms)


def _timestamp_ms(ts: Timestamp) -> int:
    if isinstance(ts, datetime.datetime):
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=datetime.timezone.utc)
        return round(ts.timestamp() * 1000)
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        if ts != ts or ts in (float("inf"), float("-inf")):
            raise EventError("invalid timestamp: not a finite number", "invalid_timestamp")
        return round(ts * 1000)
    raise TypeError(f"timestamp must be a datetime or Unix seconds, not {type(ts).__name__}")


def normalize(ids: Ids) -> Identity:
    """Validates and normalizes identifiers with the running configuration (PII included).

    Raises ``TypeError`` for a non-str key or value and ``IdentifierError`` (a ``ValueError``,
    with ``.code``) for identifiers that break the rules.
    """
    mapping, primary, key = _native.normalize(ids)
    return Identity(mapping, primary, key)


def alias(old_ids: Mapping[str, str], new_ids: Mapping[str, str]) -> bool:
    """Carries the risk and history of ``old_ids`` over to ``new_ids`` (e.g. e-mail change)."""
    return _native.alias(old_ids, new_ids)


def flush(timeout: float = 2.0) -> bool:
    """Waits until events recorded so far are delivered; False when ``timeout`` ran out."""
    return _native.flush(timeout)


def shutdown(timeout: float = 2.0) -> bool:
    """Flushes within ``timeout`` and stops; a later call starts Vigil again lazily."""
    return _native.shutdown(timeout)


def stats() -> dict[str, Any]:
    """Counters: queued, enqueued, dropped, sent, ..., ``last_error`` and ``local``."""
    return _native.stats()


def _at_exit() -> None:
    try:
        _native.shutdown(float(os.environ.get("VIGIL_EXIT_TIMEOUT", "2")))
    except Exception:  # pragma: no cover - never fail interpreter exit
        logger.exception("Vigil could not flush at exit")


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_native.before_fork,
        after_in_parent=_native.after_fork_parent,
        after_in_child=_native.after_fork_child,
    )
