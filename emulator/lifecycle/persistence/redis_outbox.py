"""A namespace's webhook state in Redis, and the lease that makes each delivery go out once.

Subscriptions, the jobs watched for their next timed transition, how many of each job's events
were read, the deliveries pending and the delivery log are the namespace's keys, read and
written in the request's transaction like its jobs. Two workers that read the same new events
of a job cannot both queue their deliveries: the count of events read is checked at the commit.

Sending is not part of any transaction (it cannot be undone). A worker takes the namespace's
first due delivery with ``TAKE``, which leases it to that worker until the profile's timeout
(plus a margin) has passed on Redis's clock; the worker sends it, then ``finish`` removes it in
a transaction that checks the lease is still its own. While it is leased, no other worker takes
anything of that namespace, so its deliveries leave one at a time, in order, as from one
process. A worker killed mid-send leaves its lease to expire, and whichever worker looks next
takes the delivery over.

``RedisReceiver`` keeps what the built-in receiver got; ``SharedInFlight`` tells any worker's
receiver which message a delivery it got carries (the sender may be another worker).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from emulator.lifecycle.persistence.redis_tx import Transaction, current
from emulator.lifecycle.persistence.redis_values import LazyCounters, SharedSpace, StreamRandom
from emulator.lifecycle.webhooks.outbox import (
    JOB_SUBSCRIPTION,
    Attempt,
    Message,
    Pending,
    dropped_attempt,
)
from emulator.lifecycle.webhooks.signing import new_secret
from emulator.lifecycle.webhooks.subscriptions import Subscription

if TYPE_CHECKING:
    from emulator.lifecycle.persistence.redis_state import SharedState

__all__ = ["RedisOutbox", "RedisReceiver", "SharedInFlight"]

_LOG_LIMIT = 1000
_RECEIVED_LIMIT = 1000
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# The subscriptions hash's version field: every change bumps it, and the commit checks it.
_VERSION = "\x00v"


def _subscription(raw: bytes) -> Subscription:
    record = orjson.loads(raw)
    events = record["events"]
    return Subscription(
        record["id"],
        record["url"],
        record["secret"],
        None if events is None else frozenset(events),
        record["source"],
        record.get("job_id"),
        record.get("headers", {}),
    )


def _subscription_record(sub: Subscription) -> bytes:
    events = None if sub.events is None else sorted(sub.events)
    record: dict[str, Any] = {
        "id": sub.id,
        "url": sub.url,
        "secret": sub.secret,
        "events": events,
        "source": sub.source,
    }
    if sub.job_id is not None:
        record.update(job_id=sub.job_id, headers=dict(sub.headers))
    return orjson.dumps(record)


def message_record(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "event": message.event,
        "job_id": message.job_id,
        "occurred_at": message.occurred_at,
        "payload": message.payload,
        "body": message.body.decode(),
    }


def message_from(record: dict[str, Any]) -> Message:
    return Message(
        record["id"],
        record["event"],
        record["job_id"],
        record["occurred_at"],
        record["payload"],
        record["body"].encode(),
    )


def _pending_record(pending: Pending) -> bytes:
    return orjson.dumps(
        {
            "due": pending.due,
            "seq": pending.seq,
            "subscription": pending.subscription,
            "message": message_record(pending.message),
            "attempt": pending.attempt,
            "fault": pending.fault,
            "held": pending.held,
        }
    )


def _pending(raw: bytes) -> Pending:
    record = orjson.loads(raw)
    return Pending(
        record["due"],
        record["seq"],
        record["subscription"],
        message_from(record["message"]),
        record["attempt"],
        record["fault"],
        record["held"],
    )


def _member(seq: int) -> str:
    # Zero-padded: pending deliveries due at one instant go in the order they were queued.
    return f"{seq:012d}"


class _Subscriptions(dict[str, Subscription]):
    """The namespace's subscriptions for one transaction: written back if changed, checked by
    the hash's version."""

    def __init__(self, tx: Transaction, key: str, raw: dict[str, bytes]) -> None:
        self._version = raw.pop(_VERSION, None)
        super().__init__({k: _subscription(v) for k, v in raw.items()})
        self._loaded = dict(raw)
        tx.expect(key, _VERSION, self._version)
        tx.before_commit(lambda: self._write(tx, key))

    def _write(self, tx: Transaction, key: str) -> None:
        now = {k: _subscription_record(v) for k, v in self.items()}
        if now == self._loaded:
            return
        for k in self._loaded.keys() - now.keys():
            tx.hdel(key, k)
        for k, raw in now.items():
            if self._loaded.get(k) != raw:
                tx.hset(key, k, raw)
        tx.hset(key, _VERSION, int(self._version or 0) + 1)


