"""Every view a profile can serve, rendered at load and checked against the spec.

Each bound action's view is rendered as its row of the action table says (``checked_as``):
for each scenario state, the job as ``retrieve``, ``status`` and an accepted ``cancel`` show
it, as one item of a ``list`` page (a page with a next link and a last page), and, for the
first state of each attempt, as ``create`` and ``retry`` answer it; for a state an immediate
cancel applies to, the cancelled job that cancel answers with. A view the spec forbids is
refused with the scenario file and state, before anything is served.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from emulator.errors import ProfileError, ScenarioError
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable, Bound, bind_operations
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.engine import start
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario, State
from emulator.lifecycle.render.views import job_context, render_view
from emulator.openapi.model import Spec
from emulator.openapi.validation import media_for, response_for

__all__ = [
    "SAMPLE_ORIGIN",
    "answer_status",
    "check_views",
    "sample_page",
    "sample_states",
    "status_in_state",
]

SAMPLE_ORIGIN = "http://127.0.0.1:4010"


def check_views(
    profile: Profile,
    spec: Spec,
    scenarios: Mapping[str, Scenario],
    request: Mapping[str, Any],
    base_path: str = "",
    table: ActionTable = ACTION_TABLE,
) -> None:
    """Raise ScenarioError for the first view of any scenario state that the spec forbids, and
    ProfileError for an action that would send a body where its spec declares none (or none
    where it declares one)."""
    actions = JobActions(profile, scenarios)
    base_url = SAMPLE_ORIGIN + base_path
    bound = list(bind_operations(profile, spec, table).values())
    for found in bound:
        _check_presence(profile, found)
    checked = [b for b in bound if b.binding.view and b.action.checked_as]
    for scenario in scenarios.values():
        for pointer, job, state in sample_states(actions, scenario, request):
            context = {**job_context(job, scenario, profile), "base_url": base_url}
            first = pointer.endswith("/states/0")
            for found in checked:
                view, checked_as = found.binding.view, found.action.checked_as
                assert view is not None
                if checked_as == "job" or (checked_as == "new_job" and first):
                    status = status_in_state(profile, found, state.status)
                    if status is None:
                        continue  # a redirect, without a body
                    body = render_view(profile, view, context)
                    what = "a job in this state"
                    _check(profile, found, scenario, body, pointer, what, status)
                elif checked_as == "page":
                    for has_more, has_prev in ((True, False), (False, True), (False, False)):
                        page = sample_page(profile, context, job.id, base_url, has_more, has_prev)
                        body = render_view(profile, view, page)
                        what = "a page of jobs in this state" + _links(has_more, has_prev)
                        _check(profile, found, scenario, body, pointer, what)
            for cancel in (b for b in checked if b.action.name == "cancel"):
                rules = profile.cancel_rules(cancel.binding.action)
                view = cancel.binding.view
                if view is None or state.status not in rules.immediate_from:
                    continue
                cancelled = State(rules.to, error=rules.error, fields=rules.fields)
                gone = replace(job, override=cancelled, cancel_requested=True)
                context = {**job_context(gone, scenario, profile), "base_url": base_url}
                body = render_view(profile, view, context)
                what = "an immediate cancel of a job in this state"
                _check(profile, cancel, scenario, body, pointer, what)


def answer_status(profile: Profile, found: Bound) -> int:
    """The status a successful answer of ``found`` has: the profile's where it names one."""
    name, row = found.binding.action, found.action.name
    if row == "retry":
        return profile.retry_rules(name).status
    if row == "cancel":
        return profile.cancel_rules(name).status
    if row == "delete":
        return profile.delete_status or found.binding.success
    return found.binding.success


def status_in_state(profile: Profile, found: Bound, job_status: str) -> int | None:
    """The status of ``found``'s answer about a job in ``job_status``: a status monitor's
    running or failed status where it names one, None where it redirects (303, no body) to
    the result; otherwise its ``answer_status``."""
    own = profile.bindings.get(found.binding.action)
    rules = own.monitor if own is not None else None
    if found.action.name != "monitor" or rules is None:
        return answer_status(profile, found)
    statuses = profile.statuses
    if job_status not in statuses.terminal:
        return rules.running_status or found.binding.success
    if job_status in statuses.failed:
        return rules.failed_status or found.binding.success
    return None if rules.done == "redirect" else found.binding.success


