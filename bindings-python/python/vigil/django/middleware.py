"""Django middleware: request context (client IP, device cookie), IP blocks, and (automatic
mode) identification."""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any, Callable, Optional

from django.http import HttpResponse

import vigil
from vigil._context import request_var
from vigil._errors import UserBlocked
from vigil._middleware import BlockResponse, Guard
from vigil._native import Decision, Request

from . import conf
from .signals import user_ids

_guard: Optional[Guard] = None


def guard() -> Guard:
    global _guard
    if _guard is None:
        opts = conf.options()
        block = opts.get("block")
        _guard = Guard(
            opts.get("trusted_proxies"),
            opts.get("client_ip_header"),
            block if isinstance(block, BlockResponse) else None,
        )
    return _guard


def request_of(request: Any, fresh_device: bool = True) -> Request:
    """The Vigil request of a Django request (``fresh_device=False``: no response to set the
    device cookie on, so only a valid cookie gives a device)."""
    g = guard()
    meta = request.META
    key = g.edge.environ_key
    return g.request(
        meta.get("REMOTE_ADDR"),
        meta.get(key) if key else None,
        meta.get("HTTP_USER_AGENT"),
        request.method,
        request.path,
        meta.get("HTTP_COOKIE"),
        fresh_device,
    )


class _SetCookie(Morsel):  # type: ignore[type-arg]
    """The core's ``Set-Cookie`` value, written as it is: Django's handlers (WSGI and ASGI)
    write each of ``response.cookies`` with ``output()``, and its test client keeps the
    cookie's name and value."""

    def __init__(self, header: str) -> None:
        super().__init__()
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        self.set(name, value, value)
        self._header = header

    def OutputString(self, attrs: Any = None) -> str:
        return self._header


def set_device_cookie(response: Any, set_cookie: Optional[str]) -> Any:
    """Adds the fresh device's ``Set-Cookie`` to ``response`` (unless the app set that cookie)."""
    if set_cookie is not None and response is not None:
        cookie = _SetCookie(set_cookie)
        response.cookies.setdefault(cookie.key, cookie)
    return response


def block_response(request: Any, decision: Decision) -> HttpResponse:
    status, headers, body = guard().render(decision, request.META.get("HTTP_ACCEPT"))
    response = HttpResponse(body, status=status)
    for name, value in headers:
        if name != "Content-Length":
            response[name] = value
    return response


class VigilMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        vigil_request = request_of(request)
        request.vigil = vigil_request
        token = request_var.set(vigil_request)
        try:
            return set_device_cookie(
                self._respond(request, vigil_request), vigil_request.set_cookie
            )
        finally:
            request_var.reset(token)

    def _respond(self, request: Any, vigil_request: Request) -> Any:
        decision = guard().blocked(vigil_request)
        if decision is not None:
            return block_response(request, decision)
        if conf.automatic():
            user = getattr(request, "user", None)
            ids = user_ids(user) if user is not None and user.is_authenticated else None
            if ids is not None:
                try:
                    vigil.identify(ids)
                except UserBlocked as e:
                    return block_response(request, e.decision)
        return self.get_response(request)

    def process_exception(self, request: Any, exception: Exception) -> Optional[HttpResponse]:
        if isinstance(exception, UserBlocked):
            return block_response(request, exception.decision)
        return None
