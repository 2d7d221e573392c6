"""One namespace's webhook state: subscriptions, jobs to watch, deliveries due, and the log.

Everything is keyed on the namespace's clock: a pending delivery is due at an instant, a
watched job at the instant its next timed transition falls. The HTTP layer pops what is due
and reports each attempt back; nothing here sends anything.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from emulator.lifecycle.webhooks.signing import new_secret
from emulator.lifecycle.webhooks.subscriptions import Subscription

__all__ = [
    "JOB_SUBSCRIPTION",
    "Attempt",
    "Message",
    "Outbox",
    "OutboxStorage",
    "Pending",
    "dropped_attempt",
]

# The id of the subscription a create request named, before its job's id.
JOB_SUBSCRIPTION = "job:"

_LOG_LIMIT = 1000
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True, slots=True)
class Message:
    """One event occurrence for one subscription; duplicates and retries share its ``id``."""

    id: str
    event: str
    job_id: str
    occurred_at: float
    payload: Any
    body: bytes


@dataclass(order=True, slots=True)
class Pending:
    due: float
    seq: int
    subscription: str = field(compare=False)
    message: Message = field(compare=False)
    attempt: int = field(default=1, compare=False)
    # ``bad_signature`` / ``expired_timestamp`` / ``duplicate`` / ``reorder``, when scripted.
    fault: str | None = field(default=None, compare=False)
    held: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at one delivery, as the delivery log shows it."""

    subscription: str
    message_id: str
    event: str
    job_id: str
    attempt: int
    at: float
    outcome: str  # delivered, failed, refused, dropped, invalid
    status: int | None = None
    error: str | None = None
    fault: str | None = None
    next_at: float | None = None

    def with_next(self, at: float) -> Attempt:
        return replace(self, next_at=at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "message_id": self.message_id,
            "event": self.event,
            "job_id": self.job_id,
            "attempt": self.attempt,
            "at": self.at,
            "outcome": self.outcome,
            "status": self.status,
            "error": self.error,
            "fault": self.fault,
            "next_at": self.next_at,
        }


class OutboxStorage(Protocol):
    """One namespace's webhook state, as the scheduler and the control plane use it: ``Outbox``
    in memory, or shared by every worker (``persistence.redis_outbox``), where taking a due
    delivery leases it to one worker until ``finish``."""

    @property
    def rng(self) -> random.Random: ...

    @property
    def subscriptions(self) -> dict[str, Subscription]: ...

    @property
    def job_subscriptions(self) -> Mapping[str, Subscription]:
        """Receivers a create request named, by job id."""

    @property
    def seen(self) -> dict[str, int]:
        """How many of each job's events have been read for webhooks already."""

    @property
    def fault_counts(self) -> dict[str, dict[int, int]]: ...

    @property
    def fault_fired(self) -> dict[str, dict[int, int]]: ...

    @property
    def log(self) -> deque[Attempt]: ...

    def subscribe(self, subscription: Subscription) -> None: ...

    def subscription(self, sub_id: str) -> Subscription | None: ...

    def request_secret(self) -> str: ...

    def watch(self, job_id: str, due: float) -> None: ...

    def due_jobs(self, now: float) -> list[str]: ...

    def push(self, pending: Pending) -> None: ...

    def new_id(self, prefix: str) -> str: ...

    def pop_due(self, now: float) -> Pending | None: ...

    def finish(self, pending: Pending) -> None:
        """The delivery ``pop_due`` handed out is done with (sent, refused, or given up)."""

    def due_elsewhere(self, now: float) -> bool:
        """Whether deliveries due by ``now`` are being sent by another worker right now."""

    def release_held(self, subscription: str, at: float, sent: Pending) -> None: ...

    def next_due(self) -> float | None: ...

    def pending(self) -> list[Pending]: ...

    def record(self, attempt: Attempt) -> None: ...

    def record_dropped(self, subscription: str, message: Message) -> None: ...

    def forget_job(self, job_id: str) -> None: ...


