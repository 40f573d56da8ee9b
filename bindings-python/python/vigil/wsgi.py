"""WSGI middleware: ``app = vigil.wsgi.VigilMiddleware(app)``.

Sets the request context for every Vigil call made while serving a request (its client IP
and its device, from the signed device cookie), answers blocked IPs before the app runs, turns
a ``UserBlocked`` escaping the app into the block response, and adds the ``Set-Cookie`` of a
fresh device to whatever response goes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Callable, Optional

from ._context import request_var
from ._errors import UserBlocked
from ._middleware import BlockResponse, Guard
from ._native import Decision

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Blocked"


def _with_header(start_response: StartResponse, header: tuple[str, str]) -> StartResponse:
    """``start_response`` adding ``header`` to every response it starts (an error page too)."""

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        return start_response(status, [*headers, header], *exc_info)

    return start


class VigilMiddleware:
    def __init__(
        self,
        app: WSGIApp,
        trusted_proxies: Optional[list[str]] = None,
        client_ip_header: Optional[str] = None,
        block: Optional[BlockResponse] = None,
    ) -> None:
        self.app = app
        self.guard = Guard(trusted_proxies, client_ip_header, block)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        guard = self.guard
        key = guard.edge.environ_key
        request = guard.request(
            environ.get("REMOTE_ADDR"),
            environ.get(key) if key else None,
            environ.get("HTTP_USER_AGENT"),
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            environ.get("HTTP_COOKIE"),
        )
        environ["vigil.request"] = request
        set_cookie = request.set_cookie
        if set_cookie is not None:
            start_response = _with_header(start_response, ("Set-Cookie", set_cookie))
        token = request_var.set(request)
        try:
            decision = guard.blocked(request)
            if decision is not None:
                return self._block(environ, start_response, decision)
            try:
                return self.app(environ, start_response)
            except UserBlocked as e:
                return self._block(environ, start_response, e.decision)
        finally:
            request_var.reset(token)

    def _block(
        self, environ: Environ, start_response: StartResponse, decision: Decision
    ) -> list[bytes]:
        status, headers, body = self.guard.render(decision, environ.get("HTTP_ACCEPT"))
        start_response(_status_line(status), headers)
        return [body]
