"""Automatic mode: login tracking from ``django.contrib.auth``'s signals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

import vigil
from vigil._context import request_var

from . import conf

logger = logging.getLogger("vigil")
DISPATCH_UID = "vigil.django.automatic"


def user_ids(user: Any) -> Optional[dict[str, str]]:
    """The identifiers of a Django user: its USERNAME_FIELD (``username``, ``email``...)."""
    field = getattr(user, "USERNAME_FIELD", "username")
    value = user.get_username() if hasattr(user, "get_username") else getattr(user, field, None)
    if not value:
        return None
    return {str(field).lower(): str(value)}


@contextmanager
def _request_context(request: Any) -> Iterator[None]:
    """The request's context, when the signal fired outside the Vigil middleware."""
    if request is None or request_var.get() is not None:
        yield
        return
    from .middleware import request_of

    # No response to set the device cookie on here: only a valid one gives a device.
    token = request_var.set(request_of(request, fresh_device=False))
    try:
        yield
    finally:
        request_var.reset(token)


def on_login(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    ids = user_ids(user) if user is not None else None
    if ids is None or not conf.automatic():
        return
    try:
        with _request_context(request):
            vigil.auth_track(True, **ids)
    except (TypeError, ValueError):
        logger.warning("Vigil could not track a login", exc_info=True)


def on_login_failed(
    sender: Any, credentials: Optional[dict[str, Any]] = None, request: Any = None, **kwargs: Any
) -> None:
    if not conf.automatic() or not credentials:
        return
    model = get_user_model()
    field = getattr(model, "USERNAME_FIELD", "username")
    value = credentials.get(field, credentials.get("username"))
    if not isinstance(value, str) or not value.strip():
        return
    try:
        with _request_context(request):
            if conf.check_exists():
                # Failed logins on accounts that do not exist are how enumeration shows.
                exists = model._default_manager.filter(**{field: value}).exists()
                vigil.auth_track(False, vigil.AccountExists(exists), **{field.lower(): value})
            else:
                vigil.auth_track(False, **{field.lower(): value})
    except (TypeError, ValueError):
        logger.warning("Vigil could not track a failed login", exc_info=True)


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid=DISPATCH_UID)
    user_login_failed.connect(on_login_failed, dispatch_uid=DISPATCH_UID)
