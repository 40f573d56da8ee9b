"""The client's IP address behind reverse proxies.

A forwarding header is only as trustworthy as the hop that added it: the header is read only
when the peer is a trusted proxy, then walked right to left (nearest hop first), skipping
trusted proxies. The first untrusted address is the client; anything left of it could have
been forged by the client itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Optional, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

#: Loopback and private networks: where reverse proxies and load balancers usually live.
DEFAULT_TRUSTED_PROXIES = (
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "::1/128",
    "fc00::/7",
)
DEFAULT_HEADER = "X-Forwarded-For"


def parse_ip(text: str) -> Optional[Address]:
    """An address from a header entry: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    if text.lower().startswith("for="):
        return parse_ip(text[4:])
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


class ClientIpResolver:
    """Finds the client IP from the peer address and one forwarding header."""

    def __init__(
        self,
        trusted_proxies: Optional[Iterable[str]] = None,
        header: Optional[str] = DEFAULT_HEADER,
    ) -> None:
        if isinstance(trusted_proxies, str):
            trusted_proxies = [p for p in trusted_proxies.split(",") if p.strip()]
        nets = DEFAULT_TRUSTED_PROXIES if trusted_proxies is None else trusted_proxies
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in nets
        )
        self.header = header or None
        # WSGI/Django spell headers as environ keys; computed once, not per request.
        self.environ_key = (
            "HTTP_" + self.header.upper().replace("-", "_") if self.header is not None else None
        )

    def is_trusted(self, ip: Address) -> bool:
        return any(ip.version == n.version and ip in n for n in self.networks)

    def resolve(self, peer: Optional[str], header_value: Optional[str]) -> Optional[str]:
        """The client IP as text, or ``None`` when the peer is unknown or not an IP."""
        peer_ip = parse_ip(peer) if peer else None
        if peer_ip is None:
            return None
        if not header_value or not self.is_trusted(peer_ip):
            return str(peer_ip)
        client = peer_ip
        for entry in reversed(header_value.split(",")):
            hop = parse_ip(entry)
            if hop is None:
                # A malformed hop ends what can be trusted: keep the last good one.
                break
            client = hop
            if not self.is_trusted(hop):
                break
        return str(client)
