"""A namespace whose state lives in Redis, shared by every worker and host of a deployment.

``RedisNamespace`` is a handle: it keeps nothing of the namespace in the process. Its clock,
store, journal, outbox, counters and settings read and write through the current
``Transaction`` (``redis_tx``), so whatever worker serves a request sees what every other
worker committed before it, and what it changes is committed atomically before its answer
leaves. The engine, the actions and the HTTP layer use it as they use an in-memory
``Namespace``: the same attributes, the same protocols.

Keys: ``{prefix}ns:{length}:{name}:{suffix}`` (``redis_scripts.KEY_SUFFIXES``). The ``meta`` hash
holds the settings and counters: ``gen`` (the incarnation: a reset or a new namespace gets a new
one, and a request that read an older one runs again), ``manual``, ``clock`` (a manual clock's
time, or how far a real one was pushed), ``default``, ``rate``, ``revision``, ``draws`` (the
random stream), ``count``, ``bytes``, ``dead``, ``epoch`` (the store's) and ``j*`` (the journal's).

A real clock is Redis's clock (its ``TIME`` as the request began, plus the time the request has
taken since), so hosts whose own clocks differ still agree on every namespace's time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from emulator.errors import StateUnavailable
from emulator.lifecycle.core.clock import ManualClock
from emulator.lifecycle.core.eviction import (
    NAMESPACE_BYTES,
    REASONS,
    Eviction,
    Evictions,
    Reason,
)
from emulator.lifecycle.core.namespace import Namespace, Namespaces, RateLimit
from emulator.lifecycle.persistence.redis_journal import RedisJournal
from emulator.lifecycle.persistence.redis_outbox import RedisOutbox
from emulator.lifecycle.persistence.redis_recall import Remembered
from emulator.lifecycle.persistence.redis_state import SharedState
from emulator.lifecycle.persistence.redis_store import POLLS, RedisJobStore
from emulator.lifecycle.persistence.redis_tx import CURRENT, Transaction, current
from emulator.lifecycle.persistence.redis_values import LazyCounters, StreamRandom

__all__ = ["RedisNamespace", "SharedNamespaces"]

T = TypeVar("T")
# The fields of ``meta`` a request's answer depends on: what a commit on remembered values checks.
# The others are counters the commit script adds to, never read to decide anything.
_SETTINGS = ("gen", "manual", "clock", "default", "rate", "epoch")


def _pairs(flat: list[bytes]) -> dict[str, bytes]:
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


class SharedClock:
    """A namespace's clock as its ``meta`` says: manual, or Redis's time plus an offset."""

    def __init__(self, ns: RedisNamespace) -> None:
        self._ns = ns

    def now(self) -> float:
        return self._ns.atomically(self._now)

    def _now(self) -> float:
        ns = self._ns
        meta = ns.meta()
        if meta.get("manual") == b"1":
            return float(meta["clock"])
        began, monotonic = current().objects[("time", ns.base)]
        return float(began + (time.monotonic() - monotonic) + float(meta.get("clock", b"0")))

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by a negative amount ({seconds})")
        return self._ns.atomically(lambda: self._move(seconds))

    def set(self, instant: float) -> float:
        def jump() -> float:
            now = self._now()
            if instant < now:
                raise ValueError(f"cannot move the clock backwards ({instant} < {now})")
            return self._move(float(instant) - now)

        return self._ns.atomically(jump)

    def _move(self, seconds: float) -> float:
        ns, tx = self._ns, current()
        meta = ns.meta()
        kept = meta.get("clock", b"0")
        tx.expect(ns.meta_key, "clock", meta.get("clock"))  # two advances add up, never overlap
        moved = repr(float(kept) + seconds).encode()
        meta["clock"] = moved
        tx.hset(ns.meta_key, "clock", moved)
        return self._now()


class RedisNamespace(Namespace):
    """One namespace of a deployment, as this process reaches it (see the module docstring)."""

    def __init__(
        self,
        name: str,
        state: SharedState,
        on_create: Callable[[Namespace], None] | None = None,
    ) -> None:
        # Nothing of the base class's in-memory state: every attribute below reaches Redis.
        self.name = name
        self.state = state
        self.base = f"{state.prefix}ns:{len(name.encode())}:{name}:"
        self.meta_key = self.base + "meta"
        self.subs_key = self.base + "subs"
        self.counters_key = self.base + "counters"
        # Where a transaction keeps the ``meta`` hash it read.
        self.meta_slot = ("meta", self.base)
        self._on_create = on_create
        self.lock = threading.RLock()
        self.restored = False
        self.last_used = 0.0
        self.clock = SharedClock(self)
        self.jobs = RedisJobStore(self)
        self.store = self.jobs
        self.journal = RedisJournal(
            self, state.journal_limit, state.journal_bytes, state.journal_body
        )
        self.hooks = RedisOutbox(self)
        self.outbox = self.hooks
        self.rng = StreamRandom(self, "draws", f"{state.seed}:{name}")

    # -- transactions -------------------------------------------------------------------------

    def atomically(self, work: Callable[[], T]) -> T:
        if CURRENT.get() is not None:  # a part of the request's transaction
            return work()
        return self.state.run(work)

    async def begin(
        self, job_id: str | None = None, *, draw: bool = False, hooks: bool = False
    ) -> None:
        """Read what the request will need in one round trip, on the event loop (other
        requests are served meanwhile): the settings and clock, the job its path names, a draw
        of the random stream for a create, the webhook subscriptions. A job this worker's last
        commit left as it is now needs no read (``redis_recall``), nor does a rerun: the commit
        that failed read again for it."""
        tx = current()
        if self.meta_slot in tx.objects:
            return
        job = job_id or ""
        args = self._prefetch_args(tx, job, draw, hooks)
        tx.refetch = (self.base, job, args[3])
        if job:
            tx.after_commit(lambda: self._remember(tx, job, hooks))
        fresh = tx.memo.fresh.pop(self.base, None)
        if fresh is not None and args[2] == "0":
            self._primed(tx, args, fresh)
            return
        offered = None
        if job and not draw and tx.memo.runs == 1:
            offered = self.state.recall.offer(self.base, job, hooks)
        if offered is not None:
            self._recalled(tx, offered, job, hooks)
            return
        self._primed(tx, args, await self.state.prefetch_async(args))

    def meta(self) -> dict[str, bytes]:
        """The ``meta`` hash as this transaction sees it (made on first use of the namespace)."""
        tx = current()
        found: dict[str, bytes] | None = tx.objects.get(self.meta_slot)
        if found is None:
            found = self._load(tx, "", False, False)
        return found

    def _load(self, tx: Transaction, job_id: str, draw: bool, hooks: bool) -> dict[str, bytes]:
        args = self._prefetch_args(tx, job_id, draw, hooks)
        return self._primed(tx, args, self.state.prefetch(args))

    def _prefetch_args(self, tx: Transaction, job_id: str, draw: bool, hooks: bool) -> list[str]:
        draw = draw and not tx.memo.has((self.base, "draws"))
        return [self.base, job_id, "1" if draw else "0", "1" if hooks else "0"]

    def _primed(self, tx: Transaction, args: list[str], found: list[Any]) -> dict[str, bytes]:
        """The transaction given what ``PREFETCH`` read (the namespace made if it was not)."""
        job_id, hooks = args[1], args[3] == "1"
        flat, seconds, micros, job, polls, drawn, subs = found
        redis_now = int(seconds) + int(micros) / 1e6
        self.state.clock_offset = redis_now - time.time()
        tx.objects[("time", self.base)] = (redis_now, time.monotonic())
        return self._prime(tx, _pairs(flat), job_id, (job, polls), drawn, _pairs(subs), hooks)

    def _recalled(self, tx: Transaction, space: Remembered, job_id: str, hooks: bool) -> None:
        """The transaction given what this worker's last commit left (``redis_recall``): the
        commit checks every setting, as it checks the job, so nothing changed meanwhile is
        acted on. Redis's time is this host's plus the difference last measured."""
        meta = dict(space.meta)
        tx.objects[("time", self.base)] = (time.time() + self.state.clock_offset, time.monotonic())
        tx.recalled = tx.verify = True
        tx.expect_fields(self.meta_key, _SETTINGS, meta)
        subs = dict(space.subs) if space.subs is not None else {}
        self._prime(tx, meta, job_id, space.jobs[job_id], None, subs, hooks)

    def _prime(
        self,
        tx: Transaction,
        meta: dict[str, bytes],
        job_id: str,
        job: tuple[bytes | None, bytes | None],
        drawn: int | None,
        subs: dict[str, bytes],
        hooks: bool,
    ) -> dict[str, bytes]:
        generation = meta.get("gen")
        tx.memo.generation(self.base, generation)
        tx.expect(self.meta_key, "gen", generation)
        tx.last_before_commit(lambda: self._touch(tx))
        if generation is None:
            return self._create(tx)
        tx.objects[self.meta_slot] = meta
        if job_id:
            self.jobs.prime(tx, job_id, *job)
        if drawn is not None:
            tx.memo.offer((self.base, "draws"), int(drawn))
        if hooks:
            tx.objects[("subs as read", self.base)] = dict(subs)
            self.hooks.prime(tx, subs)
        return meta

    def _remember(self, tx: Transaction, job_id: str, hooks: bool) -> None:
        """After the commit: what it left of the namespace and the job, for the next request
        that names the job on this worker; nothing of a namespace it emptied, or whose
        webhook subscriptions it changed."""
        recall = self.state.recall
        meta: dict[str, bytes] | None = tx.objects.get(self.meta_slot)
        subs: dict[str, bytes] | None = tx.objects.get(("subs as read", self.base))
        changed = self.base in tx.wiped or (hooks and (subs is None or self.subs_key in tx.written))
        if meta is None or "gen" not in meta or changed:
            recall.forget(self.base)
            return
        job = (tx.seen(self.jobs.key, job_id), tx.seen(self.jobs.key, POLLS + job_id))
        recall.keep(self.base, meta, subs, job_id, job)

    def _create(self, tx: Transaction, manual: bool | None = None) -> dict[str, bytes]:
        """A new incarnation: what an expired one left is wiped, the seeds are planted."""
        generation = tx.memo.take(
            (self.base, "gen"), lambda: int(self.state.client.incr(self.state.key("gen")))
        )
        manual = self.state.manual_clock if manual is None else manual
        tx.wipe(self.base)
        meta = {
            "gen": str(generation).encode(),
            "manual": b"1" if manual else b"0",
            "clock": repr(ManualClock.DEFAULT_START if manual else 0.0).encode(),
            "epoch": b"0",
        }
        for field, value in meta.items():
            tx.hset(self.meta_key, field, value)
        tx.objects[self.meta_slot] = meta
        tx.objects.setdefault(("time", self.base), (time.time(), time.monotonic()))
        if self._on_create is not None:
            self._on_create(self)
        return meta

    def _touch(self, tx: Transaction) -> None:
        if tx.objects.get(("forgotten", self.base)):
            return
        ttl = 0 if self.name == "default" else int(self.state.limits.ttl * 1000)
        # The keys written expire with the namespace: none to name when it never expires.
        written = [key for key in tx.written if key.startswith(self.base)] if ttl > 0 else []
        tx.op("touch", self.state.names_key, self.name, self.base, ttl, len(written), *written)

    def count_up(self, field: str) -> int:
        """The next value of a counter of ``meta`` (draws, revision), taken at once and kept
        across reruns; in a namespace this very transaction made, counted in the commit."""
        tx = current()
        meta = self.meta()
        if self.base in tx.wiped:  # nobody else can see it before the commit
            value = int(meta.get(field, b"0")) + 1
            meta[field] = str(value).encode()
            tx.hset(self.meta_key, field, value)
            return value
        return tx.memo.take(
            (self.base, field),
            lambda: int(self.state.client.hincrby(self.meta_key, field, 1)),
        )

    def _set_meta(self, field: str, value: bytes | None) -> None:
        tx, meta = current(), self.meta()
        if value is None:
            meta.pop(field, None)
            tx.hdel(self.meta_key, field)
        else:
            meta[field] = value
            tx.hset(self.meta_key, field, value)

    # -- what the base class keeps in memory --------------------------------------------------

    @property
    def manual_clock(self) -> bool:
        return self.atomically(lambda: self.meta().get("manual") == b"1")

    @property
    def default_scenario(self) -> str | None:
        raw = self.atomically(lambda: self.meta().get("default"))
        return None if raw is None else raw.decode()

    @default_scenario.setter
    def default_scenario(self, name: str | None) -> None:
        self.atomically(lambda: self._set_meta("default", None if name is None else name.encode()))

    @property
    def rate_limit(self) -> RateLimit | None:
        raw = self.atomically(lambda: self.meta().get("rate"))
        if raw is None:
            return None
        requests, per = raw.decode().split()
        return RateLimit(int(requests), float(per))

    @rate_limit.setter
    def rate_limit(self, limit: RateLimit | None) -> None:
        value = None if limit is None else f"{limit.requests} {limit.per!r}".encode()
        self.atomically(lambda: self._set_meta("rate", value))

    @property
    def fault_counts(self) -> dict[tuple[str, ...], int]:
        return self._counters("f:")

    @fault_counts.setter
    def fault_counts(self, _: object) -> None:
        """Kept in Redis: nothing to set here."""

    @property
    def fault_fired(self) -> dict[tuple[str, ...], int]:
        return self._counters("F:")

    @fault_fired.setter
    def fault_fired(self, _: object) -> None:
        """Kept in Redis: nothing to set here."""

    def _counters(self, prefix: str) -> LazyCounters:
        tx = current()
        found: LazyCounters | None = tx.objects.get((prefix, self.base))
        if found is None:
            self.meta()
            found = tx.objects[(prefix, self.base)] = LazyCounters(tx, self.counters_key, prefix)
        return found

    @property
    def recent_requests(self) -> deque[float]:
        """The rate limit's window: read once per transaction, written back when changed."""
        tx = current()
        found: deque[float] | None = tx.objects.get(("window", self.base))
        if found is None:
            self.meta()
            raw = tx.hget(self.counters_key, "window")
            loaded = [] if raw is None else orjson.loads(raw)
            window = found = tx.objects[("window", self.base)] = deque(loaded)

            def write_back() -> None:
                if list(window) != loaded:
                    tx.hset(self.counters_key, "window", orjson.dumps(list(window)))

            tx.before_commit(write_back)
        return found

    @recent_requests.setter
    def recent_requests(self, _: object) -> None:
        """Kept in Redis: nothing to set here."""

    def next_revision(self) -> int:
        return self.atomically(lambda: self.count_up("revision"))

    def reset(self, *, manual_clock: bool | None = None) -> None:
        """A new incarnation, empty, its clock restarted (the caller plants the seeds)."""

        def reset() -> None:
            meta = self.meta()
            manual = (meta.get("manual") == b"1") if manual_clock is None else manual_clock
            on_create, self._on_create = self._on_create, None
            try:
                self._create(current(), manual)
            finally:
                self._on_create = on_create

        self.atomically(reset)

    def forget(self) -> None:
        def forget() -> None:
            tx = current()
            self.meta()
            tx.wipe(self.base)
            tx.objects[("forgotten", self.base)] = True
            tx.op("zrem", self.state.names_key, self.name)
            tx.op("srem", self.state.key("hooks"), self.name)

        self.atomically(forget)

    def nbytes(self) -> int:
        def weigh() -> int:
            meta = self.meta()
            held = sum(int(meta.get(f, b"0")) for f in ("bytes", "jbytes", "kbytes"))
            return NAMESPACE_BYTES + held

        return self.atomically(weigh)


