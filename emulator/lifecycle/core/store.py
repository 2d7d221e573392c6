"""Jobs of one namespace, found by id in O(1) and listed through creation-order indexes.

A page walks an index from where it starts: from the first job, or from a cursor in the
overall order, it costs O(page); an offset past deleted jobs (not yet compacted away) walks the
live jobs before it, O(offset + page); and a cursor inside a partition is found by a scan of
that partition's order, O(n) in the partition's jobs.

Every change goes through ``update``, which swaps one frozen ``Job`` for another under a lock,
so two requests on one job never interleave half-updates and no request touches another job.

``JobStorage`` is what the actions, listings and control plane ask of a namespace's jobs;
``JobStore`` keeps them in memory. Another backend (a state file, a service several emulators
share) implements the same methods and the engine does not change: ``update`` is the one
read-modify-write, so a shared backend makes it a transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

from emulator.lifecycle.core.job import Job

__all__ = ["JobStorage", "JobStore"]

T = TypeVar("T")
# What a job costs besides its create request and its events: the frozen Job, its index slots
# (measured with bench/inprocess.py and rounded up; a request JSON shared with alike jobs is
# still counted for each, so the budget errs high); an event (a slotted value).
JOB_BYTES = 1024
EVENT_BYTES = 100
# Dropped ids remembered per order, so that cursors naming them still resume in their place.
GONE_KEPT = 10_000


def _weight(job: Job) -> int:
    return JOB_BYTES + len(job.request_json) + EVENT_BYTES * len(job.events)


class JobStorage(Protocol):
    """A namespace's jobs, as the engine's callers use them."""

    def __len__(self) -> int: ...

    @property
    def nbytes(self) -> int:
        """About what the jobs hold in memory, counted as they come and go (the memory budget
        reads it; a backend that keeps jobs elsewhere answers what it caches)."""

    def get(self, job_id: str) -> Job | None: ...

    def add(self, job: Job) -> None:
        """Keep ``job``: a new one goes last in creation order, a known id is replaced."""

    def update(self, job_id: str, change: Callable[[Job], tuple[Job, T]]) -> tuple[Job, T] | None:
        """Swap the job for ``change(job)[0]`` atomically; None when there is no such job."""

    def delete(self, job_id: str) -> bool: ...

    def count(self, partition: str | None = None, *, everywhere: bool = True) -> int: ...

    def clear(self) -> None: ...

    def ids(self, partition: str | None = None, *, everywhere: bool = True) -> list[str]:
        """Ids in creation order, deleted ones possibly included (``walk`` skips them)."""

    def walk(self, ids: list[str], start: int, step: int) -> Iterator[Job]: ...

    def start_after(self, ids: list[str], job_id: str, step: int) -> int | None:
        """Where a walk that continues past ``job_id`` in direction ``step`` starts in ``ids``;
        ``None`` when the id was never in the store."""

    def all(self) -> Iterator[Job]: ...


class JobStore:
    def __init__(self) -> None:
        # Creation order, overall and per partition; deleted ids are skipped when read.
        self._order: list[str] = []
        # The job at each position of ``_order``, None once deleted; and each id's position
        # (a deleted id keeps its own until compaction: a cursor naming it resumes in place).
        # One dict for both finding a job and resuming a listing at it: less memory a job than
        # a dict of jobs beside a dict of positions.
        self._slots: list[Job | None] = []
        self._index: dict[str, int] = {}
        self._count = 0
        self._partitions: dict[str | None, list[str]] = {}
        # Live jobs per partition, so a page can report its total without counting.
        self._live: dict[str | None, int] = {}
        self._lock = threading.RLock()
        self._bytes = 0
        self._dead = 0  # deleted ids still in the orders
        # Deleted ids dropped from an order, with how many kept ids preceded them there: a cursor
        # naming one resumes in its place (the oldest are forgotten first, past GONE_KEPT).
        self._gone: dict[str, int] = {}
        self._gone_in: dict[str | None, dict[str, int]] = {}

    @property
    def nbytes(self) -> int:
        """About what the live jobs hold, counted as they come and go (for the memory budget)."""
        return self._bytes

    def __len__(self) -> int:
        return self._count

    def get(self, job_id: str) -> Job | None:
        at = self._index.get(job_id)
        return None if at is None else self._slots[at]

    def add(self, job: Job) -> None:
        with self._lock:
            at = self._index.get(job.id)
            old = None if at is None else self._slots[at]
            if old is not None and at is not None:
                self._slots[at] = job
                self._bytes += _weight(job) - _weight(old)
                return
            self._index[job.id] = len(self._order)
            self._order.append(job.id)
            self._slots.append(job)
            self._count += 1
            self._partitions.setdefault(job.partition, []).append(job.id)
            self._live[job.partition] = self._live.get(job.partition, 0) + 1
            self._bytes += _weight(job)

    def update(self, job_id: str, change: Callable[[Job], tuple[Job, T]]) -> tuple[Job, T] | None:
        """Apply ``change`` atomically; it returns the new job and anything for the caller."""
        with self._lock:
            at = self._index.get(job_id)
            job = None if at is None else self._slots[at]
            if job is None or at is None:
                return None
            new, extra = change(job)
            self._slots[at] = new
            if new.events is not job.events:  # a retry or a transition: more to count
                self._bytes += EVENT_BYTES * (len(new.events) - len(job.events))
            return new, extra

    def delete(self, job_id: str) -> bool:
        with self._lock:
            at = self._index.get(job_id)
            job = None if at is None else self._slots[at]
            if job is None or at is None:
                return False
            self._slots[at] = None
            self._count -= 1
            self._live[job.partition] -= 1
            self._bytes -= _weight(job)
            self._dead += 1
            if self._dead > 64 and self._dead > self._count:
                self._forget_deleted()
            return True

    def _forget_deleted(self) -> None:
        """Drop deleted ids from the orders once they outnumber the live jobs: a store that
        creates and deletes for days holds its live jobs only (amortised O(1) a delete). New
        lists, so a listing walking the old ones is undisturbed."""
        self._partitions = {
            p: kept
            for p, ids in self._partitions.items()
            if (kept := self._compact(ids, self._gone_in.setdefault(p, {}), self._alive(ids)))
        }
        alive = [job is not None for job in self._slots]
        self._order = self._compact(self._order, self._gone, alive)
        self._slots = [job for job in self._slots if job is not None]
        self._index = {job_id: n for n, job_id in enumerate(self._order)}
        self._gone_in = {p: gone for p, gone in self._gone_in.items() if p in self._partitions}
        self._live = {p: n for p, n in self._live.items() if n}
        self._dead = 0

    def _alive(self, ids: list[str]) -> list[bool]:
        return [self.get(job_id) is not None for job_id in ids]

    @staticmethod
    def _compact(ids: list[str], gone: dict[str, int], alive: list[bool]) -> list[str]:
        """``ids`` without the dead ones (``alive`` says which); ``gone`` learns where each
        dropped id stood among the kept ones, and ids dropped earlier are moved to their place
        in the new list."""
        kept: list[str] = []
        before = [0]  # kept ids before each position of ``ids``
        for job_id, live in zip(ids, alive, strict=True):
            if live:
                kept.append(job_id)
            before.append(len(kept))
        for job_id, rank in gone.items():
            gone[job_id] = before[min(rank, len(ids))]
        for n, job_id in enumerate(ids):
            if not alive[n]:
                gone[job_id] = before[n]
        while len(gone) > GONE_KEPT:
            del gone[next(iter(gone))]
        return kept

    def count(self, partition: str | None = None, *, everywhere: bool = True) -> int:
        """How many live jobs there are (all of them, or one partition's)."""
        return self._count if everywhere else self._live.get(partition, 0)

    def clear(self) -> None:
        with self._lock:
            self._order.clear()
            self._slots.clear()
            self._index.clear()
            self._partitions.clear()
            self._live.clear()
            self._gone.clear()
            self._gone_in.clear()
            self._bytes = self._dead = self._count = 0

    def ids(self, partition: str | None = None, *, everywhere: bool = True) -> list[str]:
        """Ids in creation order (all of them, or one partition's)."""
        return self._order if everywhere else self._partitions.get(partition, [])

    def walk(self, ids: list[str], start: int, step: int) -> Iterator[Job]:
        """Live jobs from ``ids[start]`` onwards, forwards (step 1) or backwards (step -1)."""
        index = start
        while 0 <= index < len(ids):
            job = self.get(ids[index])
            if job is not None:
                yield job
            index += step

    def start_after(self, ids: list[str], job_id: str, step: int) -> int | None:
        """Where a walk that continues past ``job_id`` in direction ``step`` starts in ``ids``
        (the overall order or a partition's); ``None`` when the id was never in the store."""
        if ids is self._order:
            position = self._index.get(job_id)
            gone = self._gone
        else:
            position = ids.index(job_id) if job_id in ids else None
            owner = (p for p, listed in self._partitions.items() if listed is ids)
            gone = self._gone_in.get(next(owner, None), {})
        if position is not None:
            return position + step
        rank = gone.get(job_id)
        if rank is None:
            return None
        return rank if step > 0 else rank - 1  # it stood just before the kept id now at ``rank``

    def all(self) -> Iterator[Job]:
        return iter([job for job in self._slots if job is not None])
