"""Options the Python layer handles itself (the core never sees HTTP): client IP and blocking.

Set by ``vigil.start(...)`` keywords, else ``VIGIL_*`` environment variables, else defaults.
Middlewares may override them per app.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from ._blocking import BlockResponse
from ._errors import ConfigError
from ._ip import DEFAULT_HEADER, ClientIpResolver

#: Keywords of ``start`` consumed here rather than by the core.
PYTHON_OPTIONS = frozenset(
    {
        "trusted_proxies",
        "client_ip_header",
        "block_status",
        "block_redirect",
        "block_html",
        "block_json",
    }
)


class Settings:
    def __init__(self, resolver: ClientIpResolver, block: BlockResponse) -> None:
        self.resolver = resolver
        self.block = block

    @classmethod
    def build(cls, options: dict[str, Any]) -> Settings:
        def opt(name: str) -> Any:
            if name in options:
                return options[name]
            return os.environ.get("VIGIL_" + name.upper())

        try:
            header = opt("client_ip_header")
            resolver = ClientIpResolver(
                opt("trusted_proxies"), DEFAULT_HEADER if header is None else header
            )
            status = opt("block_status")
            block = BlockResponse(
                status=403 if status is None else int(status),
                html=opt("block_html"),
                json_body=options.get("block_json"),
                redirect=opt("block_redirect"),
            )
        except (TypeError, ValueError) as e:
            raise ConfigError(f"invalid option: {e}", "config") from e
        return cls(resolver, block)


_current: Optional[Settings] = None


def get() -> Settings:
    global _current
    if _current is None:
        _current = Settings.build({})
    return _current


def configure(options: dict[str, Any]) -> None:
    global _current
    _current = Settings.build(options)