class _JobSubscriptions(Mapping[str, Subscription]):
    """Receivers create requests named, by job id: each read once per transaction, by the job,
    and checked at the commit like a job."""

    def __init__(self, ns: SharedSpace, key: str) -> None:
        self._ns, self._key = ns, key

    def __getitem__(self, job_id: str) -> Subscription:
        def read() -> bytes | None:
            self._ns.meta()
            return current().hget(self._key, job_id)

        raw = self._ns.atomically(read)
        if raw is None:
            raise KeyError(job_id)
        return _subscription(raw)

    def __iter__(self) -> Iterator[str]:
        def keys() -> list[str]:
            tx = current()
            self._ns.meta()
            raw = [] if tx.is_wiped(self._key) else tx.client.hkeys(self._key)
            return [k.decode() for k in raw]

        return iter(self._ns.atomically(keys))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _ScenarioCounters(dict[str, dict[int, int]]):
    """Per scenario, the delivery faults' counters (``setdefault`` hands out lazy ones)."""

    def __init__(self, ns: SharedSpace, prefix: str) -> None:
        super().__init__()
        self._ns, self._prefix = ns, prefix

    def setdefault(self, key: str, default: Any = None) -> dict[int, int]:
        if key not in self:
            tx = current()
            self[key] = LazyCounters(tx, self._ns.counters_key, f"{self._prefix}{key}\x1f")
        return self[key]


