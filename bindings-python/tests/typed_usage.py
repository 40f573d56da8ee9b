"""Checked by `mypy --strict` (test_lint.py): the public API as typed code uses it."""

from __future__ import annotations

import datetime
from typing import Optional

import vigil
from vigil.asgi import VigilMiddleware as AsgiMiddleware
from vigil.wsgi import VigilMiddleware as WsgiMiddleware


def login(name: str, ok: bool, known: bool) -> bool:
    vigil.signup_track(username=name)
    if ok:
        return vigil.auth_track(True, username=name)
    return vigil.auth_track(False, vigil.AccountExists(known), username=name)


def page(name: str) -> Optional[str]:
    try:
        vigil.identify({"username": name}, {"nickname": name})
    except vigil.UserBlocked as e:
        expires: Optional[datetime.datetime] = e.expires_at
        return f"{e.decision.id} {e.scope} {e.reason} {expires}"
    return None


def verdict(name: str, passed: bool) -> str:
    a: vigil.Assessment = vigil.assess(username=name)
    reasons: tuple[str, ...] = a.reasons
    decision: Optional[vigil.Decision] = a.decision
    if a.challenged:
        vigil.challenge_track("requested", username=name)
        vigil.challenge_track("succeeded" if passed else "failed", username=name)
    if a.denied and decision is not None:
        raise vigil.UserBlocked(decision)
    req = vigil.current_request()
    device: Optional[str] = None if req is None else req.device
    return f"{a.verdict} {a.decision_id} {reasons} {a.allowed} {len(a.decisions)} {device}"


def custom() -> bool:
    ok = vigil.track("order.paid", {"properties": {"amount": 1.5}})
    return ok and vigil.track("x", properties={"n": 1, "b": True}, timestamp=1.0)


def identity() -> str:
    ident: vigil.Identity = vigil.normalize({"email": "a@example.com"})
    code: Optional[str] = None
    try:
        vigil.normalize({"email": " "})
    except vigil.IdentifierError as e:
        code = e.code
    return ident.key + ident.primary + str(ident.ids) + str(code)


def lifecycle() -> int:
    vigil.start(url=None, token=None, flush_interval_ms=100)
    vigil.alias({"email": "a@example.com"}, {"email": "b@example.com"})
    sent: int = vigil.stats()["sent"]
    vigil.flush(timeout=1.0)
    vigil.shutdown(timeout=1.0)
    req: Optional[vigil.Request] = vigil.current_request()
    return sent + (0 if req is None else 1)


__all__ = ["AsgiMiddleware", "WsgiMiddleware"]
