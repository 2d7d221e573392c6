"""What a scripted fault answers: its status with a body the scenario writes as a template, the
profile's error body, no body at all, or the action's own answer changed.

- ``body: {...}`` is a template filled like a view (``{job.id}``, ``{request.body.x}``,
  ``{base_url}``), plus ``status`` and ``job_id``; ``body: null`` sends no body.
- Without ``body``: a status whose spec response declares no content sends none (a bare 503);
  a ``kind``, an error status or a fault with no action behind it sends the profile's error
  body; a success status the action ran under keeps the action's body.
- ``merge`` is a template too, merged into whatever body is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.replies import Reply
from emulator.lifecycle.core.scenario import Fault
from emulator.lifecycle.render.envelope import error_reply
from emulator.lifecycle.render.template import render

__all__ = ["FaultAnswer", "error_kind_for", "fault_answer"]


@dataclass(frozen=True, slots=True)
class FaultAnswer:
    status: int
    body: Any
    media_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


def fault_answer(
    profile: Profile | None,
    fault: Fault,
    context: Mapping[str, Any],
    reply: Reply | None,
    *,
    bodiless: bool,
) -> FaultAnswer:
    """``fault`` (not a dropped connection) over ``reply``, the answer of the action it let run
    (None when it answered instead); ``bodiless``: the spec declares the fault's status
    without content; ``context``: a view's context of the job, when there is one."""
    status = fault.status
    headers: Mapping[str, str] = {}
    media_type = "application/json"
    variables = {**context, "status": status if status is not None else 0}
    if status is None:
        assert reply is not None, "a fault without a status lets the action answer"
        status, body, headers = reply.status, reply.body, reply.headers
    elif fault.body_given:
        body = render(fault.body, variables)
    elif fault.kind is None and bodiless:
        body = None
    elif fault.kind is not None or reply is None or status >= 400:
        kind = fault.kind or error_kind_for(status)
        job_id = context.get("job_id")
        error = error_reply(profile, kind, {"job_id": job_id} if job_id else {}, status)
        body, media_type = error.body, error.media_type
    else:
        body, headers = reply.body, reply.headers
    if fault.merge and isinstance(body, dict):
        body = {**body, **render(dict(fault.merge), variables)}
    return FaultAnswer(status, body, media_type, {**headers, **fault.headers})


def error_kind_for(status: int) -> str:
    """The profile's error kind a fault's bare status is answered with."""
    return {429: "rate_limited", 503: "unavailable", 409: "conflict", 404: "not_found"}.get(
        status, "server_error" if status >= 500 else "invalid_request"
    )
