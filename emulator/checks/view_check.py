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

from emulator.errors import ScenarioError
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.engine import start
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario, State
from emulator.lifecycle.render.views import job_context, render_view
from emulator.openapi.model import Spec
from emulator.openapi.validation import media_for

__all__ = ["check_views", "sample_states"]

SAMPLE_ORIGIN = "http://127.0.0.1:4010"


def check_views(
    profile: Profile,
    spec: Spec,
    scenarios: Mapping[str, Scenario],
    request: Mapping[str, Any],
    base_path: str = "",
    table: ActionTable = ACTION_TABLE,
) -> None:
    """Raise ScenarioError for the first view of any scenario state that the spec forbids."""
    actions = JobActions(profile, scenarios)
    base_url = SAMPLE_ORIGIN + base_path
    checked = []
    for name, bound in profile.bindings.items():
        row = table[bound.action]
        view = bound.view or row.view
        if view and row.checked_as:
            checked.append((name, view, row.checked_as))
    for scenario in scenarios.values():
        for pointer, job, state in sample_states(actions, scenario, request):
            context = {**job_context(job, scenario, profile), "base_url": base_url}
            first = pointer.endswith("/states/0")
            for action, view, checked_as in checked:
                if checked_as == "job" or (checked_as == "new_job" and first):
                    body = render_view(profile, view, context)
                    what = "a job in this state"
                    _check(profile, spec, scenario, action, body, pointer, what)
                elif checked_as == "page":
                    for has_more in (True, False):
                        page = _page(profile, context, job.id, base_url, has_more)
                        body = render_view(profile, view, page)
                        what = "a page of jobs in this state"
                        what += " with a next page" if has_more else ""
                        _check(profile, spec, scenario, action, body, pointer, what)
            for name in profile.bound_as("cancel") if "cancel" in table else ():
                rules = profile.cancel_rules(name)
                view = profile.bindings[name].view or table["cancel"].view
                if view is None or state.status not in rules.immediate_from:
                    continue
                cancelled = State(rules.to, error=rules.error, fields=rules.fields)
                gone = replace(job, override=cancelled, cancel_requested=True)
                context = {**job_context(gone, scenario, profile), "base_url": base_url}
                body = render_view(profile, view, context)
                what = "an immediate cancel of a job in this state"
                _check(profile, spec, scenario, name, body, pointer, what)


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


def _page(
    profile: Profile, context: Mapping[str, Any], job_id: str, base_url: str, has_more: bool
) -> dict[str, Any]:
    item = render_view(profile, "job", context)
    rules = profile.listing
    cursor = job_id if rules.style == "cursor" else "c2FtcGxl"
    return {
        "items": [item],
        "total": 2 if has_more else 1,
        "offset": 0,
        "limit": rules.default_limit or 0,
        "first_id": job_id,
        "last_id": job_id,
        "has_more": has_more,
        "base_url": base_url,
        "next_token": cursor if has_more else None,
        "next_url": f"{base_url}/next?cursor={cursor}" if has_more else None,
    }


def _check(
    profile: Profile,
    spec: Spec,
    scenario: Scenario,
    action: str,
    body: Any,
    pointer: str,
    what: str,
) -> None:
    ref = profile.operations.get(action)
    op = spec.operation(ref) if ref else None
    if op is None:
        return
    codes = sorted(s for s in op.responses if s.startswith("2"))
    declared = op.responses.get(codes[0]) if codes else None
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