class Outbox:
    def __init__(self, rng: random.Random) -> None:
        # Seeded per namespace: message ids, secrets and fault dice do not touch job ids.
        self.rng = rng
        self.subscriptions: dict[str, Subscription] = {}
        # Receivers a create request named, by job id: each hears of its own job only.
        self.job_subscriptions: dict[str, Subscription] = {}
        self._request_secret: str | None = None
        self._pending: list[Pending] = []
        # (due, order watched, job id): jobs due at one instant fire in the order they came.
        self._watch: list[tuple[float, int, str]] = []
        # How many of each job's events have been read for webhooks already.
        self.seen: dict[str, int] = {}
        self._log: deque[Attempt] = deque(maxlen=_LOG_LIMIT)
        # Per scenario: how many deliveries each of its faults saw, and how often it fired.
        self.fault_counts: dict[str, dict[int, int]] = {}
        self.fault_fired: dict[str, dict[int, int]] = {}
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def log(self) -> deque[Attempt]:
        return self._log

    def subscribe(self, subscription: Subscription) -> None:
        if subscription.job_id is not None:
            self.job_subscriptions[subscription.job_id] = subscription
        else:
            self.subscriptions[subscription.id] = subscription

    def subscription(self, sub_id: str) -> Subscription | None:
        """A subscription by id, a job's own (``job:<id>``) included."""
        if sub_id.startswith(JOB_SUBSCRIPTION):
            return self.job_subscriptions.get(sub_id.removeprefix(JOB_SUBSCRIPTION))
        return self.subscriptions.get(sub_id)

    def request_secret(self) -> str:
        """The secret that signs deliveries to receivers create requests name: one per
        namespace, as a provider signs with one key per account."""
        if self._request_secret is None:
            self._request_secret = new_secret(self.rng)
        return self._request_secret

    def watch(self, job_id: str, due: float) -> None:
        with self._lock:
            heapq.heappush(self._watch, (due, next(self._seq), job_id))

    def due_jobs(self, now: float) -> list[str]:
        """Watched jobs whose next transition is due by ``now`` (each handed out once)."""
        out = []
        with self._lock:
            while self._watch and self._watch[0][0] <= now:
                out.append(heapq.heappop(self._watch)[2])
        return list(dict.fromkeys(out))

    def push(self, pending: Pending) -> None:
        with self._lock:
            pending.seq = next(self._seq)
            heapq.heappush(self._pending, pending)

    def new_id(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice(_ALPHABET) for _ in range(24))

    def pop_due(self, now: float) -> Pending | None:
        with self._lock:
            if self._pending and self._pending[0].due <= now:
                return heapq.heappop(self._pending)
            return None

    def finish(self, pending: Pending) -> None:
        """Nothing to do: ``pop_due`` took it off the queue already."""

    def due_elsewhere(self, now: float) -> bool:
        return False

    def release_held(self, subscription: str, at: float, sent: Pending) -> None:
        """A reordered delivery goes right after the next one queued after it, once sent."""
        with self._lock:
            for item in self._pending:
                if item.held and item.subscription == subscription and item.seq < sent.seq:
                    item.held, item.due, item.seq = False, at, next(self._seq)
            heapq.heapify(self._pending)

    def next_due(self) -> float | None:
        with self._lock:
            times = [self._pending[0].due] if self._pending else []
            if self._watch:
                times.append(self._watch[0][0])
        return min(times) if times else None

    def pending(self) -> list[Pending]:
        with self._lock:
            return sorted(self._pending)

    def record(self, attempt: Attempt) -> None:
        self._log.append(attempt)

    def record_dropped(self, subscription: str, message: Message) -> None:
        """A scripted drop: logged, never sent."""
        self._log.append(dropped_attempt(subscription, message))

    def forget_job(self, job_id: str) -> None:
        self.seen.pop(job_id, None)
        self.job_subscriptions.pop(job_id, None)


def dropped_attempt(subscription: str, message: Message) -> Attempt:
    """What the log shows of a delivery a scripted ``drop`` kept from being sent."""
    at = message.occurred_at
    return Attempt(
        subscription, message.id, message.event, message.job_id, 1, at, "dropped", fault="drop"
    )
