"""The response a blocked user or IP gets: framework-neutral (status, headers, body)."""

from __future__ import annotations

import html
import json
from typing import Any, Optional, Protocol


class DecisionLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def redirect_url(self) -> Optional[str]: ...


DEFAULT_HTML = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Access denied</title></head>'
    "<body><h1>Access denied</h1><p>Your request has been blocked for security reasons.</p>"
    "<p>Reference: {id}</p></body></html>\n"
)

Headers = list[tuple[str, str]]


def _quality(accept: str, wanted: tuple[str, ...]) -> float:
    """The best q-value ``accept`` gives to any of ``wanted`` (0 when absent)."""
    best = 0.0
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if media not in wanted and not (media.endswith("+json") and "application/json" in wanted):
            continue
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_json(accept: Optional[str]) -> bool:
    """JSON when the client prefers it to HTML (API clients); HTML otherwise (browsers)."""
    if not accept:
        return False
    json_q = _quality(accept, ("application/json",))
    html_q = _quality(accept, ("text/html", "application/xhtml+xml"))
    return json_q > 0 and json_q >= html_q


class BlockResponse:
    """How to answer a blocked request.

    ``status`` (403) for every block; ``redirect`` sends a redirect (302) instead. ``html`` and
    ``json_body`` replace the default bodies; ``{id}`` in ``html`` becomes the decision id.
    A decision whose action is ``redirect`` redirects to its own URL.
    """

    def __init__(
        self,
        status: int = 403,
        html: Optional[str] = None,
        json_body: Optional[Any] = None,
        redirect: Optional[str] = None,
        redirect_status: int = 302,
    ) -> None:
        self.status = int(status)
        self.html = html if html is not None else DEFAULT_HTML
        self.json_body = json_body
        self.redirect = redirect
        self.redirect_status = int(redirect_status)

    def render(self, decision: DecisionLike, accept: Optional[str]) -> tuple[int, Headers, bytes]:
        target = decision.redirect_url if decision.action == "redirect" else self.redirect
        if target:
            return self.redirect_status, [("Location", target), ("Content-Length", "0")], b""
        if wants_json(accept):
            payload = self.json_body
            if payload is None:
                payload = {"error": "blocked", "decision": decision.id}
            body = json.dumps(payload).encode()
            ctype = "application/json"
        else:
            body = self.html.replace("{id}", html.escape(decision.id)).encode()
            ctype = "text/html; charset=utf-8"
        headers = [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        return self.status, headers, body
