"""Every exchange the emulator served, with its violations, and queries for assertions.

Times are on the namespace's clock, so "no two polls closer than 1 s" holds or fails the same
way with a manual clock as with a real one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from emulator.openapi.violation import Violation

__all__ = ["Exchange", "Journal"]


# Not frozen: a frozen dataclass's __init__ costs three times as much per field, and one
# entry is made per request. Nothing changes an entry once it is recorded.
@dataclass(slots=True)
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
    request_body: Any = None
    response_body: Any = None
    violations: tuple[Violation, ...] = ()
    fault: str | None = None
    # The status, when the spec declares none like it for the operation: the spec's gap.
    spec_gap: int | None = None
    # Flaws of the operation's spec tolerated at load: those parts were served unchecked.
    spec_flaws: tuple[str, ...] = ()

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
            "request_body": self.request_body,
            "response_body": self.response_body,
            "violations": [v.as_dict() for v in self.violations],
            "fault": self.fault,
            "spec_gap": None
            if self.spec_gap is None
            else {"status": self.spec_gap, "operation": self.operation},
            "spec_flaws": list(self.spec_flaws),
        }


@dataclass
class Journal:
    """A bounded log: the oldest exchanges go first when ``limit`` is reached."""

    limit: int = 10_000
    _entries: deque[Exchange] = field(init=False)
    _seq: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._entries = deque(maxlen=self.limit)

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def record(self, exchange: Exchange) -> None:
        self._entries.append(exchange)

    def clear(self) -> None:
        self._entries.clear()

    def entries(
        self,
        *,
        operation: str | None = None,
        job_id: str | None = None,
        status: int | None = None,
        method: str | None = None,
        with_violations: bool | None = None,
        since: int = 0,
    ) -> list[Exchange]:
        """Exchanges in order, filtered; ``operation`` matches an action or an operation key."""
        out = []
        for e in list(self._entries):
            if e.seq <= since:
                continue
            if operation is not None and operation not in (e.action, e.operation):
                continue
            if job_id is not None and e.job_id != job_id:
                continue
            if status is not None and e.status != status:
                continue
            if method is not None and e.method != method.upper():
                continue
            if with_violations is not None and bool(e.violations) != with_violations:
                continue
            out.append(e)
        return out

    def violations(self, since: int = 0) -> list[tuple[Exchange, Violation]]:
        return [
            (e, v) for e in self.entries(with_violations=True, since=since) for v in e.violations
        ]

    @staticmethod
    def intervals(exchanges: Iterable[Exchange]) -> list[float]:
        """Seconds between successive exchanges (on the emulator's clock)."""
        times = [e.at for e in exchanges]
        return [b - a for a, b in pairwise(times)]