def _check_presence(profile: Profile, found: Bound) -> None:
    """A body where the spec declares none, or none where it declares one, is a 500 in strict
    mode on every such answer: refuse the profile instead."""
    _check_presence_at(profile, found, answer_status(profile, found))
    own = profile.bindings.get(found.binding.action)
    monitor = own.monitor if own is not None else None
    if monitor is None or found.binding.view is None:
        return
    op, name = found.operation, found.binding.action
    when = {"running_status": "while the job runs", "failed_status": "once the job has failed"}
    for key, status in (
        ("running_status", monitor.running_status),
        ("failed_status", monitor.failed_status),
    ):
        declared = response_for(op, status) if status is not None else None
        if declared is not None and not declared.content:
            raise ProfileError(
                str(profile.path),
                f"/operations/{name}/{key}",
                f"{op.key} ({name}) answers {status} with the {found.binding.view} view "
                f"{when[key]}, but the spec declares no body for {status}; name a status it "
                "declares the view's body for",
            )


def _check_presence_at(profile: Profile, found: Bound, status: int) -> None:
    binding, op = found.binding, found.operation
    declared = response_for(op, status)
    if declared is None:
        return  # an undeclared status: a spec gap, listed by check
    view = binding.view
    if view is None and declared.content:
        raise ProfileError(
            str(profile.path),
            f"/views/{found.action.view or binding.action}",
            f"{op.key} ({binding.action}) answers {status} with no body, but the spec declares "
            f"one ({', '.join(declared.content)}); write the {found.action.view} view",
        )
    if view is not None and not declared.content:
        name = found.action.view or binding.action
        raise ProfileError(
            str(profile.path),
            f"/views/{name}",
            f"{op.key} ({binding.action}) answers {status} with the {view} view, but the spec "
            f"declares no body for {status}; write {name}: none",
        )


def sample_states(
    actions: JobActions, scenario: Scenario, request: Mapping[str, Any]
) -> Iterator[tuple[str, Job, State]]:
    """A job created by ``request`` in each state of ``scenario``, with the state's pointer
    (``/attempts/0/states/1``): what the load checks render."""
    # Named and partitioned as the sample request would make it.
    partition = actions.partition_of(request)
    name = actions.new_id(random.Random(0))
    key = actions.key(partition, name)
    for a_index, attempt in enumerate(scenario.attempts):
        for s_index, state in enumerate(attempt.states):
            job = start(
                key,
                scenario,
                request,
                0.0,
                actions.rules,
                attempt=a_index,
                state_index=s_index,
                partition=partition,
                name=name if name != key else None,
            )
            yield f"/attempts/{a_index}/states/{s_index}", job, state


def sample_page(
    profile: Profile,
    context: Mapping[str, Any],
    job_id: str,
    base_url: str,
    has_more: bool,
    has_prev: bool,
) -> dict[str, Any]:
    """A page of one job with every variable a page view can name, as ``listing`` fills it."""
    item = render_view(profile, "item", context)
    rules = profile.listing
    url = f"{base_url}/jobs"
    cursor = job_id if rules.style == "cursor" else "c2FtcGxl"
    return {
        "items": [item],
        "count": 1,
        "limit": rules.default_limit or 0,
        "first_id": job_id,
        "last_id": job_id,
        "has_more": has_more,
        "total": (2 if has_more else 1) + (1 if has_prev else 0),
        "offset": 1 if has_prev else 0,
        "base_url": base_url,
        "url": f"{url}?limit={rules.default_limit}",
        "next_token": cursor if has_more else None,
        "next_url": f"{url}?cursor={cursor}" if has_more else None,
        "prev_token": cursor if has_prev else None,
        "prev_url": f"{url}?before={cursor}" if has_prev else None,
    }


def _links(has_more: bool, has_prev: bool) -> str:
    if has_more:
        return " with a next page"
    return " with a previous page" if has_prev else ""


def _check(
    profile: Profile,
    found: Bound,
    scenario: Scenario,
    body: Any,
    pointer: str,
    what: str,
    status: int | None = None,
) -> None:
    """``status``: the one the answer has, where it depends on the job's (a monitor's)."""
    op = found.operation
    declared = response_for(op, status or answer_status(profile, found))
    media = media_for(declared.content, "application/json") if declared else None
    if media is None or media.validator is None:
        return
    for error in media.validator.iter_errors(body):
        where = "/".join(str(p) for p in error.absolute_path)
        raise ScenarioError(
            scenario.file,
            pointer,
            f"{op.key} would answer {what} with a body the spec forbids at '{where}': "
            f"{error.message}",
        )
