"""Exceptions of the Vigil SDK.

Core errors are mapped to these classes in one place (the native module's ``errors.rs``);
``code`` is the core's stable, language-neutral name of the failure (e.g. ``"empty_value"``).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._native import Decision


class VigilError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code


class IdentifierError(VigilError, ValueError):
    """User identifiers break the identity rules (nothing was sent)."""


class EventError(VigilError, ValueError):
    """An event name, property, timestamp, request field or challenge result is invalid
    (nothing was sent)."""


class ConfigError(VigilError, ValueError):
    """The configuration (code, environment or ``vigil.toml``) is invalid."""


class UserBlocked(VigilError):
    """Raised by ``identify`` when the user or the request's IP address is blocked.

    Middlewares turn it into the block response; ``decision`` says who blocked what and why.
    """

    def __init__(self, decision: Decision) -> None:
        super().__init__(
            f"blocked by decision {decision.id} ({decision.scope} {decision.action})", "blocked"
        )
        self.decision = decision

    @property
    def id(self) -> str:
        return self.decision.id

    @property
    def scope(self) -> str:
        return self.decision.scope

    @property
    def action(self) -> str:
        return self.decision.action

    @property
    def reason(self) -> str:
        return self.decision.reason

    @property
    def redirect_url(self) -> Optional[str]:
        return self.decision.redirect_url

    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        """When the decision ends (UTC), or ``None`` when it does not expire."""
        ms = self.decision.expires_at_ms
        if ms is None:
            return None
        return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.decision,))
