"""What every framework integration does around a request, whatever its server interface."""

from __future__ import annotations

from typing import Optional

from . import _native, _settings
from ._blocking import BlockResponse, Headers
from ._context import make_request
from ._ip import ClientIpResolver
from ._native import Decision, Request


class Guard:
    """Per-app configuration: IP resolution and block response (defaults from ``start``)."""

    def __init__(
        self,
        trusted_proxies: Optional[list[str]] = None,
        client_ip_header: Optional[str] = None,
        block: Optional[BlockResponse] = None,
    ) -> None:
        self._resolver: Optional[ClientIpResolver] = None
        if trusted_proxies is not None or client_ip_header is not None:
            self._resolver = ClientIpResolver(
                trusted_proxies, client_ip_header or _settings.get().resolver.header
            )
        self._block = block

    @property
    def resolver(self) -> ClientIpResolver:
        return self._resolver or _settings.get().resolver

    @property
    def block(self) -> BlockResponse:
        return self._block or _settings.get().block

    def request(
        self,
        peer: Optional[str],
        forwarded: Optional[str],
        user_agent: Optional[str],
        method: Optional[str],
        path: Optional[str],
    ) -> Request:
        ip = self.resolver.resolve(peer, forwarded)
        return make_request(ip, user_agent, method, path)

    def blocked(self, request: Request) -> Optional[Decision]:
        """The decision blocking this request before the app runs (its IP), if any."""
        return _native.check_request(request)

    def render(self, decision: Decision, accept: Optional[str]) -> tuple[int, Headers, bytes]:
        return self.block.render(decision, accept)
