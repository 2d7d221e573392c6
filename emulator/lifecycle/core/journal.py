"""Every exchange the emulator served, with its violations, and queries for assertions.

Times are on the namespace's clock, so "no two polls closer than 1 s" holds or fails the same
way with a manual clock as with a real one.

The journal is bounded twice, by entries and by bytes, and bodies over ``body_limit`` are kept
as their first KiB (the entry says so under ``truncated``). Bodies are kept as the JSON bytes
that crossed the wire (decoded when read): a tenth of their parsed size, and their size is
known without walking them. An entry with violations that is pushed out before anyone read it
is kept apart until it is read, so a long test still sees its violations at teardown.

Traffic repeats itself: a client sends the same headers with every request, a loop polls one
path, a load test posts one body, a list page asked for again is mostly the same page. A part
equal to one a recent entry holds is kept as that entry's object (``_Recent``), so ten thousand
alike entries hold one headers dict, not ten thousand, and it is counted once. Entries are
frozen (``Exchange``): sharing is safe.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Protocol, TypeVar, cast

from emulator.lifecycle.core.exchange import (
    ENTRY_BYTES,
    Exchange,
    body_bytes,
    finish,
    headers_bytes,
)
from emulator.openapi.violation import Violation

__all__ = ["EntryFilter", "Exchange", "Journal", "JournalStorage", "fit_bodies"]

V = TypeVar("V")

# What a truncated body keeps of itself.
_PREVIEW = 1024
# Distinct recent values an entry's parts are compared with: enough for a client alternating
# creates and polls, few enough that a miss costs a handful of comparisons.
_RECENT = 4


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
    _entries: deque[Exchange] = field(default_factory=deque, init=False)
    # Each entry's counted bytes, in step with ``_entries``: no (entry, size) pair per entry.
    _sizes: deque[int] = field(default_factory=deque, init=False)
    # Violations pushed out before any read, by seq: kept until read.
    _kept: dict[int, tuple[Exchange, int]] = field(default_factory=dict, init=False)
    _read: set[int] = field(default_factory=set, init=False)
    _bytes: int = field(default=0, init=False)
    _kept_bytes: int = field(default=0, init=False)
    _seq: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _request_headers: _Recent = field(default_factory=lambda: _Recent(), init=False)
    _response_headers: _Recent = field(default_factory=lambda: _Recent(), init=False)
    _paths: _Recent = field(default_factory=lambda: _Recent(), init=False)
    _bodies: _Recent = field(default_factory=lambda: _Recent(), init=False)
    _answers: _Recent = field(default_factory=lambda: _Recent(), init=False)

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
        with self._lock:
            self._seq += 1
            size = self._share(exchange, self._seq)
            self._entries.append(exchange)
            self._sizes.append(size)
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
                size = self._share(e, e.seq)
                self._entries.append(e)
                self._sizes.append(size)
                self._bytes += size
                self._seq = max(self._seq, e.seq)
                while len(self._entries) > self.limit or self._bytes > self.max_bytes:
                    self._push_out()

    def _share(self, e: Exchange, seq: int) -> int:
        """Number ``e`` and let it hold the parts equal to a recent entry's as that entry's
        objects; what it weighs without those parts: they are counted once, in the entry that
        brought them. When that one goes first, the few recent values still held go uncounted."""
        shared_request_headers, request_headers = _kept(self._request_headers, e.request_headers)
        shared_response_headers, response_headers = _kept(
            self._response_headers, e.response_headers
        )
        path, _ = _kept(self._paths, e.path)
        # Bodies as bytes only (a list page asked for again is mostly the same page); the rare
        # parsed ones are counted each time.
        request_body, request = _kept(
            self._bodies, e.request_body, isinstance(e.request_body, bytes)
        )
        response_body, answer = _kept(
            self._answers, e.response_body, isinstance(e.response_body, bytes)
        )
        finish(
            e,
            seq,
            path,
            shared_request_headers,
            shared_response_headers,
            request_body,
            response_body,
        )
        return (
            ENTRY_BYTES
            + (headers_bytes(e.request_headers) if request_headers else 0)
            + (headers_bytes(e.response_headers) if response_headers else 0)
            + (body_bytes(e.request_body) if request else 0)
            + (body_bytes(e.response_body) if answer else 0)
        )

    def _fitted(self, e: Exchange) -> Exchange:
        return fit_bodies(e, self.body_limit)

    def _push_out(self) -> None:
        old, size = self._entries.popleft(), self._sizes.popleft()
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
            self._sizes.clear()
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
            every = [e for e, _ in self._kept.values()] + list(self._entries)
        wanted = EntryFilter(operation, job_id, status, method, with_violations, since)
        return [e for e in every if wanted.matches(e)]

    def violations(self, since: int = 0) -> list[tuple[Exchange, Violation]]:
        return [
            (e, v) for e in self.entries(with_violations=True, since=since) for v in e.violations
        ]

    @staticmethod
    def intervals(exchanges: Iterable[Exchange]) -> list[float]:
        """Seconds between successive exchanges (on the emulator's clock)."""
        times = [e.at for e in exchanges]
        return [b - a for a, b in pairwise(times)]


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which journal entries a reader asked for; ``operation`` matches an action or an
    operation key, ``since`` a ``seq`` (the entries after it)."""

    operation: str | None = None
    job_id: str | None = None
    status: int | None = None
    method: str | None = None
    with_violations: bool | None = None
    since: int = 0

    def matches(self, e: Exchange) -> bool:
        return (
            e.seq > self.since
            and (self.operation is None or self.operation in (e.action, e.operation))
            and (self.job_id is None or e.job_id == self.job_id)
            and (self.status is None or e.status == self.status)
            and (self.method is None or e.method == self.method.upper())
            and (self.with_violations is None or bool(e.violations) == self.with_violations)
        )


def fit_bodies(e: Exchange, limit: int) -> Exchange:
    """``e``, or a copy whose bodies over ``limit`` bytes keep their first KiB."""
    request, response = e.request_body, e.response_body
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


class JournalStorage(Protocol):
    """A namespace's journal as the pipeline, the control plane and the dashboard use it:
    ``Journal`` in memory, or a shared one (``persistence.redis_journal``)."""

    @property
    def nbytes(self) -> int: ...

    def __len__(self) -> int: ...

    @property
    def last_seq(self) -> int: ...

    @property
    def dropped(self) -> int: ...

    @property
    def dropped_violations(self) -> int: ...

    def record(self, exchange: Exchange) -> Exchange: ...

    def seen(self, exchanges: Iterable[Exchange]) -> None: ...

    def clear(self) -> None: ...

    def entries(
        self,
        *,
        operation: str | None = None,
        job_id: str | None = None,
        status: int | None = None,
        method: str | None = None,
        with_violations: bool | None = None,
        since: int = 0,
    ) -> list[Exchange]: ...

    def violations(self, since: int = 0) -> list[tuple[Exchange, Violation]]: ...


def _kept(recent: _Recent, value: V, shareable: bool = True) -> tuple[V, bool]:
    """The value to hold (an equal recent one, if any) and whether it is new: to be counted."""
    shared = recent.shared(value) if shareable else None
    return (value, True) if shared is None else (shared, False)


class _Recent:
    """The last few distinct values seen of one part of an entry (headers, a path, a body)."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: list[Any] = []

    def shared(self, value: V) -> V | None:
        """An equal value seen recently; else None, and ``value`` is now the most recent."""
        for kept in self._values:
            if kept is value or kept == value:
                return cast(V, kept)
        self._values.insert(0, value)
        del self._values[_RECENT:]
        return None


def _preview(body: bytes | str) -> str:
    text = body[:_PREVIEW]
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
