"""One exchange as the journal keeps it, and what it weighs (counted from lengths).

An entry is made once per request, frozen; the journal numbers it as it records it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.openapi.violation import Violation
from emulator.speed.slotted import quick_init

__all__ = ["ENTRY_BYTES", "Exchange", "body_bytes", "finish", "headers_bytes"]

# What an entry costs besides its bodies and headers: the object, its numbers, its path, its
# slots in the journal (measured with tracemalloc for an entry that shares nothing, rounded up).
ENTRY_BYTES = 384
# A header in a dict: two str objects and a slot.
HEADER_BYTES = 120


# Made per request: frozen, with the quick __init__ of ``speed.slotted``. The journal finishes
# an entry as it records it (its number, the parts it shares with recent entries: see
# ``finish``), before anyone else can see it.
@quick_init
@dataclass(frozen=True, slots=True)
class Exchange:
    seq: int
    at: float
    method: str
    path: str
    query: str
    operation: str | None
    action: str | None
    job_id: str | None
    status: int
    request_headers: Mapping[str, str]
    response_headers: Mapping[str, str]
    # A body as sent: ``bytes`` are its JSON, decoded when read; anything else is shown as is.
    request_body: Any = None
    response_body: Any = None
    violations: tuple[Violation, ...] = ()
    fault: str | None = None
    # The status, when the spec declares none like it for the operation: the spec's gap.
    spec_gap: int | None = None
    # Flaws of the operation's spec tolerated at load: those parts were served unchecked.
    spec_flaws: tuple[str, ...] = ()
    # Bodies cut to their first KiB, with the size they had: (("request_body", 12345678),).
    truncated: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation": self.operation,
            "action": self.action,
            "job_id": self.job_id,
            "status": self.status,
            "request_headers": dict(self.request_headers),
            "response_headers": dict(self.response_headers),
            "request_body": _shown(self.request_body),
            "response_body": _shown(self.response_body),
            "violations": [v.as_dict() for v in self.violations],
            "fault": self.fault,
            "spec_gap": None
            if self.spec_gap is None
            else {"status": self.spec_gap, "operation": self.operation},
            "spec_flaws": list(self.spec_flaws),
            "truncated": dict(self.truncated),
        }


# Each slot's setter, past the frozen check (``finish``).
_set_seq = Exchange.__dict__["seq"].__set__
_set_path = Exchange.__dict__["path"].__set__
_set_request_headers = Exchange.__dict__["request_headers"].__set__
_set_response_headers = Exchange.__dict__["response_headers"].__set__
_set_request_body = Exchange.__dict__["request_body"].__set__
_set_response_body = Exchange.__dict__["response_body"].__set__


def finish(
    entry: Exchange,
    seq: int,
    path: str,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str],
    request_body: Any,
    response_body: Any,
) -> None:
    """Number ``entry`` and give it the parts it shares with recent entries (equal values, as
    their objects): the journal does it as it records an entry nobody else has seen yet,
    through the slots' descriptors, past the frozen check."""
    _set_seq(entry, seq)
    _set_path(entry, path)
    _set_request_headers(entry, request_headers)
    _set_response_headers(entry, response_headers)
    _set_request_body(entry, request_body)
    _set_response_body(entry, response_body)


def _shown(body: Any) -> Any:
    return json.loads(body) if isinstance(body, bytes) else body


def body_bytes(body: Any) -> int:
    if body is None:
        return 0
    if isinstance(body, bytes | str):
        return len(body) + 50
    # Webhook payloads and the emulator's own problem bodies: rare and small.
    return 2 * len(json.dumps(body, default=str))


def headers_bytes(headers: Mapping[str, str]) -> int:
    return len(headers) * HEADER_BYTES + sum(map(len, headers.values()))
