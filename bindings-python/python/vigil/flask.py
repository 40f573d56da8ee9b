"""Flask extension: ``vigil.flask.Vigil(app)`` (or ``Vigil()`` then ``init_app(app)``).

Wraps the app in the WSGI middleware, and registers an error handler so a ``UserBlocked``
raised by ``identify`` in a view becomes the block response (Flask would otherwise turn it
into a 500 before the middleware sees it).
"""

from __future__ import annotations

from typing import Any, Optional

from ._errors import UserBlocked
from ._middleware import BlockResponse
from .wsgi import VigilMiddleware


class Vigil:
    def __init__(
        self,
        app: Any = None,
        trusted_proxies: Optional[list[str]] = None,
        client_ip_header: Optional[str] = None,
        block: Optional[BlockResponse] = None,
    ) -> None:
        self._options = (trusted_proxies, client_ip_header, block)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        from flask import Response, request

        middleware = VigilMiddleware(app.wsgi_app, *self._options)
        app.wsgi_app = middleware

        def blocked(e: UserBlocked) -> Any:
            status, headers, body = middleware.guard.render(
                e.decision, request.headers.get("Accept")
            )
            return Response(body, status=status, headers=headers)

        app.register_error_handler(UserBlocked, blocked)
        app.extensions["vigil"] = self