class SharedEvictions(Evictions):
    """The deployment's eviction counts and its last evictions, as Redis keeps them."""

    def __init__(self, state: SharedState) -> None:
        super().__init__()
        self._state = state

    def _counts(self) -> dict[str, int]:
        raw = self._state.client.hgetall(self._state.key("evicted"))
        return {k.decode(): int(v) for k, v in raw.items()}

    @property
    def counts(self) -> dict[Reason, int]:
        found = self._counts()
        return {reason: found.get(reason, 0) for reason in REASONS}

    @counts.setter
    def counts(self, _: object) -> None:
        """The base class sets it; the counts are Redis's."""

    @property
    def freed(self) -> int:
        return self._counts().get("freed", 0)

    @freed.setter
    def freed(self, _: object) -> None:
        """The base class sets it; the count is Redis's."""

    @property
    def recent(self) -> deque[Eviction]:
        raw = self._state.client.lrange(self._state.key("evictions"), 0, -1)
        out: deque[Eviction] = deque(maxlen=1000)
        for item in raw:
            record = orjson.loads(item)
            out.append(Eviction(**record))
        return out

    @recent.setter
    def recent(self, _: object) -> None:
        """The base class sets it; the list is Redis's."""


class SharedNamespaces(Namespaces):
    """The deployment's namespaces: handles made on first use, the names and the eviction
    sweep in Redis (any worker may sweep; the script makes each eviction happen once)."""

    SWEEP = 1.0
    HANDLES = 4096

    def __init__(
        self, state: SharedState, on_create: Callable[[Namespace], None] | None = None
    ) -> None:
        super().__init__(self._handle, state.limits, on_create)
        self.state = state
        self.evictions = SharedEvictions(state)
        self._handles: OrderedDict[str, RedisNamespace] = OrderedDict()
        self._last: str | None = None

    def _handle(self, name: str) -> RedisNamespace:
        return RedisNamespace(name, self.state, self._created)

    def _created(self, ns: Namespace) -> None:
        if self._on_create is not None:
            self._on_create(ns)

    def _local(self, name: str) -> RedisNamespace:
        with self._lock:
            found = self._handles.get(name)
            if found is None:
                found = self._handles[name] = self._handle(name)
                while len(self._handles) > self.HANDLES:
                    self._handles.popitem(last=False)
            else:
                self._handles.move_to_end(name)
            return found

    def get(self, name: str) -> Namespace:
        now = self.monotonic()
        found = self._local(name)
        found.last_used = now
        self._last = name
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP
            with contextlib.suppress(StateUnavailable):  # the request itself will say so
                self.sweep(now)
        return found

    def _names(self) -> list[str]:
        raw = self.state.client.zrange(self.state.names_key, 0, -1)
        return [name.decode() for name in raw]

    def peek(self, name: str) -> Namespace | None:
        score = self.state.client.zscore(self.state.names_key, name)
        return None if score is None else self._local(name)

    def live(self) -> list[Namespace]:
        return [self._local(name) for name in self._names()]

    def names(self) -> list[str]:
        return sorted(self._names())

    def with_webhooks(self) -> list[Namespace]:
        """Namespaces with a delivery pending or a job watched, whichever worker queued it."""
        raw = self.state.active([self.state.prefix])
        return [self._local(name.decode()) for name in sorted(raw)]

    def __len__(self) -> int:
        return int(self.state.client.zcard(self.state.names_key))

    def free(self, name: str) -> bool:
        ns = self._local(name)

        def free() -> bool:
            existed = current().hget(ns.meta_key, "gen", check=False) is not None
            ns.forget()
            current().op("hincr", self.state.key("evicted"), "freed", 1)
            return existed

        return self.state.run(free)

    def nbytes(self) -> int:
        return int(self.state.weigh([self.state.prefix, NAMESPACE_BYTES]))

    def sweep(self, now: float | None = None) -> None:
        limits = self.limits
        if not (limits.ttl or limits.cap or limits.budget):
            return
        self.state.sweep(
            [
                self.state.prefix,
                int(limits.ttl * 1000),
                limits.cap,
                limits.budget,
                NAMESPACE_BYTES,
                self._last or "",
            ]
        )
