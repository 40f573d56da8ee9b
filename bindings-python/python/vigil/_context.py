"""The current request, in a ``contextvars.ContextVar`` the native module reads directly.

Middlewares build one ``vigil._native.Request`` per request (the only per-request allocation
of the SDK) and every call made while serving it finds it here, across threads and tasks.
"""

from __future__ import annotations

import contextvars
from typing import Optional

from . import _native
from ._native import Request

request_var: contextvars.ContextVar[Optional[Request]] = _native.request_var


def current_request() -> Optional[Request]:
    """The request being served, when a Vigil middleware is installed."""
    return request_var.get()


def make_request(
    ip: Optional[str], user_agent: Optional[str], method: Optional[str], path: Optional[str]
) -> Request:
    """A request context; a field the core rejects is dropped rather than failing the request."""
    try:
        return Request(ip, user_agent, method, path)
    except ValueError:
        return Request(None, user_agent, method, path)
