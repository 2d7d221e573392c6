"""Every answer besides the views, rendered at load and checked against the spec: each error
kind an operation can answer, as the profile's envelope renders it, and each scripted fault,
in every scenario state, as the request pipeline would send it.

A status the operation does not declare is a spec gap (``emulator.checks.spec_gaps``), not
checked here; a status it declares must carry the body its spec says, or none where it
declares none. A fault marked ``off_spec: true`` breaks the spec on purpose and is not held
to it (strict mode answers it with a 500, and the test that meets it fails).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.checks.spec_gaps import error_kinds
from emulator.checks.view_check import (
    SAMPLE_ORIGIN,
    answer_status,
    sample_page,
    sample_states,
    status_in_state,
)
from emulator.errors import ProfileError, ScenarioError
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable, Bound, bind_operations
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.replies import Reply
from emulator.lifecycle.core.scenario import Fault, Scenario
from emulator.lifecycle.render.envelope import error_reply
from emulator.lifecycle.render.fault_answer import fault_answer
from emulator.lifecycle.render.template import placeholders
from emulator.lifecycle.render.views import job_context, render_view
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Spec
from emulator.openapi.validation import media_for, response_for

__all__ = ["FAULT_ROOTS", "check_error_kinds", "check_faults"]

# What a fault's body and merge templates may name (the request pipeline fills them alike).
FAULT_ROOTS = frozenset(
    {"job", "request", "result", "error", "fields", "timeline", "base_url", "status", "job_id"}
)
_SAMPLE_ID = "00000000-0000-4000-8000-000000000000"


def check_error_kinds(
    profile: Profile, spec: Spec, table: ActionTable = ACTION_TABLE
) -> list[Flaw]:
    """Refuse an error kind whose body an operation that may answer it declares otherwise. A
    profile that writes no ``errors`` section has the emulator's default envelope, not its
    author's claim: what it breaks is returned as warnings instead."""
    found: list[Flaw] = []
    for bound in bind_operations(profile, spec, table).values():
        op = bound.operation
        for kind in dict.fromkeys([*error_kinds(profile, bound.action, op), "rate_limited"]):
            error = error_reply(profile, kind, _sample_variables(profile, kind))
            declared = response_for(op, error.status)
            if declared is None:
                continue  # a spec gap
            problem = _mismatch(declared.content, error.media_type, error.body)
            if problem is None:
                continue
            own = profile.error(kind).own_body
            pointer = f"/errors/kinds/{kind}" if own else "/errors/body"
            reason = f"{op.key} may answer {error.status} ({kind}), and {problem}"
            if profile.errors_written:
                raise ProfileError(str(profile.path), pointer, reason)
            reason += "; write the profile's errors section in the provider's envelope"
            flaw = Flaw(str(profile.path), "/errors", reason, kind="default-error-envelope")
            if flaw not in found:
                found.append(flaw)
    return found[:1]


