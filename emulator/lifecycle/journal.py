"""Every exchange the emulator served, with its violations, and queries for assertions.

Times are on the namespace's clock, so "no two polls closer than 1 s" holds or fails the same
way with a manual clock as with a real one.

The journal is bounded twice, by entries and by bytes, and bodies over ``body_limit`` are kept
as their first KiB (the entry says so under ``truncated``). Bodies are kept as the JSON bytes
that crossed the wire (decoded when read): a tenth of their parsed size, and their size is
known without walking them. An entry with violations that is pushed out before anyone read it
is kept apart until it is read, so a long test still sees its violations at teardown.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from emulator.openapi.violation import Violation

__all__ = ["Exchange", "Journal", "entry_bytes"]

# What an entry costs besides its bodies and headers: the object, its dicts, the violation
# tuples (measured with tracemalloc on a poll's entry, rounded up).
_ENTRY_BYTES = 1024
# A header in a dict: two str objects and a slot.
_HEADER_BYTES = 120
# What a truncated body keeps of itself.
_PREVIEW = 1024


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


def _shown(body: Any) -> Any:
    return json.loads(body) if isinstance(body, bytes) else body


def _body_bytes(body: Any) -> int:
    if body is None:
        return 0
    if isinstance(body, bytes | str):
        return len(body) + 50
    # Webhook payloads and the emulator's own problem bodies: rare and small.
    return 2 * len(json.dumps(body, default=str))


def entry_bytes(e: Exchange) -> int:
    """About what ``e`` holds in memory: counted from lengths, never by walking objects."""
    headers = len(e.request_headers) + len(e.response_headers)
    text = sum(map(len, e.request_headers.values())) + sum(map(len, e.response_headers.values()))
    return (
        _ENTRY_BYTES + headers * _HEADER_BYTES + text
        + _body_bytes(e.request_body) + _body_bytes(e.response_body)
    )  # fmt: skip


@dataclass
class Journal:
    """A bounded log: the oldest exchanges go first past ``limit`` entries or ``max_bytes``."""

    limit: int = 10_000
    max_bytes: int = 16 * 1024 * 1024
    # Bodies longer than this (in bytes) keep their first KiB only.
    body_limit: int = 64 * 1024
    # Exchanges pushed out (the count survives clear, like ``seq``), and violations among them
    # that were lost unread because even the kept-apart ones went over ``max_bytes``.
    dropped: int = field(default=0, init=False)
    dropped_violations: int = field(default=0, init=False)
    _entries: deque[tuple[Exchange, int]] = field(default_factory=deque, init=False)
    # Violations pushed out before any read, by seq: kept until read.
    _kept: dict[int, tuple[Exchange, int]] = field(default_factory=dict, init=False)
    _read: set[int] = field(default_factory=set, init=False)
    _bytes: int = field(default=0, init=False)
    _kept_bytes: int = field(default=0, init=False)
    _seq: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def nbytes(self) -> int:
        """About how many bytes the entries hold (kept-apart violations included)."""
        return self._bytes + self._kept_bytes

    def __len__(self) -> int:
        return len(self._entries) + len(self._kept)

    @property
    def last_seq(self) -> int:
        return self._seq

    def record(self, exchange: Exchange) -> Exchange:
        """Keep ``exchange``, numbered now: ``seq`` is the order of recording, so an answer that
        took long (a latency fault) comes after every entry a reader saw before it. Its
        ``seq`` as given is ignored; the entry as kept is returned."""
        exchange = self._fitted(exchange)
        size = entry_bytes(exchange)
        with self._lock:
            self._seq += 1
            # Not yet shared with anyone: numbering it is part of making it.
            object.__setattr__(exchange, "seq", self._seq)
            self._entries.append((exchange, size))
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.limit or self._bytes > self.max_bytes
            ):
                self._push_out()
        return exchange

    def restore(self, entries: Iterable[Exchange]) -> None:
        """Keep entries recorded before (by a state file), with the numbers they had."""
        for e in entries:
            with self._lock:
                self._entries.append((e, entry_bytes(e)))
                self._bytes += self._entries[-1][1]
                self._seq = max(self._seq, e.seq)
                while len(self._entries) > self.limit or self._bytes > self.max_bytes:
                    self._push_out()

    def _fitted(self, e: Exchange) -> Exchange:
        """``e``, or a copy whose bodies over ``body_limit`` keep their first KiB."""
        request, response, limit = e.request_body, e.response_body, self.body_limit
        cut = []
        if isinstance(request, bytes | str) and len(request) > limit:
            cut.append(("request_body", len(request)))
            request = _preview(request)
        if isinstance(response, bytes | str) and len(response) > limit:
            cut.append(("response_body", len(response)))
            response = _preview(response)
        if not cut:
            return e
        return replace(e, request_body=request, response_body=response, truncated=tuple(cut))

    def _push_out(self) -> None:
        old, size = self._entries.popleft()
        self._bytes -= size
        self.dropped += 1
        if old.violations and old.seq not in self._read:
            self._kept[old.seq] = (old, size)
            self._kept_bytes += size
            while self._kept_bytes > self.max_bytes and len(self._kept) > 1:
                first = next(iter(self._kept))
                self._kept_bytes -= self._kept.pop(first)[1]
                self.dropped_violations += 1
        self._read.discard(old.seq)

    def seen(self, exchanges: Iterable[Exchange]) -> None:
        """A reader got ``exchanges``: their violations need no longer outlive eviction."""
        with self._lock:
            for e in exchanges:
                if not e.violations:
                    continue
                kept = self._kept.pop(e.seq, None)
                if kept is not None:
                    self._kept_bytes -= kept[1]
                else:
                    self._read.add(e.seq)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._kept.clear()
            self._read.clear()
            self._bytes = self._kept_bytes = 0

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
        with self._lock:
            # Kept-apart violations were pushed out from the front: they come first.
            every = [e for e, _ in self._kept.values()] + [e for e, _ in self._entries]
        out = []
        for e in every:
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


def _preview(body: bytes | str) -> str:
    text = body[:_PREVIEW]
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
