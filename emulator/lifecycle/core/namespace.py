"""Isolated emulator state: each namespace has its own jobs, clock, journal and counters.

Parallel tests sharing one server pick a namespace (header or ``/_ns/{name}`` prefix) and never
see each other's jobs, clocks or journals.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from emulator.lifecycle.core.clock import ManualClock, OffsetClock
from emulator.lifecycle.core.eviction import NAMESPACE_BYTES, Eviction, Evictions, Limits, Reason
from emulator.lifecycle.core.journal import Journal, JournalStorage
from emulator.lifecycle.core.store import JobStorage, JobStore
from emulator.lifecycle.webhooks.outbox import Outbox, OutboxStorage

__all__ = ["ControllableClock", "Namespace", "Namespaces", "RateLimit"]

T = TypeVar("T")


class ControllableClock(Protocol):
    def now(self) -> float: ...
    def advance(self, seconds: float) -> float: ...
    def set(self, instant: float) -> float: ...


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` API requests per ``per`` seconds of the namespace's clock."""

    requests: int
    per: float


class Namespace:
    def __init__(
        self,
        name: str,
        *,
        manual_clock: bool,
        seed: int,
        journal_limit: int,
        store: JobStorage | None = None,
        journal_bytes: int = 16 * 1024 * 1024,
        journal_body: int = 64 * 1024,
    ) -> None:
        self.name = name
        self._manual = manual_clock
        self._seed = seed
        self.clock: ControllableClock = ManualClock() if manual_clock else OffsetClock()
        self.store: JobStorage = JobStore() if store is None else store
        # True when the namespace came back from a state file: its seeded jobs are in it.
        self.restored = False
        self.journal: JournalStorage = Journal(
            limit=journal_limit, max_bytes=journal_bytes, body_limit=journal_body
        )
        # time.monotonic() of its last request: what idle means for eviction.
        self.last_used = 0.0
        self.default_scenario: str | None = None
        self.rate_limit: RateLimit | None = None
        self.lock = threading.RLock()
        self._reset_counters()

    def _reset_counters(self) -> None:
        # Seeded per namespace, so a test's ids and random faults do not depend on its neighbours.
        self.rng = random.Random(f"{self._seed}:{self.name}")
        self.revision = 0
        self.fault_counts: dict[tuple[str, ...], int] = {}
        self.fault_fired: dict[tuple[str, ...], int] = {}
        self.recent_requests: deque[float] = deque()
        self.outbox: OutboxStorage = Outbox(random.Random(f"{self._seed}:{self.name}:webhooks"))

    @property
    def manual_clock(self) -> bool:
        return self._manual

    def reset(self, *, manual_clock: bool | None = None) -> None:
        """Forget every job, journal entry, counter and setting; restart the clock."""
        with self.lock:
            if manual_clock is not None:
                self._manual = manual_clock
            self.clock = ManualClock() if self._manual else OffsetClock()
            self.store.clear()
            self.journal.clear()
            self.default_scenario = None
            self.rate_limit = None
            self._reset_counters()

    def forget(self) -> None:
        """Let go of everything: the namespace is gone (a durable one leaves its file too)."""
        self.reset()

    def atomically(self, work: Callable[[], T]) -> T:
        """``work()`` as one step no other worker interleaves with: in memory, just ``work()``
        (the namespace's lock guards what needs it); a shared namespace runs it as one
        transaction (``persistence.redis_namespace``)."""
        return work()

    def next_revision(self) -> int:
        with self.lock:
            self.revision += 1
            return self.revision

    def nbytes(self) -> int:
        """About what its jobs and journal hold: counted as they were added, never walked."""
        return NAMESPACE_BYTES + self.store.nbytes + self.journal.nbytes


class Namespaces:
    """Namespaces by name, created on first use and evicted by ``limits`` (see eviction.py).

    Kept in order of last use, so the one idle longest is always first. Evicting by age and
    budget is a sweep over them, at most every ``SWEEP`` seconds: a request pays a clock read
    and a dict move, never a walk.
    """

    SWEEP = 0.25

    def __init__(
        self,
        factory: Callable[[str], Namespace],
        limits: Limits | None = None,
        on_create: Callable[[Namespace], None] | None = None,
    ) -> None:
        self._factory = factory
        self.limits = limits or Limits()
        # What a new namespace gets before its first use (seed jobs, webhook subscriptions).
        self._on_create = on_create
        self._items: OrderedDict[str, Namespace] = OrderedDict()
        self._lock = threading.RLock()
        self.evictions = Evictions()
        # Seconds, for idleness: a test replaces it to compress hours into a moment.
        self.monotonic: Callable[[], float] = time.monotonic
        self._next_sweep = 0.0

    def get(self, name: str) -> Namespace:
        now = self.monotonic()
        with self._lock:
            found = self._items.get(name)
            if found is None:
                found = self._items[name] = self._factory(name)
                found.last_used = now
                if self._on_create is not None:
                    self._on_create(found)
                self._over_cap(now)
            else:
                self._items.move_to_end(name)
                found.last_used = now
            if now >= self._next_sweep:
                self.sweep(now)
            return found

    def peek(self, name: str) -> Namespace | None:
        """The namespace if it exists, without creating it or counting as a use."""
        return self._items.get(name)

    def live(self) -> list[Namespace]:
        """Every namespace, idle longest first, none of them touched."""
        with self._lock:
            return list(self._items.values())

    def names(self) -> list[str]:
        return sorted(self._items)

    def with_webhooks(self) -> list[Namespace]:
        """The namespaces the webhook scheduler looks at: every live one (without touching)."""
        return self.live()

    def __len__(self) -> int:
        return len(self._items)

    def free(self, name: str) -> bool:
        """Forget ``name`` entirely (its owner is done with it); False if it did not exist."""
        with self._lock:
            gone = self._items.pop(name, None)
        if gone is None:
            return False
        gone.forget()
        self.evictions.freed += 1
        return True

    def nbytes(self) -> int:
        """About what the jobs and journals of every namespace hold."""
        return sum(ns.nbytes() for ns in self.live())

    def sweep(self, now: float | None = None) -> None:
        """Evict what is idle past the TTL, then the idle longest while over the budget."""
        now = self.monotonic() if now is None else now
        with self._lock:
            self._next_sweep = now + self.SWEEP
            ttl, budget = self.limits.ttl, self.limits.budget
            if ttl > 0:
                stale = []
                for ns in self._items.values():  # idle longest first: stop at the first fresh
                    if now - ns.last_used <= ttl:
                        break
                    if ns.name != "default":
                        stale.append(ns)
                for ns in stale:
                    self._evict(ns, "ttl", now)
            if budget > 0:
                total = self.nbytes()
                # The namespace of the request being served (the last one used) stays.
                while total > budget and len(self._items) > 1:
                    ns = next(iter(self._items.values()))
                    total -= self._evict(ns, "memory", now)

    def _over_cap(self, now: float) -> None:
        cap = self.limits.cap
        while cap > 0 and len(self._items) > cap:
            oldest = next((ns for ns in self._items.values() if ns.name != "default"), None)
            if oldest is None or oldest is next(reversed(self._items.values())):
                return  # only the new one (and default) left
            self._evict(oldest, "cap", now)

    def _evict(self, ns: Namespace, reason: Reason, now: float) -> int:
        size = ns.nbytes()
        del self._items[ns.name]
        self.evictions.note(
            Eviction(
                ns.name,
                reason,
                Evictions.wall_clock(),
                now - ns.last_used,
                size,
                len(ns.store),
                len(ns.journal),
            )
        )
        return size
