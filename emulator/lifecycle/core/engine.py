"""The lifecycle engine: pure functions from (job, scenario, now, event) to the next job.

Nothing here reads a clock, touches HTTP or holds a lock: lifecycles are evaluated lazily when
a job is read (moto's habit), so there are no timers and no background tasks, and a test that
moves the clock moves every job with it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.lifecycle.core.job import Event, Job, encode_request
from emulator.lifecycle.core.scenario import Scenario, State

__all__ = [
    "MAX_EVENTS",
    "Rules",
    "append_event",
    "cancel",
    "current",
    "force",
    "next_change",
    "observe",
    "retry_in_place",
    "signal",
    "start",
]

# A job's history is its first event (the create) and the latest ones: a client may retry one
# job without end, and an unbounded history would grow its memory, and the copy each new
# event makes of it, with every retry.
MAX_EVENTS = 256


@dataclass(frozen=True, slots=True)
class Rules:
    """The parts of a profile the engine needs: which statuses mean what."""

    started: frozenset[str]
    terminal: frozenset[str]
    failed: frozenset[str]
    cancelled: str = "cancelled"
    expires_after: float | None = None
    # The state a cancel ends in, by the name of the operation that asked (None: the profile's
    # ``cancel``); a name not here ends in the plain ``cancelled`` status.
    cancel_states: Mapping[str | None, State] = field(default_factory=dict)


def current(job: Job, scenario: Scenario) -> State:
    """The state the job shows now (call ``observe`` first to bring it up to date)."""
    return job.override or scenario.state(job.attempt, job.state_index)


def start(
    job_id: str,
    scenario: Scenario,
    request: Mapping[str, Any],
    now: float,
    rules: Rules,
    *,
    attempt: int = 0,
    state_index: int = 0,
    revision: int = 0,
    partition: str | None = None,
    name: str | None = None,
) -> Job:
    """A new job entering its scenario's first state (or a seeded one) at ``now``."""
    job = Job(
        id=job_id,
        scenario=scenario.name,
        request_json=encode_request(request),
        created_at=now,
        updated_at=now,
        entered_at=now,
        attempt=attempt,
        revision=revision,
        partition=partition,
        name=name,
        expires_at=_expiry(now, rules),
        events=(Event(now, "create"),),
    )
    for index in range(state_index + 1):
        job = _enter(job, scenario.state(attempt, index), index, now, rules, polls=0)
    return job


def observe(
    job: Job, scenario: Scenario, now: float, rules: Rules, *, poll: bool, in_place: bool = False
) -> Job:
    """Bring ``job`` up to ``now``; a poll counts as one observation of the state it sees.

    ``in_place``: count the poll on ``job`` itself (``Job.count_poll``), for the store's own
    job under its lock; otherwise ``job`` is left as it was.
    """
    if poll:
        job = job.count_poll() if in_place else job.polled()
    while job.override is None:
        state = scenario.state(job.attempt, job.state_index)
        limit = state.duration
        if limit is None or job.state_index >= len(scenario.attempt(job.attempt).states) - 1:
            break
        by_time = limit.seconds is not None and now >= job.entered_at + limit.seconds
        by_polls = limit.polls is not None and job.polls > limit.polls
        if not (by_time or by_polls):
            break
        at = job.entered_at + limit.seconds if by_time and limit.seconds is not None else now
        if job.cancel_requested and scenario.attempt(job.attempt).on_cancel == "stop":
            return _cancelled(job, at, rules, polls=1 if poll else 0)
        nxt = job.state_index + 1
        job = _enter(job, scenario.state(job.attempt, nxt), nxt, at, rules, polls=1 if poll else 0)
    return job


def next_change(job: Job, scenario: Scenario) -> float | None:
    """When the job's current state ends by time, if it does: the instant of its next
    transition on the clock (``observe`` it first). None when only a poll, an event or
    nothing at all ends it."""
    if job.override is not None:
        return None
    states = scenario.attempt(job.attempt).states
    if job.state_index >= len(states) - 1:
        return None
    duration = scenario.state(job.attempt, job.state_index).duration
    if duration is None or duration.seconds is None:
        return None
    return job.entered_at + duration.seconds


