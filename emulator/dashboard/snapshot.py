"""A namespace as one JSON value: its clock, its jobs' timelines and its journal.

``export`` makes it from live state (``GET /_emulator/journal/export``); ``from_saved`` reads it
back from a file, and also takes a plain ``GET /_emulator/journal`` dump, whose jobs then have
their requests but no status bands (the journal alone does not say what the job did).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from emulator.dashboard.timeline import job_timeline, mark_kind
from emulator.errors import EmulatorError
from emulator.lifecycle.core.actions import JobActions, Refusal
from emulator.lifecycle.core.namespace import Namespace

__all__ = ["SnapshotError", "by_job", "export", "from_saved", "load"]

VERSION = 1


class SnapshotError(EmulatorError):
    """A saved journal cannot be read: names the file and what is wrong with it."""


def by_job(entries: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        job_id = entry.get("job_id")
        if isinstance(job_id, str):
            grouped.setdefault(job_id, []).append(entry)
    return grouped


def export(
    ns: Namespace,
    actions: JobActions | None,
    clock: Mapping[str, Any],
    shown: Callable[[dict[str, Any]], dict[str, Any]] = lambda entry: entry,
) -> dict[str, Any]:
    """Everything the report draws for ``ns``, jobs brought up to the clock first; each journal
    entry as ``shown`` lets it leave the emulator (with its secrets redacted)."""
    entries = [shown(e.as_dict()) for e in ns.journal.entries()]
    grouped = by_job(entries)
    now = float(clock["now"])
    jobs = []
    if actions is not None:
        for stored in ns.store.all():
            try:
                job = actions.observe(ns, stored.id, poll=False)
            except Refusal:  # deleted meanwhile
                continue
            found = grouped.get(job.id, [])
            jobs.append(job_timeline(job, actions.status_of(job), now, found, actions.rules))
    return {
        "version": VERSION,
        "namespace": ns.name,
        "clock": dict(clock),
        "jobs": jobs,
        "entries": entries,
    }


def from_saved(data: Any, source: str) -> dict[str, Any]:
    """A snapshot from an export, a journal dump (``{"entries": [...]}``) or a list of entries."""
    if isinstance(data, list):
        data = {"entries": data}
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise SnapshotError(
            f"{source}: expected the JSON of GET /_emulator/journal (an object with "
            f'"entries") or of GET /_emulator/journal/export'
        )
    entries = data["entries"]
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"seq", "at", "method", "path"} <= entry.keys():
            raise SnapshotError(
                f"{source}: /entries/{index}: a journal entry has seq, at, method and path"
            )
    if isinstance(data.get("jobs"), list):
        return {"version": VERSION, **data}
    last = max((float(e["at"]) for e in entries), default=0.0)
    saved = data.get("clock")
    clock: dict[str, Any] = saved if isinstance(saved, dict) else {"now": last}
    jobs = [
        _requests_only(job_id, found, float(clock["now"]))
        for job_id, found in by_job(entries).items()
    ]
    return {
        "version": VERSION,
        "namespace": data.get("namespace", source),
        "clock": clock,
        "jobs": jobs,
        "entries": entries,
    }


def load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read the journal: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SnapshotError(f"{path}: not JSON: {exc}") from None
    return from_saved(data, str(path))


def _requests_only(job_id: str, entries: list[Mapping[str, Any]], now: float) -> dict[str, Any]:
    return {
        "job": {"id": job_id, "status": None, "scenario": None, "attempt": None},
        "now": now,
        "bands": [],
        "requests": [dict(e, kind=mark_kind(e)) for e in entries],
        "requests_total": len(entries),
    }
