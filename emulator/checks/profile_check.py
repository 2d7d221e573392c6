"""A profile against its spec at load: each action names an operation that exists and fits it,
each scenario state renders views the spec allows, and every operation served from its schema
can be made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.checks.answer_check import check_error_kinds, check_faults
from emulator.checks.view_check import check_views
from emulator.errors import ProfileError, ScenarioError
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Spec
from emulator.openapi.spec_facts import success_status
from emulator.openapi.synthesis import Synthesizer
from emulator.yamlread import escape

__all__ = ["check_profile", "check_scenarios", "check_stateless", "sample_request"]


def check_profile(profile: Profile, spec: Spec, table: ActionTable = ACTION_TABLE) -> list[Flaw]:
    """Each bound operation exists, those that act on one job carry its id in their path, and
    each error kind an operation may answer has the body its spec declares."""
    for action, ref in profile.operations.items():
        pointer = f"/operations/{action}"
        row = table[profile.action_of(action)]
        op = spec.operation(ref)
        if op is None:
            known = ", ".join(op.key for op in spec.operations)
            raise ProfileError(
                str(profile.path),
                pointer,
                f"the spec {spec.path.name} has no operation {ref!r}; it has: {known}",
            )
        if row.job_bound and "{" not in op.path:
            raise ProfileError(
                str(profile.path),
                pointer,
                f"{action} acts on one job, but {op.key} ({op.method} {op.path}) has no path "
                "parameter to carry the job id; bind an operation like GET /jobs/{id}",
            )
    return check_error_kinds(profile, spec, table)


def check_stateless(
    spec: Spec, bound: Mapping[str, str], synth: Synthesizer, *, fatal: bool = False
) -> list[Flaw]:
    """What answering each operation from its schema meets, for ``check`` to list: examples
    that contradict their schema (never used), and schemas no value fits (those answers are a
    500 naming the schema). With ``fatal`` (``--strict-spec``) the first one refuses the spec.
    ``bound`` maps the key of each operation a job action owns to its action."""
    found: list[Flaw] = []
    for op in spec.operations:
        if op.key in bound or op.broken:
            continue
        status = success_status(op)
        declared = op.responses.get(str(status))
        if declared is None or not declared.content:
            continue
        media_type, media = next(
            ((k, v) for k, v in declared.content.items() if k == "application/json"),
            next(iter(declared.content.items())),
        )
        content = f"{op.pointer}/responses/{status}/content/{escape(media_type)}"
        pointer = spec.as_written(str(spec.path), content)
        if media.source is not None and (media.source.schema is None or media.source.flaws):
            continue  # listed already, with the flaw that could not be repaired
        try:
            made = synth.for_media(media, f"{op.key}:{status}")
        except ValueError as exc:
            reason = f"{op.key} is served from its schema, but no value satisfies it: {exc}"
            schema = spec.as_written(str(spec.path), f"{content}/schema")
            flaw = Flaw(str(spec.path), schema, reason, kind="no-value")
        else:
            if not made.notes:
                continue
            reason = f"{op.key}: " + "; ".join(made.notes)
            repair = "only values that satisfy the schema are served"
            flaw = Flaw(str(spec.path), pointer, reason, repair, "example-contradicts-schema")
        if fatal:
            raise flaw.error()
        found.append(flaw)
    return found


def check_scenarios(
    profile: Profile,
    spec: Spec,
    scenarios: dict[str, Scenario],
    base_path: str = "",
    table: ActionTable = ACTION_TABLE,
) -> None:
    """Refuse any scenario state whose rendered views, or whose faults' answers, the spec
    would not allow, or whose ``on:`` names no operation that could take that exit."""
    for scenario in scenarios.values():
        _check_exits(profile, scenario)
    request = sample_request(profile, spec)
    check_views(profile, spec, scenarios, request, base_path, table)
    check_faults(profile, spec, scenarios, request, base_path, table)


def _check_exits(profile: Profile, scenario: Scenario) -> None:
    """An ``on:`` exit is taken by a cancel (``cancel``, or the name of an operation bound to
    cancel) or by an action the profile names itself."""
    takers = {"cancel", *profile.bound_as("cancel"), *profile.bound_as("signal")}
    for a_index, attempt in enumerate(scenario.attempts):
        for s_index, state in enumerate(attempt.states):
            for event in state.exits:
                if event not in takers:
                    raise ScenarioError(
                        scenario.file,
                        f"/attempts/{a_index}/states/{s_index}/on/{escape(event)}",
                        f"no operation of profile {profile.name!r} is named {event!r}; an 'on' "
                        f"exit names one bound to cancel or one of the profile's own actions: "
                        f"{', '.join(sorted(takers))}",
                    )


def sample_request(profile: Profile, spec: Spec) -> dict[str, Any]:
    """A valid create request, so views that echo the request render as they would live."""
    synth = Synthesizer(0, spec.registry)
    op = spec.operation(profile.operations[profile.bound_as("create")[0]])
    body: Any = None
    path: dict[str, Any] = {}
    if op is not None:
        media = op.request_body.content.get("application/json") if op.request_body else None
        if media is not None and media.schema is not None:
            body = synth.generate(media.schema, "load-check")
        for param in op.parameters:
            if param.location == "path":
                path[param.name] = str(synth.generate(param.schema, param.name))
    return {"body": body, "path": path, "query": {}}