def retry_in_place(job: Job, scenario: Scenario, now: float, rules: Rules) -> Job:
    """Reset the job to the first state of its next attempt, keeping its id and history."""
    attempt = job.attempt + 1
    reset = job.evolve(
        attempt=attempt,
        override=None,
        cancel_requested=False,
        cancelled_by=None,
        started_at=None,
        completed_at=None,
        expires_at=_expiry(now, rules),
        events=append_event(job.events, Event(now, "retry", {"new_id": job.id})),
    )
    return _enter(reset, scenario.state(attempt, 0), 0, now, rules, polls=0)


def cancel(
    job: Job,
    scenario: Scenario,
    now: float,
    rules: Rules,
    *,
    immediate: bool,
    by: str | None = None,
) -> Job:
    """Follow the state's exit for this cancel (``by``: the name of the operation that asked,
    else ``cancel``); else cancel now, or ask the running attempt to stop (``on_cancel`` decides
    how), ending in the state ``rules.cancel_states`` gives ``by``."""
    exits = {} if job.override else current(job, scenario).exits
    exit_to = exits.get(by) if by is not None and by in exits else exits.get("cancel")
    if exit_to is not None:
        # The script says where a cancel leads: ``on_cancel`` (for unscripted cancels) is moot.
        return _enter(job, scenario.state(job.attempt, exit_to), exit_to, now, rules, polls=0)
    if immediate:
        return _cancelled(job.evolve(cancel_requested=True, cancelled_by=by), now, rules, polls=0)
    job = job.evolve(cancel_requested=True, cancelled_by=by, updated_at=now)
    state = current(job, scenario)
    if state.duration is not None and state.duration.until == "cancel":
        nxt = job.state_index + 1
        return _enter(job, scenario.state(job.attempt, nxt), nxt, now, rules, polls=0)
    return job


def signal(job: Job, scenario: Scenario, now: float, rules: Rules, event: str) -> Job | None:
    """Follow the current state's exit named ``event`` (a scenario's ``on: {event: status}``);
    None when the state has no such way out."""
    exit_to = None if job.override else current(job, scenario).exits.get(event)
    if exit_to is None:
        return None
    return _enter(job, scenario.state(job.attempt, exit_to), exit_to, now, rules, polls=0)


def append_event(events: tuple[Event, ...], event: Event) -> tuple[Event, ...]:
    """``events`` and then ``event``, keeping the first and the latest ``MAX_EVENTS`` in all."""
    if len(events) < MAX_EVENTS:
        return (*events, event)
    return (events[0], *events[len(events) - MAX_EVENTS + 2 :], event)


def force(job: Job, state: State, now: float, rules: Rules) -> Job:
    """Impose ``state`` from outside the script (the control plane's 'force state')."""
    return _enter(job.evolve(override=state), state, job.state_index, now, rules, polls=0)


def _expiry(now: float, rules: Rules) -> float | None:
    return None if rules.expires_after is None else now + rules.expires_after


def _cancelled(job: Job, at: float, rules: Rules, *, polls: int) -> Job:
    state = rules.cancel_states.get(job.cancelled_by) or State(status=rules.cancelled)
    return _enter(job.evolve(override=state), state, job.state_index, at, rules, polls=polls)


def _enter(job: Job, state: State, index: int, at: float, rules: Rules, *, polls: int) -> Job:
    changes: dict[str, Any] = {"state_index": index, "entered_at": at, "updated_at": at}
    changes["polls"] = polls
    if state.status in rules.started and job.started_at is None:
        changes["started_at"] = at
        changes["attempt_count"] = job.attempt_count + 1
        changes["last_attempt_at"] = at
    if state.status in rules.terminal:
        changes["completed_at"] = at
    if state.status in rules.failed:
        code = state.error.get("code") if isinstance(state.error, Mapping) else None
        changes["last_failure_code"] = str(code) if code is not None else state.status
    previous = job.events[-1].name if job.events else ""
    # Interned: one name per status shared by every job's events, not ~70 bytes each.
    name = sys.intern(f"status:{state.status}")
    if previous != name:
        changes["events"] = append_event(job.events, Event(at, name, state.fields))
    return job.evolve(**changes)
