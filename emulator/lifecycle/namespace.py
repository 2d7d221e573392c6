"""Isolated emulator state: each namespace has its own jobs, clock, journal and counters.

Parallel tests sharing one server pick a namespace (header or ``/_ns/{name}`` prefix) and never
see each other's jobs, clocks or journals.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from emulator.lifecycle.clock import ManualClock, OffsetClock
from emulator.lifecycle.journal import Journal
from emulator.lifecycle.outbox import Outbox
from emulator.lifecycle.store import JobStorage, JobStore

__all__ = ["ControllableClock", "Namespace", "Namespaces", "RateLimit"]


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
    ) -> None:
        self.name = name
        self._manual = manual_clock
        self._seed = seed
        self.clock: ControllableClock = ManualClock() if manual_clock else OffsetClock()
        self.store: JobStorage = JobStore() if store is None else store
        # True when the namespace came back from a state file: its seeded jobs are in it.
        self.restored = False
        self.journal = Journal(limit=journal_limit)
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
        self.outbox = Outbox(random.Random(f"{self._seed}:{self.name}:webhooks"))

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

    def next_revision(self) -> int:
        with self.lock:
            self.revision += 1
            return self.revision


class Namespaces:
    """Namespaces by name, created on first use."""

    def __init__(self, factory: Callable[[str], Namespace]) -> None:
        self._factory = factory
        self._items: dict[str, Namespace] = {}
        self._lock = threading.Lock()
        self.on_create: Callable[[Namespace], None] | None = None

    def get(self, name: str) -> Namespace:
        found = self._items.get(name)
        if found is not None:
            return found
        with self._lock:
            found = self._items.get(name)
            if found is None:
                found = self._items[name] = self._factory(name)
                if self.on_create is not None:
                    self.on_create(found)
            return found

    def names(self) -> list[str]:
        return sorted(self._items)
