"""A scenario scripts one job's life: attempts of states, faults, and jobs to seed.

Each retry starts the next attempt; past the last one, the last attempt plays again. A state
lasts a number of polls, a number of seconds on the emulator's clock, or until an event
(whichever comes first); a state with no duration ends its attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.lifecycle.webhooks.subscriptions import DeliveryFault, Subscription
from emulator.speed.readonly import freeze

__all__ = [
    "Duration",
    "Fault",
    "Scenario",
    "SeedJob",
    "State",
]


@dataclass(frozen=True, slots=True)
class Duration:
    polls: int | None = None
    seconds: float | None = None
    until: Literal["cancel"] | None = None


@dataclass(frozen=True, slots=True)
class State:
    """What a job shows while in this state; ``error``/``result``/``fields`` feed the views.

    Every job of the scenario shares them, and views may hand them out as they are: they are
    made read-only (``speed.readonly.freeze``) when the state is.
    """

    status: str
    duration: Duration | None = None
    error: Any = None
    result: Any = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    # Ways out besides ``duration``: an event (``cancel``) and the index of the state it leads to.
    exits: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("error", "result", "fields"):
            object.__setattr__(self, name, freeze(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class Attempt:
    states: tuple[State, ...]
    # What a cancel of a running (not immediately cancellable) job does: stop at the end of
    # the current state, or let the attempt finish as scripted.
    on_cancel: Literal["stop", "finish"] = "stop"


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted misbehaviour on requests for an operation (an action name or an op key)."""

    operation: str
    nth: int | None = None
    every: int | None = None
    probability: float | None = None
    times: int | None = None
    status: int | None = None
    kind: str | None = None
    # A template of the answer's body, filled like a view (see ``emulator.http.pipeline``);
    # ``body_given`` tells ``body: null`` (no body at all) from no ``body`` key.
    body: Any = None
    body_given: bool = False
    # Breaks the spec on purpose: the load check does not hold its answer to the spec.
    off_spec: bool = False
    merge: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0
    drop: bool = False
    commit: bool = False
    scope: Literal["job", "namespace"] = "job"
    pointer: str = ""

    def __post_init__(self) -> None:
        # Served as the answer's body by every request the fault fires on.
        object.__setattr__(self, "body", freeze(self.body))
        object.__setattr__(self, "merge", freeze(self.merge))


@dataclass(frozen=True, slots=True)
class SeedJob:
    id: str
    attempt: int = 0
    state: int = 0
    request: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """Request fields (dotted paths) and the values they must equal."""

    body: Mapping[str, Any] = field(default_factory=dict)
    path: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.body or self.path or self.query)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    file: str
    description: str
    attempts: tuple[Attempt, ...]
    match: Match = field(default_factory=Match)
    faults: tuple[Fault, ...] = ()
    seed_jobs: tuple[SeedJob, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    webhook_faults: tuple[DeliveryFault, ...] = ()

    def attempt(self, index: int) -> Attempt:
        return self.attempts[min(index, len(self.attempts) - 1)]

    def state(self, attempt: int, index: int) -> State:
        states = self.attempt(attempt).states
        return states[min(index, len(states) - 1)]
