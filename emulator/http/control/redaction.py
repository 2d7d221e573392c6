"""Secrets kept out of journal output: what the control API, exports, dashboard and reports show.

The journal itself keeps every exchange as it was (a test may assert on what its client sent);
what leaves the emulator has credentials replaced by ``[redacted]``: the ``Authorization``,
``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` headers, the control token, and every
header, query parameter and cookie the spec's security schemes name. What a reader needs to
debug stays: the scheme word of ``Authorization`` (``Bearer [redacted]``) and cookie names.
``--journal-secrets`` shows them all in clear.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from emulator.http.control.token import TOKEN_HEADER
from emulator.openapi.model import SecurityScheme

__all__ = ["REDACTED", "Redactor"]

REDACTED = "[redacted]"
_ALWAYS = frozenset({"authorization", "proxy-authorization", TOKEN_HEADER})
_COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})


class Redactor:
    """Redacts the credentials of one spec's security schemes from journal entries."""

    def __init__(self, schemes: Mapping[str, SecurityScheme], *, keep: bool = False) -> None:
        self.keep = keep
        keys = [s for s in schemes.values() if s.kind == "apiKey" and s.param_name]
        self.headers = _ALWAYS | {
            s.param_name.lower() for s in keys if s.location == "header" and s.param_name
        }
        self.query = frozenset(s.param_name for s in keys if s.location == "query")

    def entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A journal entry (``Exchange.as_dict()``) as it may be shown."""
        if self.keep:
            return entry
        return {
            **entry,
            "request_headers": self._headers(entry.get("request_headers") or {}),
            "response_headers": self._headers(entry.get("response_headers") or {}),
            "query": self._query(entry.get("query") or ""),
        }

    def _headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        shown = {}
        for name, value in headers.items():
            lowered = name.lower()
            if lowered in _COOKIE_HEADERS:
                value = _cookies(value, lowered == "set-cookie")
            elif lowered == "authorization" or lowered == "proxy-authorization":
                word, _, rest = value.partition(" ")
                value = f"{word} {REDACTED}" if rest else REDACTED
            elif lowered in self.headers:
                value = REDACTED
            shown[name] = value
        return shown

    def _query(self, query: str) -> str:
        if not self.query or not query:
            return query
        pieces = []
        for piece in query.split("&"):
            name, eq, _ = piece.partition("=")
            secret = eq and urllib.parse.unquote_plus(name) in self.query
            pieces.append(f"{name}={REDACTED}" if secret else piece)
        return "&".join(pieces)


def _cookies(value: str, one: bool) -> str:
    """Each cookie's value redacted, its name kept; ``Set-Cookie`` keeps its attributes."""
    if one:
        first, sep, attributes = value.partition(";")
        name = first.partition("=")[0].strip()
        return f"{name}={REDACTED}{sep}{attributes}"
    names = (c.partition("=")[0].strip() for c in value.split(";") if c.strip())
    return "; ".join(f"{name}={REDACTED}" for name in names)
