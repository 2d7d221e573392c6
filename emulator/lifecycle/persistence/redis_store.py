"""A namespace's jobs in Redis: ``JobStorage`` for every worker of a deployment at once.

One hash holds the jobs: each id's record (``codec.job_record``, everything but the poll
counter) and, under ``NUL + id``, its poll count, so a poll that moves nothing rewrites one
small number and the record, unchanged, stays the very ``Job`` object this process decoded
before (the views rendered from it are reused, as in memory). Creation orders are lists (all
jobs, and one per partition); deleted ids stay in them, skipped when read, until they outnumber
the live jobs and ``COMPACT`` starts fresh lists (remembering where each dropped id stood, so a
cursor naming one still resumes in its place).

Reads go through the request's transaction: a job read is checked at the commit, so two workers
changing one job never both succeed; the one that read a stale job runs its request again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar, overload

from emulator.errors import StateUnavailable
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.store import GONE_KEPT
from emulator.lifecycle.persistence.codec import job_from_record, job_record
from emulator.lifecycle.persistence.redis_tx import Transaction, current
from emulator.lifecycle.persistence.redis_values import SharedSpace
from emulator.speed.memo import SizedMemo

__all__ = ["POLLS", "RedisJobStore", "RemoteIds"]

T = TypeVar("T")
# The field of a job's poll count, beside its record: NUL and the id.
POLLS = "\x00"
# Jobs decoded in this process, by their record: an unchanged job is the same object on every
# read (``ViewCache`` knows a job by identity), and decoding it once is enough.
_DECODED = SizedMemo[bytes, Job](8192, 16 << 20)
# A job's weight against the memory budget: its record, its place in the orders, the hash.
_OVERHEAD = 96


def _decoded(raw: bytes, polls: bytes | None) -> Job:
    job = _DECODED.get(raw)
    if job is None:
        job = job_from_record(raw)
        _DECODED.put(raw, job, 2 * len(raw) + 512)
    # The poll count is the one field set in place (see ``Job.count_poll``): it is Redis's.
    object.__setattr__(job, "polls", 0 if polls is None else int(polls))
    return job


class RemoteIds(Sequence[str]):
    """A creation order kept in Redis, read in chunks as a listing walks it; ids this
    transaction appended (not committed yet) come last."""

    CHUNK = 256

    def __init__(self, tx: Transaction, key: str, gone: str, appended: list[str]) -> None:
        self.key = key
        self.gone = gone
        self._tx = tx
        self._appended = appended
        self._stored: int | None = None
        self._chunks: dict[int, list[str]] = {}

    @property
    def stored(self) -> int:
        if self._stored is None:
            wiped = self._tx.is_wiped(self.key)
            self._stored = 0 if wiped else int(self._tx.client.llen(self.key))
        return self._stored

    def __len__(self) -> int:
        return self.stored + len(self._appended)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        if index >= self.stored:
            return self._appended[index - self.stored]
        chunk = index // self.CHUNK
        ids = self._chunks.get(chunk)
        if ids is None:
            start = chunk * self.CHUNK
            raw = self._tx.client.lrange(self.key, start, start + self.CHUNK - 1)
            ids = self._chunks[chunk] = [item.decode() for item in raw]
        return ids[index - chunk * self.CHUNK]

    def position(self, job_id: str) -> int | None:
        """Where ``job_id`` stands in this order, deleted or not; None if it never did."""
        if job_id in self._appended:
            return self.stored + self._appended.index(job_id)
        if self._tx.is_wiped(self.key):
            return None
        found = self._tx.client.lpos(self.key, job_id)
        return None if found is None else int(found)

    def __contains__(self, job_id: object) -> bool:
        return isinstance(job_id, str) and self.position(job_id) is not None

    def index(self, value: str, start: int = 0, stop: int | None = None) -> int:
        found = self.position(value)
        if found is None or found < start or (stop is not None and found >= stop):
            raise ValueError(f"{value!r} is not in the order")
        return found


class RedisJobStore:
    """``JobStorage`` on Redis for one namespace (see the module docstring)."""

    def __init__(self, ns: SharedSpace) -> None:
        self._ns = ns
        self.key = ns.base + "jobs"
        self._live = ns.base + "live"
        self._parts = ns.base + "parts"
        # Where a transaction keeps the jobs it read.
        self._slot = ("jobs", ns.base)

    # -- keys ---------------------------------------------------------------------------------

    def _epoch(self) -> str:
        return self._ns.meta().get("epoch", b"0").decode()

    def _order_key(self, partition: str | None, everywhere: bool) -> tuple[str, str]:
        base, epoch = self._ns.base, self._epoch()
        if everywhere:
            return f"{base}order:{epoch}", f"{base}gone"
        part = partition if partition is not None else ""
        size = len(part.encode())
        return f"{base}part:{epoch}:{size}:{part}", f"{base}gone:{size}:{part}"

    def _appended(self, tx: Transaction, key: str) -> list[str]:
        found: list[str] | None = tx.objects.get(("appended", key))
        if found is None:
            found = tx.objects[("appended", key)] = []
        return found

    def _jobs(self, tx: Transaction) -> dict[str, Job | None]:
        found: dict[str, Job | None] | None = tx.objects.get(self._slot)
        if found is None:
            found = tx.objects[self._slot] = {}
        return found

    # -- reading ------------------------------------------------------------------------------

    def _job(self, job_id: str) -> Job | None:
        tx = current()
        jobs = self._jobs(tx)
        if job_id in jobs:
            return jobs[job_id]
        self._ns.meta()
        raw, polls = tx.hmget(self.key, [job_id, POLLS + job_id])
        job = jobs[job_id] = None if raw is None else _decoded(raw, polls)
        return job

    def prime(self, tx: Transaction, job_id: str, raw: bytes | None, polls: bytes | None) -> None:
        """What a prefetch read of job ``job_id`` (or what the worker remembered of it), as if
        this transaction had read it: checked at the commit, decoded once."""
        tx.prime(self.key, job_id, raw)
        tx.prime(self.key, POLLS + job_id, polls)
        jobs = self._jobs(tx)
        if job_id not in jobs:  # as ``_job`` would find it: what the transaction holds now
            raw, polls = tx.seen(self.key, job_id), tx.seen(self.key, POLLS + job_id)
            jobs[job_id] = None if raw is None else _decoded(raw, polls)

    def _fetch(self, ids: list[str]) -> None:
        """Read every job of ``ids`` not read yet, in one round trip."""
        tx = current()
        jobs = self._jobs(tx)
        missing = [i for i in dict.fromkeys(ids) if i not in jobs]
        if missing:
            tx.hmget(self.key, [f for i in missing for f in (i, POLLS + i)])

    def __len__(self) -> int:
        return self._ns.atomically(lambda: int(self._ns.meta().get("count", b"0")))

    @property
    def nbytes(self) -> int:
        return self._ns.atomically(lambda: int(self._ns.meta().get("bytes", b"0")))

    def get(self, job_id: str) -> Job | None:
        return self._ns.atomically(lambda: self._job(job_id))

    def count(self, partition: str | None = None, *, everywhere: bool = True) -> int:
        def count() -> int:
            if everywhere:
                return int(self._ns.meta().get("count", b"0"))
            part = "" if partition is None else partition
            found = current().hget(self._live, part, check=False)
            return 0 if found is None else int(found)

        return self._ns.atomically(count)

    def ids(self, partition: str | None = None, *, everywhere: bool = True) -> list[str]:
        def ids() -> RemoteIds:
            tx = current()
            key, gone = self._order_key(partition, everywhere)
            return RemoteIds(tx, key, gone, self._appended(tx, key))

        # A Sequence that reads as it is walked; the listing only indexes and measures it.
        found: list[str] = self._ns.atomically(ids)  # type: ignore[arg-type]
        return found

    def walk(self, ids: list[str], start: int, step: int) -> Iterator[Job]:
        """Live jobs from ``ids[start]`` on, fetched a batch of ids at a time."""
        index, batch = start, 32
        while 0 <= index < len(ids):
            chosen: list[str] = []
            while 0 <= index < len(ids) and len(chosen) < batch:
                chosen.append(ids[index])
                index += step
            yield from self._ns.atomically(partial(self._batch, chosen))
            batch = min(batch * 2, RemoteIds.CHUNK)

    def _batch(self, ids: list[str]) -> list[Job]:
        self._fetch(ids)
        return [job for job_id in ids if (job := self._job(job_id)) is not None]

    def start_after(self, ids: list[str], job_id: str, step: int) -> int | None:
        if not isinstance(ids, RemoteIds):
            return None

        def start() -> int | None:
            position = ids.position(job_id)
            if position is not None:
                return position + step
            rank = current().hget(ids.gone, job_id, check=False)
            if rank is None:
                return None
            return int(rank) if step > 0 else int(rank) - 1

        return self._ns.atomically(start)

    def all(self) -> Iterator[Job]:
        def everything() -> list[Job]:
            order = self.ids()
            return list(self.walk(order, 0, 1))

        return iter(self._ns.atomically(everything))

    # -- writing ------------------------------------------------------------------------------

    def _write(self, tx: Transaction, old: Job | None, new: Job) -> None:
        """Buffer what makes ``old`` (as read) into ``new``: the record if it changed, and the
        poll count if it changed."""
        job_id = new.id
        self._jobs(tx)[job_id] = new
        raw_old, polls_old = tx.hmget(self.key, [job_id, POLLS + job_id])
        if new is not old or raw_old is None:
            raw = job_record(new)
            if raw != raw_old:
                tx.hset(self.key, job_id, raw)
                before = 0 if raw_old is None else len(raw_old) + _OVERHEAD + len(job_id)
                self._add(tx, "bytes", len(raw) + _OVERHEAD + len(job_id) - before)
                _DECODED.put(raw, new, 2 * len(raw) + 512)
        polls = 0 if polls_old is None else int(polls_old)
        if new.polls != polls:
            if new.polls:
                tx.hset(self.key, POLLS + job_id, new.polls)
            else:
                tx.hdel(self.key, POLLS + job_id)

    def _add(self, tx: Transaction, field: str, by: int) -> None:
        if by:
            meta = self._ns.meta()
            meta[field] = str(int(meta.get(field, b"0")) + by).encode()
            tx.op("hincr", self._ns.meta_key, field, by)

    def add(self, job: Job) -> None:
        def add() -> None:
            tx = current()
            if tx.memo.runs == 1 and job.id not in self._jobs(tx):
                # A new id, most likely (drawn from the stream): no round trip to look for it;
                # the commit checks it was absent, and a rerun looks.
                self._ns.meta()
                tx.prime(self.key, job.id, None)
                tx.prime(self.key, POLLS + job.id, None)
            old = self._job(job.id)
            self._write(tx, old, job)
            if old is not None:
                return
            self._add(tx, "count", 1)
            for everywhere in (True, False) if job.partition is not None else (True,):
                key, _ = self._order_key(job.partition, everywhere)
                tx.op("rpush", key, job.id, 0)
                self._appended(tx, key).append(job.id)
            if job.partition is not None:
                tx.op("sadd", self._parts, job.partition)
                tx.op("hincr", self._live, job.partition, 1)

        self._ns.atomically(add)

    def update(self, job_id: str, change: Callable[[Job], tuple[Job, T]]) -> tuple[Job, T] | None:
        def update() -> tuple[Job, T] | None:
            job = self._job(job_id)
            if job is None:
                return None
            new, extra = change(job)
            self._write(current(), job, new)
            return new, extra

        return self._ns.atomically(update)

    def delete(self, job_id: str) -> bool:
        def delete() -> bool:
            tx = current()
            job = self._job(job_id)
            if job is None:
                return False
            raw = tx.hget(self.key, job_id)
            tx.hdel(self.key, job_id)
            tx.hdel(self.key, POLLS + job_id)
            self._jobs(tx)[job_id] = None
            self._add(tx, "count", -1)
            self._add(tx, "bytes", -(len(raw or b"") + _OVERHEAD + len(job_id)))
            self._add(tx, "dead", 1)
            if job.partition is not None:
                tx.op("hincr", self._live, job.partition, -1)
            meta = self._ns.meta()
            dead, count = int(meta.get("dead", b"0")), int(meta.get("count", b"0"))
            if dead > 64 and dead > count:
                tx.after_commit(self._compact)
            return True

        return self._ns.atomically(delete)

    def _compact(self) -> None:
        with contextlib.suppress(StateUnavailable):  # the next delete tries again
            self._ns.state.compact([self._ns.base, GONE_KEPT])

    def clear(self) -> None:
        def clear() -> None:
            tx, base = current(), self._ns.base
            parts = [] if tx.is_wiped(self._parts) else tx.client.smembers(self._parts)
            for raw in parts:
                part = raw.decode()
                for key in self._order_key(part, False):
                    tx.op("del", key)
            for key in (self.key, self._order_key(None, True)[0], self._parts, self._live):
                tx.op("del", key)
            tx.op("del", base + "gone")
            meta = self._ns.meta()
            for field in ("count", "bytes", "dead"):
                meta[field] = b"0"
                tx.hset(self._ns.meta_key, field, 0)
            self._jobs(tx).clear()

        self._ns.atomically(clear)