def check_faults(
    profile: Profile,
    spec: Spec,
    scenarios: Mapping[str, Scenario],
    request: Mapping[str, Any],
    base_path: str = "",
    table: ActionTable = ACTION_TABLE,
) -> None:
    """Refuse a fault whose answer, in any state of its scenario, its operation's spec forbids."""
    bound = bind_operations(profile, spec, table)
    by_action = {b.binding.action: b for b in bound.values()}
    actions = JobActions(profile, scenarios)
    base_url = SAMPLE_ORIGIN + base_path
    for scenario in scenarios.values():
        for fault in scenario.faults:
            if fault.drop or fault.off_spec or (fault.status is None and not fault.merge):
                continue  # latency and headers alone change no body
            _check_names(scenario, fault)
            target = by_action.get(fault.operation) or bound.get(fault.operation)
            op = target.operation if target else spec.operation(fault.operation)
            if op is None:
                continue
            contexts = [
                (pointer, {**job_context(job, scenario, profile), "base_url": base_url})
                for pointer, job, _ in sample_states(actions, scenario, request)
            ]
            contexts.append(("", {"request": dict(request), "job": None, "base_url": base_url}))
            for pointer, context in contexts:
                context = {**context, "job_id": (context.get("job") or {}).get("id")}
                reply = _reply(profile, target, context, base_url) if target else None
                if reply is None and fault.status is None:
                    continue  # only changes what an unbound operation answers from its schema
                status = fault.status if fault.status is not None else 0
                declared = response_for(op, status) if fault.status is not None else None
                bodiless = declared is not None and not declared.content
                answer = fault_answer(profile, fault, context, reply, bodiless=bodiless)
                declared = response_for(op, answer.status)
                if declared is None:
                    continue  # a spec gap
                problem = _mismatch(declared.content, answer.media_type, answer.body)
                if problem is not None:
                    state = f" (a job in state {pointer})" if pointer else ""
                    raise ScenarioError(
                        scenario.file,
                        fault.pointer,
                        f"{op.key} would answer {answer.status} for this fault{state}, and "
                        f"{problem}; fix the fault, or mark it off_spec: true if it breaks the "
                        "spec on purpose",
                    )


def _reply(
    profile: Profile, target: Bound, context: Mapping[str, Any], base_url: str
) -> Reply | None:
    """What the operation's action answers for a job in ``context``'s state."""
    binding = target.binding
    status, body = answer_status(profile, target), None
    if binding.view is not None:
        job = context.get("job")
        if not job:
            return None  # no job to show: the fault answers on its own
        if target.action.checked_as == "page":
            page = sample_page(profile, context, job["id"], base_url, False, False)
            body = render_view(profile, binding.view, page)
        else:
            in_state = status_in_state(profile, target, job["status"])
            if in_state is None:
                return Reply(303, None)  # a status monitor's redirect to the result
            status, body = in_state, render_view(profile, binding.view, context)
    return Reply(status, body)


def _mismatch(content: Mapping[str, Any], media_type: str, body: Any) -> str | None:
    """Why ``body`` (``None``: no body) is not what ``content`` declares, if it is not."""
    if not content:
        return None if body is None else "the spec declares no body for it, but one is sent"
    if body is None:
        return f"the spec declares a body ({', '.join(content)}), but none is sent"
    media = media_for(content, media_type)
    if media is None:
        return f"the spec declares {', '.join(content)}, not {media_type}"
    if media.validator is None:
        return None
    error = next(iter(media.validator.iter_errors(body)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"the body it sends breaks the spec at '{where}': {error.message}"


def _check_names(scenario: Scenario, fault: Fault) -> None:
    for key, template in (("body", fault.body), ("merge", dict(fault.merge))):
        for name in placeholders(template):
            if name.partition(".")[0] not in FAULT_ROOTS:
                known = ", ".join(sorted(FAULT_ROOTS))
                raise ScenarioError(
                    scenario.file,
                    f"{fault.pointer}/{key}",
                    f"unknown name {{{name}}}: a fault's {key} can use {known}",
                )


def _sample_variables(profile: Profile, kind: str) -> dict[str, Any]:
    """Variables like those the request pipeline fills each kind with."""
    violations = [{"loc": ["body", "field"], "msg": "is required", "type": "required"}]
    variables: dict[str, Any] = {
        "job_id": _SAMPLE_ID,
        "retry_after": 1,
        "scheme": "bearer",
        "reason": "the signature does not verify",
        "required": "job:write",
        "job": {"id": _SAMPLE_ID, "status": next(iter(profile.statuses.terminal), "done")},
    }
    if kind in ("invalid_request", "malformed_body", "unsupported_media_type"):
        variables.update(message="the request does not match the spec", violations=violations)
    if kind == profile.retry.refused:
        variables["action"] = profile.retry.verb
    if kind == profile.cancel.refused:
        variables["action"] = profile.cancel.verb
    return variables
