"""Where namespaces are kept when they must outlive the process: the backend protocol.

A job's state is not stored as such: it follows from the job record (its attempt, the state it
entered and when, its polls and events) and the namespace's clock, and the engine works it out
on every read. So a backend keeps only that truth: each namespace's job records, its clock, its
settings (default scenario, rate limit, revision counter) and its journal.

Without a state file there is no backend at all and nothing on the request path changes; with
one, ``durable`` writes through ``StateBackend`` before an answer leaves. ``statefile``
implements it with SQLite; a networked backend shared by several emulators would implement it
(and ``store.JobStorage``) the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.journal import Exchange

__all__ = ["NamespaceState", "Restored", "StateBackend"]


@dataclass(frozen=True, slots=True)
class NamespaceState:
    """A namespace's settings and clock: ``clock`` is a manual clock's time, or how far a real
    clock has been pushed ahead (its offset)."""

    manual_clock: bool
    clock: float
    default_scenario: str | None = None
    rate_limit: tuple[int, float] | None = None
    revision: int = 0
    # How many times the namespace has been restored: new ids are drawn from a fresh stream,
    # so a restart never hands out an id the namespace already used.
    restarts: int = 0


@dataclass(frozen=True, slots=True)
class Restored:
    """A namespace as a backend kept it: jobs in creation order, journal in ``seq`` order."""

    state: NamespaceState
    jobs: list[Job] = field(default_factory=list)
    journal: list[Exchange] = field(default_factory=list)


class StateBackend(Protocol):
    """Every write is durable when the call returns."""

    def names(self) -> list[str]:
        """The namespaces kept, to restore at start."""

    def restore(self, namespace: str) -> Restored | None: ...

    def save_state(self, namespace: str, state: NamespaceState) -> None: ...

    def save_job(self, namespace: str, job: Job) -> None: ...

    def delete_job(self, namespace: str, job_id: str) -> None: ...

    def clear_jobs(self, namespace: str) -> None: ...

    def record(self, namespace: str, exchange: Exchange) -> None:
        """Keep one journal entry (``seq`` is unique within the namespace)."""

    def clear_journal(self, namespace: str) -> None: ...

    def forget(self, namespace: str) -> None:
        """Drop the namespace and all it kept (its owner freed it)."""

    def close(self) -> None: ...
