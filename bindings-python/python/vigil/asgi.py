"""ASGI middleware (Starlette, FastAPI, any ASGI app): ``app.add_middleware(VigilMiddleware)``.

Same duties as the WSGI one (the request context with its client IP and device, IP blocks,
``UserBlocked``, the device cookie's ``Set-Cookie``). Sync endpoints run in a thread pool with a
copy of the context, so they see the request too.
"""

from __future__ import annotations

from collections.abc import Awaitable, MutableMapping
from typing import Any, Callable, Optional

from ._context import request_var
from ._errors import UserBlocked
from ._middleware import BlockResponse, Guard
from ._native import Decision

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> Optional[str]:
    for k, v in scope.get("headers") or ():
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def _lines(scope: Scope, name: bytes) -> list[str]:
    """Every line of a header, in order: the client-IP rules need all of them."""
    return [v.decode("latin-1") for k, v in scope.get("headers") or () if k.lower() == name]


def _with_header(send: Send, header: tuple[bytes, bytes]) -> Send:
    """``send`` adding ``header`` to the response's start message."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), header]}
        await send(message)

    return sending


class VigilMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        trusted_proxies: Optional[list[str]] = None,
        client_ip_header: Optional[str] = None,
        block: Optional[BlockResponse] = None,
    ) -> None:
        self.app = app
        self.guard = Guard(trusted_proxies, client_ip_header, block)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        guard = self.guard
        client = scope.get("client")
        cookies = _lines(scope, b"cookie")
        request = guard.request(
            client[0] if client else None,
            _lines(scope, guard.edge.header.encode("latin-1")),
            _header(scope, b"user-agent"),
            scope.get("method"),
            scope.get("path"),
            # HTTP/2 may split the Cookie header; its parts join with "; " (RFC 9113 8.2.3).
            "; ".join(cookies) if cookies else None,
        )
        scope.setdefault("state", {})["vigil_request"] = request
        accept = _header(scope, b"accept")
        set_cookie = request.set_cookie
        if set_cookie is not None:
            send = _with_header(send, (b"set-cookie", set_cookie.encode("latin-1")))
        token = request_var.set(request)
        try:
            decision = guard.blocked(request)
            if decision is not None:
                await self._block(send, decision, accept)
                return
            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            try:
                await self.app(scope, receive, tracking_send)
            except UserBlocked as e:
                if started:
                    raise
                await self._block(send, e.decision, accept)
        finally:
            request_var.reset(token)

    async def _block(self, send: Send, decision: Decision, accept: Optional[str]) -> None:
        status, headers, body = self.guard.render(decision, accept)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body})
