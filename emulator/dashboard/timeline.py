"""A job's timeline: its statuses over emulator time as bands, its requests as marks.

A band runs from the moment the job entered a status to the moment it left it (the last one is
still open, so it ends at the clock's ``now``). Attempts are counted by the ``retry`` events
between bands, so a job retried in place shows each attempt's statuses in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from emulator.lifecycle.core.engine import Rules
from emulator.lifecycle.core.job import Event, Job

__all__ = ["bands", "job_summary", "job_timeline", "mark_kind", "status_kind"]

_STATUS = "status:"
# A job polled thousands of times keeps its newest marks: the page shows where it is now.
MARK_LIMIT = 1000


def status_kind(status: str, rules: Rules | None) -> str:
    """What a status means, for the page's colours: failed, cancelled, done, started, waiting."""
    if rules is None:
        return "unknown"
    if status in rules.failed:
        return "failed"
    if status == rules.cancelled:
        return "cancelled"
    if status in rules.terminal:
        return "done"
    return "started" if status in rules.started else "waiting"


def bands(events: Iterable[Event], now: float, rules: Rules | None = None) -> list[dict[str, Any]]:
    """Status bands, oldest first: ``{status, kind, start, end, attempt, open}``."""
    out: list[dict[str, Any]] = []
    attempt = 0
    for event in events:
        if event.name == "retry":
            attempt += 1
            continue
        if not event.name.startswith(_STATUS):
            continue
        if out:
            out[-1]["end"] = event.at
            out[-1]["open"] = False
        status = event.name[len(_STATUS) :]
        out.append(
            {
                "status": status,
                "kind": status_kind(status, rules),
                "start": event.at,
                "end": max(now, event.at),
                "attempt": attempt,
                "open": True,
            }
        )
    return out


def mark_kind(entry: Mapping[str, Any]) -> str:
    """What a request was to its job, in the profile's words (``retrieve``, ``retry``, ...)."""
    action = entry.get("action")
    if isinstance(action, str) and action:
        return action
    operation = entry.get("operation")
    return str(operation) if operation else str(entry.get("method", "request")).lower()


def job_summary(job: Job, status: str, rules: Rules | None = None) -> dict[str, Any]:
    """What the jobs table shows of a job: no view is rendered, so a page of 100 is cheap."""
    return {
        "id": job.id,
        "status": status,
        "kind": status_kind(status, rules),
        "scenario": job.scenario,
        "attempt": job.attempt,
        "state": job.state_index,
        "polls": job.polls,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def job_timeline(
    job: Job,
    status: str,
    now: float,
    entries: Sequence[Mapping[str, Any]],
    rules: Rules | None = None,
) -> dict[str, Any]:
    """The job, its bands up to ``now`` and its journal entries (the newest ``MARK_LIMIT``)."""
    requests = [dict(e, kind=mark_kind(e)) for e in entries[-MARK_LIMIT:]]
    return {
        "job": job_summary(job, status, rules),
        "now": now,
        "bands": bands(job.events, now, rules),
        "requests": requests,
        "requests_total": len(entries),
    }
