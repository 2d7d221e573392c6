"""``jobs-emulator contract``: conformance, then (``--stateful``) journeys, into one report.

The spec, profile and scenarios are loaded and checked like ``serve`` loads them; the target is
probed before anything is generated, so a wrong URL fails in a second with exit 2. Stateful runs
walk the profile's actions (create -> poll -> retry/cancel -> list) following the spec's links,
and hold every answer to every schemathesis check; on an emulator, one walk per scenario it
serves (chosen per job with ``X-Emulator-Scenario``), plus one that cancels a running job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.checks.profile_check import sample_request
from emulator.contract.conformance import Budget, Checks
from emulator.contract.expectations import expected_undeclared, schemathesis_config
from emulator.contract.journey import Journey, Plan
from emulator.contract.report import Finding, Report, Section
from emulator.contract.target import Target, reporting
from emulator.http.app import Emulator
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.spec_facts import base_path

__all__ = ["ContractOptions", "run_contract", "wants_cancel"]

SCENARIO_HEADER = "X-Emulator-Scenario"


@dataclass(frozen=True, slots=True)
class ContractOptions:
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    max_examples: int = 10
    stateful: bool = False
    max_time: float = 300.0
    timeout: float = 10.0
    step_seconds: float = 30.0
    poll_interval: float = 2.0
    poll_timeout: float = 120.0
    seed: int = 0


def wants_cancel(scenario: Scenario | None) -> bool:
    """A scenario scripted around a cancel: a state that lasts until one, or ``on_cancel``."""
    if scenario is None:
        return False
    return any(
        attempt.on_cancel == "finish"
        or any(s.duration is not None and s.duration.until == "cancel" for s in attempt.states)
        for attempt in scenario.attempts
    )


def run_contract(
    app: Emulator,
    options: ContractOptions,
    progress: Callable[[str], None],
    *,
    target: Target | None = None,
) -> Report:
    """Check the service at ``options.base_url`` against ``app``'s spec (and profile)."""
    report = Report(f"contract: {app.spec.title}", options.base_url)
    budget = Budget(options.max_time)
    with reporting(report) as opened:
        target = target or Target(
            options.base_url,
            options.headers,
            timeout=options.timeout,
            api_prefix=base_path(app.spec.document),
        )
        opened.append(target)
        target.probe()
        if target.is_emulator:
            target.fresh()
        spec = app.spec
        config = schemathesis_config(
            spec,
            app.profile,
            base_url=target.api_url,
            headers=target.headers,
            max_examples=options.max_examples,
            seed=options.seed,
        )
        labels = {f"{op.method} {op.path}": op.key for op in spec.operations}
        gaps = expected_undeclared(app.profile, spec, app.scenarios)
        checks = Checks(spec.document, config, target, gaps=gaps, labels=labels)
        progress(
            f"conformance: {len(spec.operations)} operations, up to "
            f"{options.max_examples} positive and negative cases each"
        )
        checks.run(report.section("conformance"), budget, progress)
        if options.stateful and app.profile is not None:
            _stateful(app, target, checks, report.section("stateful"), budget, options, progress)
    return report


def _scripted(app: Emulator, name: str | None) -> dict[str, frozenset[int]]:
    """Per operation key, the statuses the scenario's faults answer on purpose."""
    scenario = app.scenarios.get(name or "")
    found: dict[str, set[int]] = {}
    bound = (
        {a: app.spec.operation(r) for a, r in app.profile.operations.items()} if app.profile else {}
    )
    for op in app.spec.operations:
        action = next((a for a, o in bound.items() if o is not None and o.key == op.key), None)
        for fault in scenario.faults if scenario else ():
            if fault.status and fault.operation in (action, op.key):
                found.setdefault(op.key, set()).add(fault.status)
    return {key: frozenset(statuses) for key, statuses in found.items()}


def _walks(app: Emulator, target: Target) -> list[tuple[str, str | None, bool]]:
    """(label, scenario to ask for, cancel?) of each walk."""
    if not target.is_emulator:
        return [("journey", None, False), ("journey with cancel", None, True)]
    served = target.control("GET", "scenarios") or {}
    names = [s["name"] for s in served.get("scenarios", []) if isinstance(s, dict)]
    walks = [(name, name, wants_cancel(app.scenarios.get(name))) for name in names]
    return [*walks, ("cancel a running job", names[0] if names else None, True)]


def _stateful(
    app: Emulator,
    target: Target,
    checks: Checks,
    section: Section,
    budget: Budget,
    options: ContractOptions,
    progress: Callable[[str], None],
) -> None:
    profile = app.profile
    assert profile is not None
    walks = [w for w in _walks(app, target) if not w[2] or "cancel" in profile.operations]
    progress(f"stateful: {len(walks)} journeys through the profile's actions and the spec's links")
    for label, scenario, cancel in walks:
        if budget.spent:
            progress(f"  {label}: skipped (--max-time {budget.seconds:g} s spent)")
            continue
        before = len(section.findings)
        plan = Plan(
            request=sample_request(profile, app.spec),
            headers={SCENARIO_HEADER: scenario} if scenario else {},
            cancel=cancel,
            step_seconds=options.step_seconds,
            poll_interval=options.poll_interval,
            poll_timeout=options.poll_timeout,
        )
        journey = Journey(app.spec, profile, target, plan)
        for step in journey.play():
            operation = checks.schema.find_operation_by_label(
                f"{step.operation.method} {step.operation.path}"
            )
            if operation is None or step.seen.raw is None:
                continue
            kwargs: dict[str, Any] = {
                "path_parameters": dict(step.path_params),
                "query": dict(step.query),
            }
            if step.body is not None:
                kwargs["body"] = step.body
            checks.validate(operation.Case(**kwargs), step.seen.raw)
            section.ran(step.operation.key)
        checks.drain(section, _scripted(app, scenario))
        for where, problem in journey.problems:
            section.add(Finding(f"journey {label}", "links", f"{where}: {problem}"))
        found = len(section.findings) - before
        progress(f"  {label}: {len(journey.steps)} steps, {found} findings")
