"""The values of one exchange: the ``Incoming`` request, the ``Outcome`` it gets, and the
``Trace`` the pipeline keeps of it, from which its journal entry is made.

All three are made once per request; ``Incoming`` and ``Outcome`` are frozen. An outcome's
body is serialised once, on first use, for both the self-check's verdict cache and the wire
(or arrives serialised, from a cached view).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from emulator.http.limits import Breach
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.scenario import Fault
from emulator.lifecycle.render.envelope import ErrorReply
from emulator.lifecycle.render.view_cache import encode_body
from emulator.openapi.jsonparse import parse_json
from emulator.openapi.violation import Violation
from emulator.speed.slotted import quick_init

__all__ = ["Incoming", "Outcome", "Trace"]


# Made per request: frozen, with the quick __init__ of ``speed.slotted``.
@quick_init
@dataclass(frozen=True, slots=True)
class Incoming:
    method: str
    path: str
    query_string: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    # Scheme, host and namespace prefix: what links in responses start with.
    origin: str = ""
    # A size limit the request broke: it is refused before anything reads it.
    breach: Breach | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: Any
    media_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False
    # The emulator's own words (its problem details, refusals no profile shapes) are not the
    # provider's, so the self-check does not hold them to the spec.
    checked: bool = True
    # ``body`` as sent on the wire, when it is already known (a cached view); else made once.
    encoded: bytes | None = field(default=None, compare=False, repr=False)

    @classmethod
    def error(cls, error: ErrorReply, headers: Mapping[str, str] | None = None) -> Outcome:
        return cls(
            error.status,
            error.body,
            error.media_type,
            dict(headers or {}),
            checked=error.provider_shaped,
        )

    @property
    def payload(self) -> bytes | None:
        """The body as sent on the wire."""
        if self.encoded is None and self.body is not None:
            _set_encoded(self, encode_body(self.body))  # a cache of the body, not a change
        return self.encoded

    def with_headers(self, extra: Mapping[str, str]) -> Outcome:
        """The same answer with more headers; the body is not serialised again."""
        return replace(self, headers={**self.headers, **extra})


# Sets the slot through its descriptor, past the frozen check.
_set_encoded: Callable[[Outcome, bytes], None] = Outcome.__dict__["encoded"].__set__
DROPPED = Outcome(0, None, drop=True, checked=False)


@dataclass(slots=True)
class Trace:
    """What the pipeline learnt about one request: its journal entry, once it has an outcome.

    Filled in as the request goes through the pipeline (one object per request, not a copy
    per step), and turned into the journal's frozen ``Exchange`` at the end. The entry is
    numbered when the journal records it, not on arrival (see ``Journal.record``).
    """

    arrived: float
    incoming: Incoming
    operation: str | None = None
    action: str | None = None
    job_id: str | None = None
    violations: tuple[Violation, ...] = ()
    fault: Fault | None = None
    # The body as validated; without one the entry shows what was sent, parsed if it parses.
    request_body: Any = None
    spec_gap: int | None = None  # an undeclared status the profile sends: the spec's gap
    spec_flaws: tuple[str, ...] = ()  # flaws tolerated at load: parts served unchecked

    def exchange(self, outcome: Outcome) -> Exchange:
        return Exchange(
            seq=0,
            at=self.arrived,
            method=self.incoming.method,
            path=self.incoming.path,
            query=self.incoming.query_string,
            operation=self.operation,
            action=self.action,
            job_id=self.job_id,
            status=0 if outcome.drop else outcome.status,
            # Both are read-only mappings of frozen values (``with_headers`` makes a new
            # outcome): the journal keeps them without a copy.
            request_headers=self.incoming.headers,
            response_headers=outcome.headers,
            request_body=self._request_body(),
            # The bytes the wire gets, not the parsed body: a fraction of its memory.
            response_body=outcome.payload,
            violations=self.violations,
            fault=self.fault.pointer if self.fault is not None else None,
            spec_gap=self.spec_gap,
            spec_flaws=self.spec_flaws,
        )

    def _request_body(self) -> Any:
        """The body as the journal keeps it: the JSON bytes the client sent when they parse
        (as validated, or parsed now), else text."""
        raw, validated = self.incoming.body, self.request_body
        if not raw or isinstance(validated, str):
            return validated
        if validated is None:
            try:
                parse_json(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")
        return raw
