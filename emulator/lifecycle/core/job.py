"""A job as the emulator stores it: where it is in its scenario, and what it has been through.

Jobs are frozen values; every change makes a new one, so the store swaps them atomically and a
reader never sees half an update. The one exception is the poll counter: a poll that does not
move the job bumps it in place, under the store's lock (see ``Job.count_poll``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from emulator.lifecycle.core.scenario import State
from emulator.speed.compact_json import compact_json
from emulator.speed.memo import SizedMemo
from emulator.speed.readonly import freeze
from emulator.speed.slotted import quick_init, slot_copier

__all__ = ["Event", "Job", "decode_request", "encode_request"]

_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a job: ``create``, ``retry`` or ``status:<name>``."""

    at: float
    name: str
    # Shared and read-only: most events carry nothing, and there are millions of them.
    variables: Mapping[str, Any] = field(default_factory=lambda: _NOTHING)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    scenario: str
    # The create request ({"body": ..., "path": {...}, "query": {...}}) as compact JSON: kept
    # parsed, it would be most of a job's memory; ``request`` decodes it when a view needs it.
    request_json: bytes
    created_at: float
    updated_at: float
    entered_at: float
    attempt: int = 0
    state_index: int = 0
    polls: int = 0
    # A state imposed from outside the script: a cancel, or a test forcing a status.
    override: State | None = None
    started_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    attempt_count: int = 0
    last_attempt_at: float | None = None
    last_failure_code: str | None = None
    cancel_requested: bool = False
    # The name of the operation that asked for the cancel, when the profile binds several.
    cancelled_by: str | None = None
    revision: int = 0
    events: tuple[Event, ...] = ()
    partition: str | None = None
    # The client's name for a job whose names are unique within its partition only: its
    # ``id`` is then ``<partition>/<name>``, one key for the store. None: the id is the name.
    name: str | None = None

    @property
    def request(self) -> Mapping[str, Any]:
        return decode_request(self.request_json)

    def evolve(self, **changes: Any) -> Job:
        """This job with ``changes``: ``dataclasses.replace`` in a quarter of its time (see
        ``slotted``)."""
        new = _copy(self)
        for name, value in changes.items():
            object.__setattr__(new, name, value)
        return new

    def polled(self) -> Job:
        """A copy of this job with one more poll (the pure form of ``count_poll``)."""
        return self.evolve(polls=self.polls + 1)

    def count_poll(self) -> Job:
        """Count one more poll, in place, and return this same job.

        The one change every poll makes, so it makes no new job: a new value per poll would
        be one more object promoted to the collector's oldest generation per request, and the
        job's identity would change when nothing a client sees did. Views never show
        ``polls``, so a view rendered from this job stays right (``ViewCache`` relies on it).
        Call it only on the stored job, inside ``JobStore.update``.
        """
        object.__setattr__(self, "polls", self.polls + 1)
        return self


quick_init(Event)
quick_init(Job)
_copy = slot_copier(Job)


# Create requests repeat (a test creates its jobs from one body): equal JSON is kept once, up
# to a bound, so a namespace of 100k alike jobs holds one copy, not 100k (~140 bytes each).
SHARED = SizedMemo[bytes, bytes](4096, 4 << 20)


def encode_request(request: Mapping[str, Any]) -> bytes:
    raw = compact_json(request, default=str)
    shared = SHARED.get(raw)
    if shared is None:
        SHARED.put(raw, raw, len(raw) + 100)
        return raw
    return shared


# A parsed request takes a few times its JSON's bytes.
DECODED = SizedMemo[bytes, Mapping[str, Any]](4096, 4 << 20)


def decode_request(raw: bytes) -> Mapping[str, Any]:
    """The request ``raw`` holds, shared by every job created with it: read-only all the way
    down (a polled job renders the same request over and over, so it is decoded once)."""
    decoded = DECODED.get(raw)
    if decoded is None:
        decoded = freeze(json.loads(raw))
        DECODED.put(raw, decoded, 4 * len(raw) + 200)
    return decoded
