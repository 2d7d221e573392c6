"""A client's journey through one job's life, played against a target and kept step by step.

create -> poll until a terminal status -> retry a failed job and poll again -> (cancel, when the
plan says so) -> list -> retrieve an unknown job (the error envelope). The job id travels the
way the spec says: through the OpenAPI ``links`` of the answer when it declares one (a link
that does not resolve is a problem), else through the profile's views (the field whose
template is ``{job.id}``). On an emulator the clock moves ``step_seconds`` after every poll;
a real service is polled every ``poll_interval`` seconds until ``poll_timeout``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.contract.target import Seen, Target
from emulator.lifecycle.core.profile import Profile
from emulator.openapi.model import Operation, Spec
from emulator.openapi.path_template import parameter_names

__all__ = ["Journey", "Plan", "Step", "view_key"]


@dataclass(frozen=True, slots=True)
class Plan:
    request: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    cancel: bool = False
    step_seconds: float = 30.0
    poll_interval: float = 1.0
    poll_timeout: float = 60.0
    max_polls: int = 12


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    action: str
    operation: Operation
    path_params: Mapping[str, str]
    query: Mapping[str, Any]
    body: Any
    seen: Seen


def view_key(profile: Profile, view: str, template: str) -> str | None:
    """The top-level field of a profile view filled by ``template``, e.g. ``{job.id}``."""
    for key, value in dict(profile.views.get(view) or {}).items():
        if value == template:
            return str(key).rstrip("?")
    return None


def _pointer(body: Any, pointer: str) -> Any:
    for part in (p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]):
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body


class Journey:
    def __init__(self, spec: Spec, profile: Profile, target: Target, plan: Plan) -> None:
        self.spec, self.profile, self.target, self.plan = spec, profile, target, plan
        self.steps: list[Step] = []
        self.problems: list[tuple[str, str]] = []
        self.ops = {a: spec.operation(r) for a, r in profile.operations.items()}
        self.terminal = profile.statuses.terminal
        self.status_key = view_key(profile, "job", "{job.status}") or "status"

    def _send(
        self,
        label: str,
        action: str,
        params: Mapping[str, str],
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Step | None:
        op = self.ops.get(action)
        if op is None:
            return None
        path = op.path
        for name, value in params.items():
            path = path.replace("{" + name + "}", str(value))
        seen = self.target.request(op.method, path, json_body=body, params=query, headers=headers)
        step = Step(label, action, op, dict(params), dict(query or {}), body, seen)
        self.steps.append(step)
        return step

    def _job_id(self, step: Step, action: str, view: str) -> str | None:
        nxt = self.ops.get(action)
        if nxt is None:
            return None
        param = parameter_names(nxt.path)[-1]
        raw = dict(self.spec.document["paths"][step.operation.path][step.operation.method.lower()])
        declared = raw.get("responses", {}).get(str(step.seen.status), {})
        for name, link in dict(declared.get("links") or {}).items():
            if nxt.operation_id is None or link.get("operationId") != nxt.operation_id:
                continue
            expression = dict(link.get("parameters") or {}).get(param)
            if isinstance(expression, str) and expression.startswith("$response.body#"):
                value = _pointer(step.seen.body, expression.removeprefix("$response.body#"))
                if value is None:
                    self.problems.append(
                        (
                            step.label,
                            f"link {name}: {expression} is not in the {step.seen.status} answer",
                        )
                    )
                return None if value is None else str(value)
        # A profile without a ``created`` view answers a create with its ``job`` view.
        key = view_key(self.profile, view, "{job.id}") or view_key(self.profile, "job", "{job.id}")
        body = step.seen.body
        return str(body[key]) if key and isinstance(body, dict) and key in body else None

    def _poll(self, job_id: str, label: str) -> str | None:
        status: str | None = None
        started = time.monotonic()
        for n in range(1, self.plan.max_polls + 1):
            step = self._send(f"{label} poll {n}", "retrieve", {self._param("retrieve"): job_id})
            if step is None:
                return None
            body = step.seen.body
            status = body.get(self.status_key) if isinstance(body, dict) else None
            if step.seen.status >= 400 or status in self.terminal:
                return status
            if self.target.is_emulator:
                self.target.advance(self.plan.step_seconds)
            elif time.monotonic() - started + self.plan.poll_interval > self.plan.poll_timeout:
                self.problems.append(
                    (label, f"no terminal status within {self.plan.poll_timeout:g} s")
                )
                return status
            else:
                time.sleep(self.plan.poll_interval)
        return status

    def _param(self, action: str) -> str:
        op = self.ops[action]
        assert op is not None
        return parameter_names(op.path)[-1]

    def play(self) -> list[Step]:
        request = self.plan.request
        path = {k: str(v) for k, v in dict(request.get("path") or {}).items()}
        created = self._send(
            "create", "create", path, request.get("body"), request.get("query"), self.plan.headers
        )
        if created is None or created.seen.status >= 400:
            return self.steps
        job_id = self._job_id(created, "retrieve", "created")
        if job_id is None:
            self.problems.append(("create", "the answer carries no job id"))
            return self.steps
        if self.plan.cancel and self.ops.get("cancel"):
            self._send("first look", "retrieve", {self._param("retrieve"): job_id})
            self._send("cancel", "cancel", {self._param("cancel"): job_id})
        status = self._poll(job_id, "attempt 1")
        failed = self.profile.retry.allowed_from or self.profile.statuses.failed
        if status in failed and self.ops.get("retry"):
            retried = self._send("retry", "retry", {self._param("retry"): job_id})
            if retried is not None and retried.seen.status < 400:
                if self.profile.retry.model == "new":
                    job_id = self._job_id(retried, "retrieve", "created") or job_id
                self._poll(job_id, "attempt 2")
        list_params = {
            k: v
            for k, v in path.items()
            if self.ops.get("list") and "{" + k + "}" in str(getattr(self.ops["list"], "path", ""))
        }
        self._send("list", "list", list_params)
        self._send("unknown job", "retrieve", {self._param("retrieve"): "no-such-job-0"})
        return self.steps
