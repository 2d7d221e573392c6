"""What a job looks like on the wire: the context a profile's view templates are filled from.

The context has ``job`` (id, status and timestamps already in the provider's format),
``request`` (the create request: body, path, query), the current state's ``result``,
``error`` and ``fields``, and ``timeline`` rendered from the job's events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.lifecycle.core.engine import current
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.render.timestamps import format_time

__all__ = ["JOB_TIMES", "job_context", "render_view"]


# The job's own timestamps, as a view names them (``{job.created_at}``).
JOB_TIMES = (
    "created_at",
    "updated_at",
    "entered_at",
    "started_at",
    "completed_at",
    "expires_at",
    "last_attempt_at",
)


def job_context(job: Job, scenario: Scenario, profile: Profile) -> dict[str, Any]:
    state = current(job, scenario)
    style = profile.job.timestamps
    times = {name: format_time(getattr(job, name), style) for name in JOB_TIMES}
    times.update(_stamps(job, profile))
    context: dict[str, Any] = {
        "job": {
            "id": job.id,
            # The name the client gave; the id, unless names are scoped to a partition.
            "name": job.name or job.id,
            "partition": job.partition,
            "status": state.status,
            # Terminal: an operation resource's ``done``, a monitor's end.
            "done": state.status in profile.statuses.terminal,
            "attempt": job.attempt,
            "attempt_count": job.attempt_count,
            "last_failure_code": job.last_failure_code,
            "cancel_requested": job.cancel_requested,
            "revision": job.revision,
            "scenario": job.scenario,
            **times,
        },
        "request": job.request,
        "result": state.result,
        "error": state.error,
        "fields": state.fields,
    }
    if profile.timeline is not None:
        context["timeline"] = _timeline(job, profile, context)
    return context


def _stamps(job: Job, profile: Profile) -> dict[str, Any]:
    """Each stamp: when the job last entered its status, in this attempt (a retry starts over)."""
    stamps = profile.job.stamps
    if not stamps:
        return {}
    entered: dict[str, float] = {}
    for event in reversed(job.events):
        if event.name == "retry":
            break
        status = event.name.removeprefix("status:")
        if status != event.name and status not in entered:
            entered[status] = event.at
    style = profile.job.timestamps
    return {name: format_time(entered.get(status), style) for name, status in stamps.items()}


def render_view(
    profile: Profile, view: str, context: Mapping[str, Any], hidden: frozenset[str] = frozenset()
) -> Any:
    """Fill the profile's ``view`` (falling back along ``VIEW_FALLBACKS``, then to ``job``),
    leaving out ``hidden`` keys.

    What a view renders may be a value the context shares (a view that is exactly
    ``"{request.body}"`` or ``"{result}"`` is that very object, read-only): hidden keys are
    left out of a new mapping, never popped from what the template returned.
    """
    fill = profile.renderer(view)
    if fill is None:
        return dict(context["job"])
    body = fill(context)
    if hidden and isinstance(body, dict) and not hidden.isdisjoint(body):
        return {key: value for key, value in body.items() if key not in hidden}
    return body


def _timeline(job: Job, profile: Profile, context: Mapping[str, Any]) -> list[Any]:
    rules = profile.timeline
    assert rules is not None
    entries = []
    for event in job.events:
        fill = rules.events.get(event.name)
        if fill is None:
            continue
        local = {
            **context,
            **event.variables,
            "fields": event.variables or context.get("fields"),
            "at": format_time(event.at, profile.job.timestamps),
        }
        variables = fill(local)
        entries.append(rules.entry({**local, **variables}))
    return entries