class RedisOutbox:
    """``OutboxStorage`` on Redis for one namespace (see the module docstring)."""

    def __init__(self, ns: SharedSpace) -> None:
        self._ns = ns
        base = ns.base
        self._subs, self._pending, self._records = base + "subs", base + "pending", base + "pmsg"
        self._leases, self._watch, self._seen = base + "lease", base + "watch", base + "seen"
        self._log, self._job_subs = base + "log", base + "jobsubs"
        self.rng = StreamRandom(ns, "hookdraws", f"{ns.state.seed}:{ns.name}:webhooks")
        # Leases this process holds, by member: what ``finish`` checks it still holds.
        self._held: dict[str, bytes] = {}

    # -- per-transaction views ----------------------------------------------------------------

    def prime(self, tx: Transaction, raw: dict[str, bytes]) -> None:
        """The subscriptions as a prefetch read them."""
        if ("subs", self._ns.base) not in tx.objects:
            tx.objects[("subs", self._ns.base)] = _Subscriptions(tx, self._subs, raw)

    @property
    def subscriptions(self) -> dict[str, Subscription]:
        def load() -> dict[str, Subscription]:
            tx = current()
            found: dict[str, Subscription] | None = tx.objects.get(("subs", self._ns.base))
            if found is None:
                self._ns.meta()
                raw = {} if tx.is_wiped(self._subs) else tx.client.hgetall(self._subs)
                self.prime(tx, {k.decode(): v for k, v in raw.items()})
                found = tx.objects[("subs", self._ns.base)]
            return found

        return self._ns.atomically(load)

    @property
    def job_subscriptions(self) -> Mapping[str, Subscription]:
        return _JobSubscriptions(self._ns, self._job_subs)

    def subscription(self, sub_id: str) -> Subscription | None:
        """A subscription by id, a job's own (``job:<id>``) included."""
        if sub_id.startswith(JOB_SUBSCRIPTION):
            return self.job_subscriptions.get(sub_id.removeprefix(JOB_SUBSCRIPTION))
        return self.subscriptions.get(sub_id)

    def request_secret(self) -> str:
        """The namespace's secret for receivers create requests name, made by whichever
        worker needs it first (two that race: the commit keeps one, the other runs again)."""

        def secret() -> str:
            self._ns.meta()
            tx = current()
            raw = tx.hget(self._ns.counters_key, "request_secret")
            if raw is not None:
                return raw.decode()
            made = new_secret(self.rng)
            tx.hset(self._ns.counters_key, "request_secret", made)
            return made

        return self._ns.atomically(secret)

    @property
    def seen(self) -> dict[str, int]:
        return self._counters("seen", self._seen, "")

    @property
    def fault_counts(self) -> dict[str, dict[int, int]]:
        return self._scenario_counters("wf:")

    @property
    def fault_fired(self) -> dict[str, dict[int, int]]:
        return self._scenario_counters("wF:")

    def _counters(self, name: str, key: str, prefix: str) -> dict[str, int]:
        tx = current()
        found: dict[str, int] | None = tx.objects.get((name, self._ns.base))
        if found is None:
            self._ns.meta()
            found = tx.objects[(name, self._ns.base)] = LazyCounters(tx, key, prefix)
        return found

    def _scenario_counters(self, prefix: str) -> dict[str, dict[int, int]]:
        tx = current()
        found: dict[str, dict[int, int]] | None = tx.objects.get((prefix, self._ns.base))
        if found is None:
            self._ns.meta()
            found = tx.objects[(prefix, self._ns.base)] = _ScenarioCounters(self._ns, prefix)
        return found

    # -- queueing -----------------------------------------------------------------------------

    def subscribe(self, subscription: Subscription) -> None:
        def subscribe() -> None:
            if subscription.job_id is None:
                self.subscriptions[subscription.id] = subscription
            else:
                self._ns.meta()
                record = _subscription_record(subscription)
                current().hset(self._job_subs, subscription.job_id, record)

        self._ns.atomically(subscribe)

    def _active(self, tx: Transaction) -> None:
        tx.op("sadd", self._ns.state.key("hooks"), self._ns.name)

    def watch(self, job_id: str, due: float) -> None:
        def watch() -> None:
            tx = current()
            seq = self._ns.count_up("pseq")
            tx.op("zadd", self._watch, repr(due), f"{_member(seq)}:{job_id}")
            self._active(tx)

        self._ns.atomically(watch)

    def due_jobs(self, now: float) -> list[str]:
        """Watched jobs due by ``now``; the commit checks no other worker took them first."""

        def due() -> list[str]:
            tx = current()
            self._ns.meta()
            if tx.is_wiped(self._watch):
                return []
            found = tx.client.zrangebyscore(self._watch, "-inf", repr(now))
            out = []
            for member in found:
                text = member.decode()
                tx.expect_member(self._watch, text)
                tx.op("zrem", self._watch, text)
                out.append(text.split(":", 1)[1])
            return list(dict.fromkeys(out))

        return self._ns.atomically(due)

    def push(self, pending: Pending) -> None:
        def push() -> None:
            tx = current()
            pending.seq = self._ns.count_up("pseq")
            member = _member(pending.seq)
            tx.hset(self._records, member, _pending_record(pending))
            tx.op("zadd", self._pending, repr(pending.due), member)
            self._active(tx)

        self._ns.atomically(push)

    def new_id(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice(_ALPHABET) for _ in range(24))

    # -- delivering ---------------------------------------------------------------------------

    def pop_due(self, now: float) -> Pending | None:
        """Lease the first delivery due by ``now``, unless another worker holds it (then the
        namespace's later deliveries wait for it, in order, as in one process)."""
        state = self._ns.state
        lease_ms = int(state.webhook_lease * 1000)
        taken = state.take([self._ns.base, state.worker, lease_ms, repr(now)])
        if not taken:
            return None
        member, raw, lease = taken
        self._held[member.decode()] = lease
        return _pending(raw)

    def finish(self, pending: Pending) -> None:
        """Remove the delivery, if this worker's lease on it still holds (else its new holder
        has it)."""

        def finish() -> None:
            tx = current()
            member = _member(pending.seq)
            lease = self._held.get(member)
            if lease is None or tx.hget(self._leases, member) != lease:
                return
            tx.op("zrem", self._pending, member)
            tx.hdel(self._records, member)
            tx.hdel(self._leases, member)

        self._ns.atomically(finish)
        self._held.pop(_member(pending.seq), None)

    def due_elsewhere(self, now: float) -> bool:
        def due() -> bool:
            tx = current()
            if tx.is_wiped(self._pending):
                return False
            return bool(tx.client.zcount(self._pending, "-inf", repr(now)))

        return self._ns.atomically(due)

    def release_held(self, subscription: str, at: float, sent: Pending) -> None:
        def release() -> None:
            tx = current()
            for item in self._all(tx):
                if item.held and item.subscription == subscription and item.seq < sent.seq:
                    old = _member(item.seq)
                    tx.op("zrem", self._pending, old)
                    tx.hdel(self._records, old)
                    item.held, item.due = False, at
                    self.push(item)

        self._ns.atomically(release)

    def _all(self, tx: Transaction) -> list[Pending]:
        self._ns.meta()
        if tx.is_wiped(self._records):
            return []
        return sorted(_pending(raw) for raw in tx.client.hvals(self._records))

    def next_due(self) -> float | None:
        def next_due() -> float | None:
            tx = current()
            self._ns.meta()
            if tx.is_wiped(self._pending):
                return None
            times = [
                score
                for key in (self._pending, self._watch)
                for _, score in tx.client.zrange(key, 0, 0, withscores=True)
            ]
            return min(times) if times else None

        return self._ns.atomically(next_due)

    def pending(self) -> list[Pending]:
        return self._ns.atomically(lambda: self._all(current()))

    # -- the log ------------------------------------------------------------------------------

    @property
    def log(self) -> deque[Attempt]:
        def read() -> deque[Attempt]:
            tx = current()
            self._ns.meta()
            raw = [] if tx.is_wiped(self._log) else tx.client.lrange(self._log, 0, -1)
            return deque((Attempt(**orjson.loads(item)) for item in raw), maxlen=_LOG_LIMIT)

        return self._ns.atomically(read)

    def record(self, attempt: Attempt) -> None:
        self._ns.atomically(
            lambda: current().op("rpush", self._log, orjson.dumps(attempt.as_dict()), _LOG_LIMIT)
        )

    def record_dropped(self, subscription: str, message: Message) -> None:
        self.record(dropped_attempt(subscription, message))

    def forget_job(self, job_id: str) -> None:
        def forget() -> None:
            self.seen.pop(job_id, None)
            current().hdel(self._job_subs, job_id)

        self._ns.atomically(forget)


