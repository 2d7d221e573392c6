"""A namespace that writes through a ``StateBackend``: what ``--state-file`` serves with.

Each class adds a write after the in-memory change it mirrors, inside the same call, so the
action that changed a job returns (and its answer leaves) only once the change is kept. The
in-memory classes are untouched: without a state file none of this is on the request path.

Kept: jobs (add, update, delete), the journal, the clock, the default scenario, the rate limit
and the revision counter. Not kept: fault counters and webhook deliveries in flight, which
start afresh after a restart.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from typing import TypeVar

from emulator.errors import StateFileError
from emulator.lifecycle.core.clock import ManualClock, OffsetClock
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.journal import Exchange, Journal
from emulator.lifecycle.core.namespace import ControllableClock, Namespace, Namespaces, RateLimit
from emulator.lifecycle.core.store import JobStore
from emulator.lifecycle.persistence.backend import NamespaceState, Restored, StateBackend

__all__ = ["DurableNamespace", "restore_all"]

T = TypeVar("T")


class _Store(JobStore):
    def __init__(self, backend: StateBackend, namespace: str) -> None:
        super().__init__()
        self._backend, self._namespace = backend, namespace

    def load(self, jobs: list[Job]) -> None:
        for job in jobs:
            super().add(job)

    def add(self, job: Job) -> None:
        with self._lock:
            self._backend.save_job(self._namespace, job)
            super().add(job)

    def update(self, job_id: str, change: Callable[[Job], tuple[Job, T]]) -> tuple[Job, T] | None:
        with self._lock:
            found = super().update(job_id, change)
            if found is not None:
                self._backend.save_job(self._namespace, found[0])
            return found

    def delete(self, job_id: str) -> bool:
        with self._lock:
            deleted = super().delete(job_id)
            if deleted:
                self._backend.delete_job(self._namespace, job_id)
            return deleted

    def clear(self) -> None:
        with self._lock:
            self._backend.clear_jobs(self._namespace)
            super().clear()


class _Journal(Journal):
    def __init__(
        self, backend: StateBackend, namespace: str, limit: int, max_bytes: int, body_limit: int
    ) -> None:
        super().__init__(limit=limit, max_bytes=max_bytes, body_limit=body_limit)
        self._backend, self._namespace = backend, namespace

    def load(self, entries: list[Exchange]) -> None:
        self.restore(entries)

    def record(self, exchange: Exchange) -> Exchange:
        kept = super().record(exchange)  # numbered (and truncated) as the journal keeps it
        self._backend.record(self._namespace, kept)
        return kept

    def clear(self) -> None:
        self._backend.clear_journal(self._namespace)
        super().clear()


class _Clock:
    """A namespace's clock that saves the namespace whenever it is moved."""

    def __init__(self, inner: ControllableClock, moved: Callable[[], None]) -> None:
        self._inner, self._moved = inner, moved

    def now(self) -> float:
        return self._inner.now()

    def advance(self, seconds: float) -> float:
        now = self._inner.advance(seconds)
        self._moved()
        return now

    def set(self, instant: float) -> float:
        now = self._inner.set(instant)
        self._moved()
        return now


class DurableNamespace(Namespace):
    def __init__(
        self,
        name: str,
        *,
        backend: StateBackend,
        manual_clock: bool,
        seed: int,
        journal_limit: int,
        journal_bytes: int = 16 << 20,
        journal_body: int = 64 << 10,
    ) -> None:
        self._backend = backend
        self._loading = True  # the base class sets every attribute: nothing to save yet
        self._restarts = 0
        self._default: str | None = None
        self._rate: RateLimit | None = None
        super().__init__(
            name,
            manual_clock=manual_clock,
            seed=seed,
            journal_limit=journal_limit,
            store=_Store(backend, name),
        )
        self.journal = _Journal(backend, name, journal_limit, journal_bytes, journal_body)
        restored = backend.restore(name)
        if restored is not None:
            self._restore(restored)
        self.clock = _Clock(self.clock, self.save)
        self._loading = False
        self.save()

    def _restore(self, restored: Restored) -> None:
        state = restored.state
        self._manual = state.manual_clock
        self.clock = ManualClock(state.clock) if state.manual_clock else OffsetClock()
        if not state.manual_clock and state.clock > 0:
            self.clock.advance(state.clock)
        self._default = state.default_scenario
        self._rate = None if state.rate_limit is None else RateLimit(*state.rate_limit)
        self.revision = state.revision
        self._restarts = state.restarts + 1
        # A fresh stream of ids: the restored namespace's ids were drawn from the old one.
        self.rng = random.Random(f"{self._seed}:{self.name}:restart:{self._restarts}")
        assert isinstance(self.store, _Store) and isinstance(self.journal, _Journal)
        self.store.load(restored.jobs)
        self.journal.load(restored.journal)
        self.restored = True

    def save(self) -> None:
        if self._loading:
            return
        now = self.clock.now()
        limit = self._rate
        self._backend.save_state(
            self.name,
            NamespaceState(
                manual_clock=self._manual,
                clock=now if self._manual else now - time.time(),
                default_scenario=self._default,
                rate_limit=None if limit is None else (limit.requests, limit.per),
                revision=self.revision,
                restarts=self._restarts,
            ),
        )

    @property
    def default_scenario(self) -> str | None:
        return self._default

    @default_scenario.setter
    def default_scenario(self, name: str | None) -> None:
        self._default = name
        self.save()

    @property
    def rate_limit(self) -> RateLimit | None:
        return self._rate

    @rate_limit.setter
    def rate_limit(self, limit: RateLimit | None) -> None:
        self._rate = limit
        self.save()

    def next_revision(self) -> int:
        with self.lock:
            revision = super().next_revision()
            self.save()
            return revision

    def forget(self) -> None:
        with self.lock:
            self._loading = True  # nothing more to save: the namespace is gone
            super().reset()
            self._backend.forget(self.name)

    def reset(self, *, manual_clock: bool | None = None) -> None:
        with self.lock:
            self._loading = True
            super().reset(manual_clock=manual_clock)
            self.clock = _Clock(self.clock, self.save)
            self.restored = False
            self._loading = False
            self.save()


def restore_all(namespaces: Namespaces, backend: StateBackend, scenarios: Collection[str]) -> None:
    """Bring back every namespace the backend keeps, refusing jobs of unknown scenarios."""
    for name in backend.names():
        ns = namespaces.get(name)
        for job in ns.store.all():
            if job.scenario not in scenarios:
                known = ", ".join(sorted(scenarios)) or "none"
                raise StateFileError(
                    getattr(backend, "path", "the state backend"),
                    f"/namespaces/{name}/jobs/{job.id}",
                    f"plays scenario {job.scenario!r}, which is not loaded (loaded: {known})",
                )
