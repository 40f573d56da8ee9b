"""What every framework integration does around a request, whatever its server interface.

The policy (client IP behind proxies, the device cookie, the block response) is the core's; a
middleware reads the peer address and headers from its server's request and writes the
response it is given, with the ``Set-Cookie`` of a fresh device when the request carries one
(``Request.set_cookie``).
"""

from __future__ import annotations

import json
from typing import Any, Optional, Union

from . import _native
from ._native import Decision, EdgePolicy, Request

Headers = list[tuple[str, str]]
HeaderLines = Union[str, list[str], None]


class BlockResponse:
    """A middleware's own block response options, over the ``block_*`` settings.

    ``status`` for every block (``block_status``); ``redirect`` sends a 303 to that URL instead
    (``block_redirect``); ``html`` replaces the page (``{reference}`` and ``{reason}`` are
    filled in, escaped); ``json_body`` replaces the JSON body. A decision that redirects goes
    to its own URL.
    """

    def __init__(
        self,
        status: Optional[int] = None,
        html: Optional[str] = None,
        json_body: Optional[Any] = None,
        redirect: Optional[str] = None,
    ) -> None:
        self.options: list[tuple[str, str]] = []
        if status is not None:
            self.options.append(("block_status", str(int(status))))
        if html is not None:
            self.options.append(("block_html", html))
        if json_body is not None:
            self.options.append(("block_json", json.dumps(json_body)))
        if redirect is not None:
            self.options.append(("block_redirect", redirect))


class Guard:
    """Per-app edge options (defaults: the settings given to ``start``, ``VIGIL_*``, file)."""

    def __init__(
        self,
        trusted_proxies: Union[list[str], str, None] = None,
        client_ip_header: Optional[str] = None,
        block: Optional[BlockResponse] = None,
    ) -> None:
        overrides: list[tuple[str, str]] = []
        if trusted_proxies is not None:
            if not isinstance(trusted_proxies, str):
                trusted_proxies = ",".join(trusted_proxies) or "none"
            overrides.append(("trusted_proxies", trusted_proxies))
        if client_ip_header is not None:
            overrides.append(("client_ip_header", client_ip_header))
        if block is not None:
            overrides += block.options
        self.edge = EdgePolicy(overrides)

    def request(
        self,
        peer: Optional[str],
        forwarded: HeaderLines,
        user_agent: Optional[str],
        method: Optional[str],
        path: Optional[str],
        cookie: Optional[str] = None,
        fresh_device: bool = True,
    ) -> Request:
        """The request's context; its device is read once from ``cookie`` (the Cookie header).

        ``fresh_device=False`` for a caller that cannot send ``Set-Cookie``: a request without
        a valid device cookie then has no device rather than a new one on every request.
        """
        return self.edge.request(peer, forwarded, user_agent, method, path, cookie, fresh_device)

    def blocked(self, request: Request) -> Optional[Decision]:
        """The decision blocking this request before the app runs (its IP), if any."""
        return _native.check_request(request)

    def render(self, decision: Decision, accept: Optional[str]) -> tuple[int, Headers, bytes]:
        return self.edge.render(decision.id, decision.reason, decision.redirect_url, accept)