class _ReceivedLog:
    """What the built-in receiver got, oldest first (the last ``_RECEIVED_LIMIT``)."""

    def __init__(self, ns: SharedSpace) -> None:
        self._ns, self._key = ns, ns.base + "received"

    def append(self, item: dict[str, Any]) -> None:
        self._ns.atomically(
            lambda: current().op("rpush", self._key, orjson.dumps(item), _RECEIVED_LIMIT)
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            tx = current()
            self._ns.meta()
            raw = [] if tx.is_wiped(self._key) else tx.client.lrange(self._key, 0, -1)
            return [orjson.loads(item) for item in raw]

        return iter(self._ns.atomically(read))


class RedisReceiver:
    """The built-in receiver's state for one namespace: what it got, and the statuses it was
    told to answer next (read and written back in the request's transaction)."""

    def __init__(self, ns: SharedSpace) -> None:
        self._ns = ns
        self.received = _ReceivedLog(ns)
        self._key = ns.base + "statuses"

    @property
    def statuses(self) -> deque[int]:
        def load() -> deque[int]:
            tx = current()
            found: deque[int] | None = tx.objects.get(("statuses", self._ns.base))
            if found is None:
                self._ns.meta()
                raw = tx.hget(self._ns.counters_key, "statuses")
                loaded = [] if raw is None else orjson.loads(raw)
                window = found = tx.objects[("statuses", self._ns.base)] = deque(loaded)

                def write_back() -> None:
                    if list(window) != loaded:
                        tx.hset(self._ns.counters_key, "statuses", orjson.dumps(list(window)))

                tx.before_commit(write_back)
            return found

        return self._ns.atomically(load)

    @statuses.setter
    def statuses(self, statuses: deque[int]) -> None:
        def store() -> None:
            current = self.statuses
            current.clear()
            current.extend(statuses)

        self._ns.atomically(store)


class SharedInFlight:
    """Deliveries being sent, by body, for whichever worker's receiver gets them."""

    TTL = 300

    def __init__(self, state: SharedState) -> None:
        self._state = state

    def _key(self, body: bytes) -> str:
        return self._state.key("inflight:" + hashlib.sha256(body).hexdigest())

    def __setitem__(self, body: bytes, message: Message) -> None:
        record = orjson.dumps(message_record(message))
        self._state.client.set(self._key(body), record, ex=self.TTL)

    def pop(self, body: bytes, default: None = None, /) -> Message | None:
        self._state.client.delete(self._key(body))
        return default

    def get(self, body: bytes, /) -> Message | None:
        raw = self._state.client.get(self._key(body))
        return None if raw is None else message_from(orjson.loads(raw))
