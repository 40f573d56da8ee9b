"""The ``VIGIL`` Django setting."""

from __future__ import annotations

from typing import Any


def options() -> dict[str, Any]:
    from django.conf import settings

    value = getattr(settings, "VIGIL", None) or {}
    return dict(value)


def automatic() -> bool:
    return bool(options().get("automatic", True))


def check_exists() -> bool:
    return bool(options().get("check_exists", True))


#: Keys of ``VIGIL`` read by the Django app itself rather than passed to ``vigil.start``.
DJANGO_KEYS = frozenset({"automatic", "check_exists", "block"})
