"""What ``record`` keeps of each job it sees, and how it becomes a scenario file.

A job's story is a list of attempts; an attempt is the statuses it was seen in, in order, each
with the polls that saw it, when it was first seen (wall clock) and the last answer showing it.
Which fields carry the id, the status, the result, the error and the extra fields is read from
the profile's views (``{job.id}``, ``{job.status}``, ``{result}``, ``{error}`` /
``{error.message}``, ``{fields.NAME}``), so no provider is named here.

Secrets never reach a file: headers that carry credentials are redacted by name, and every
value given with ``--auth`` is scrubbed from whatever text is written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from emulator.lifecycle.core.profile import Profile

__all__ = ["REDACTED", "JobLog", "redact_headers", "scrub"]

REDACTED = "[redacted]"
_SENSITIVE = re.compile(r"auth|key|token|secret|cookie|session|password|signature", re.I)


def redact_headers(headers: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
    names = {n.lower() for n in auth}
    return {
        k: REDACTED if k.lower() in names or _SENSITIVE.search(k) else v for k, v in headers.items()
    }


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` without any secret, whole or its last word (the token of ``Bearer TOKEN``)."""
    pieces = {s for v in secrets for s in (v, v.split()[-1] if v.split() else v) if len(s) >= 4}
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, REDACTED)
    return text


@dataclass(slots=True)
class _Seen:
    status: str
    first_at: float
    polls: int
    body: dict[str, Any]
    # A cancel arrived in this state: the scenario holds it ``until: cancel``, and what the
    # job showed after the cancel is a state of its own, even under the same status.
    ended_by_cancel: bool = False


@dataclass(slots=True)
class _Job:
    name: str
    attempts: list[list[_Seen]] = field(default_factory=lambda: [[]])
    # Requests about the job per action, and the answers that were the service failing
    # (429, 5xx) as the scenario's faults: the Nth such request, answered so.
    requests: dict[str, int] = field(default_factory=dict)
    faults: list[dict[str, Any]] = field(default_factory=list)


def _key(profile: Profile, view: str, template: str) -> str | None:
    for key, value in dict(profile.views.get(view) or {}).items():
        if value == template:
            return str(key).rstrip("?")
    return None


class JobLog:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.jobs: dict[str, _Job] = {}
        self.order: list[_Job] = []
        answered_by_created = "created" in profile.views
        self.create_view = "created" if answered_by_created else "job"
        new_model = profile.retry.model == "new" and answered_by_created
        self.retry_view = "created" if new_model else "job"
        self.job_view = dict(profile.views.get("job") or {})

    def _id(self, view: str, body: dict[str, Any]) -> str | None:
        key = _key(self.profile, view, "{job.id}") or _key(self.profile, "job", "{job.id}")
        value = body.get(key) if key else None
        return None if value is None else str(value)

    def _see(self, job: _Job, view: str, body: dict[str, Any], at: float, *, poll: bool) -> None:
        key = _key(self.profile, view, "{job.status}")
        status = body.get(key) if key else None
        if not isinstance(status, str):
            return
        states = job.attempts[-1]
        if states and states[-1].status == status and not states[-1].ended_by_cancel:
            states[-1].polls += int(poll)
            states[-1].body = body
        else:
            states.append(_Seen(status, at, int(poll), body))

    def observe(
        self,
        action: str,
        job_id: str | None,
        http_status: int,
        body: dict[str, Any],
        at: float,
        retry_after: str | None = None,
    ) -> None:
        """One answer of the service about a job. A refusal (4xx) tells nothing of the job's
        story; the service failing (429, 5xx) is a fault of its scenario."""
        if action == "create":
            new_id = self._id(self.create_view, body) if http_status < 400 else None
            if new_id is not None:
                job = self.jobs[new_id] = _Job(f"recorded-{len(self.order) + 1}")
                self.order.append(job)
                self._see(job, self.create_view, body, at, poll=False)
            return
        known = self.jobs.get(job_id or "")
        if known is None:
            return
        job = known
        nth = job.requests[action] = job.requests.get(action, 0) + 1
        if http_status == 429 or http_status >= 500:
            fault: dict[str, Any] = {"operation": action, "nth": nth, "status": http_status}
            if retry_after is not None:
                fault["headers"] = {"retry-after": retry_after}
            job.faults.append(fault)
            return
        if http_status >= 400:
            return
        if action in ("retrieve", "status"):
            self._see(job, "job" if action == "retrieve" else "status", body, at, poll=True)
        elif action == "retry":
            job.attempts.append([])
            if self.profile.retry.model == "new":
                new_id = self._id(self.retry_view, body)
                if new_id is not None:
                    self.jobs[new_id] = job
            self._see(job, self.retry_view, body, at, poll=False)
        elif action == "cancel":
            if job.attempts[-1]:
                job.attempts[-1][-1].ended_by_cancel = True
            self._see(job, "job", body, at, poll=False)

    def _carried(self, body: dict[str, Any], last: bool) -> dict[str, Any]:
        """The error, result and fields an answer shows, as a scenario state writes them."""
        state: dict[str, Any] = {}
        for key, template in self.job_view.items():
            value = body.get(str(key).rstrip("?"))
            if value is None or not isinstance(template, str):
                continue
            if template.startswith("{fields.") and template.endswith("}"):
                state.setdefault("fields", {})[template[8:-1]] = value
            elif last and template == "{result}":
                state["result"] = value
            elif last and template == "{error}":
                state["error"] = value
            elif last and template == "{error.message}":
                state["error"] = {"message": value}
        return state

    def scenario(self, job: _Job) -> dict[str, Any]:
        attempts = []
        for seen in (a for a in job.attempts if a):
            states = []
            for index, one in enumerate(seen):
                last = index == len(seen) - 1
                state: dict[str, Any] = {"status": one.status}
                if not last and one.ended_by_cancel:
                    state["for"] = {"until": "cancel"}
                elif not last:
                    lasted = seen[index + 1].first_at - one.first_at
                    state["for"] = {"polls": one.polls, "seconds": max(1, math.ceil(lasted))}
                states.append({**state, **self._carried(one.body, last)})
            if any(one.ended_by_cancel for one in seen):
                # What the job did after the cancel is recorded state by state: play it as is.
                attempts.append({"on_cancel": "finish", "states": states})
            else:
                attempts.append({"states": states})
        scenario: dict[str, Any] = {
            "description": f"Recorded by jobs-emulator record: {len(attempts)} attempts.",
            "attempts": attempts,
        }
        if job.faults:
            scenario["faults"] = job.faults
        return scenario

    def scenario_files(self) -> dict[str, str]:
        return {
            job.name: yaml.safe_dump(self.scenario(job), sort_keys=False, allow_unicode=True)
            for job in self.order
            if any(job.attempts)
        }
