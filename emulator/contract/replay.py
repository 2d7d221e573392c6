"""``contract --replay``: does the service still do what a scenario says it does (drift)?

A scenario's client journey (``journey.Journey``: create with the scenario's request, poll,
retry, cancel, list, an unknown job) is played twice on in-process reference emulators, with
different seeds and clocks, and once against the target. What the scenario expects is what
the references agree on: values that differ between them (ids, timestamps) are volatile and
only their shape is compared. The target is compared on the sequence of job statuses of each
attempt (never their timing: a real service is polled, not time-shifted), the HTTP statuses of
each step, the shape and fixed values of each answer, the retry model (same job or a new one)
and the error envelope. Each difference names the step, the operation, the JSON path and both
values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import httpx
from starlette.testclient import TestClient

from emulator.checks.profile_check import sample_request
from emulator.contract.journey import Journey, Plan, Step, view_key
from emulator.contract.report import Finding, Report, Section
from emulator.contract.runner import SCENARIO_HEADER, ContractOptions, wants_cancel
from emulator.contract.target import CouldNotRun, Target, reporting
from emulator.http.app import Emulator
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.spec_facts import base_path
from emulator.settings import Settings

__all__ = ["flatten", "run_replay"]

_TYPES = {str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}


def flatten(value: Any, path: str = "$") -> dict[str, Any]:
    """Every leaf of a JSON value by JSON path; empty containers are leaves too."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}"))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value[:20]):
            out.update(flatten(item, f"{path}[{index}]"))
        return out
    return {path: value}


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return _TYPES.get(type(value), type(value).__name__)


def _request(app: Emulator, scenario: Scenario) -> dict[str, Any]:
    assert app.profile is not None
    request = sample_request(app.profile, app.spec)
    body = request.get("body")
    for dotted, value in scenario.match.body.items():
        if not isinstance(body, dict):
            body = request["body"] = {}
        *parents, last = dotted.split(".")
        for part in parents:
            body = body.setdefault(part, {})
        body[last] = value
    request["path"].update(scenario.match.path)
    request["query"] = {**request.get("query", {}), **scenario.match.query}
    return request


def _reference(app: Emulator, plan: Plan, seed: int, auth: Mapping[str, str]) -> list[Step]:
    twin = Emulator(app.spec, app.profile, app.scenarios, Settings(seed=seed, strict=False))
    with TestClient(twin) as client:
        target = Target(
            "http://testserver",
            auth,
            client=cast(httpx.Client, client),
            api_prefix=base_path(app.spec.document),
        )
        target.fresh()
        target.advance(seed * 86_400.0)
        assert app.profile is not None
        return Journey(app.spec, app.profile, target, plan).play()


def _keyed(steps: list[Step], status_key: str) -> dict[str, Step]:
    """Steps by what they are, not when: a poll is named by its attempt and the job status it
    saw (its first sighting), every other step by its label."""
    keyed: dict[str, Step] = {}
    for step in steps:
        if " poll " in step.label:
            body = step.seen.body
            status = body.get(status_key) if isinstance(body, dict) else None
            keyed.setdefault(f"{step.label.split(' poll ')[0]}: {status}", step)
        else:
            keyed.setdefault(step.label, step)
    return keyed


def _states(steps: list[Step], status_key: str) -> dict[str, list[Any]]:
    seen: dict[str, list[Any]] = {}
    for step in steps:
        if " poll " not in step.label:
            continue
        body = step.seen.body
        status = body.get(status_key) if isinstance(body, dict) else None
        states = seen.setdefault(step.label.split(" poll ")[0], [])
        if not states or states[-1] != status:
            states.append(status)
    return seen


class _Compare:
    def __init__(self, scenario: str, section: Section, status_key: str) -> None:
        self.scenario, self.section, self.status_key = scenario, section, status_key

    def add(
        self,
        step: str,
        operation: str,
        check: str,
        message: str,
        path: str = "",
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        self.section.add(
            Finding(
                f"{self.scenario}: {step} ({operation})",
                check,
                message,
                path,
                expected=expected,
                actual=actual,
            )
        )

    def run(self, ref: list[Step], other: list[Step], actual: list[Step]) -> None:
        key = self.status_key
        for attempt, states in _states(ref, key).items():
            got = _states(actual, key).get(attempt)
            if got != states:
                self.add(
                    attempt,
                    "retrieve",
                    "states",
                    "the job went through other statuses",
                    f"$.{key}",
                    states,
                    got,
                )
        twin, seen = _keyed(other, key), _keyed(actual, key)
        for name, step in _keyed(ref, key).items():
            mine = seen.get(name)
            op = step.operation.key
            if mine is None:
                self.add(name, op, "transition", "this step never happened", "", step.label, None)
                continue
            self.section.ran(f"{self.scenario}: {name} ({op})", {"status", "shape", "value"})
            if mine.seen.status != step.seen.status:
                self.add(
                    name,
                    op,
                    "status",
                    "another HTTP status",
                    "",
                    step.seen.status,
                    mine.seen.status,
                )
            self._bodies(name, op, step, twin.get(name), mine)

    def _bodies(self, name: str, op: str, ref: Step, twin: Step | None, mine: Step) -> None:
        expected, other = flatten(ref.seen.body), flatten(twin.seen.body if twin else None)
        actual = flatten(mine.seen.body)
        for path, value in expected.items():
            if path not in actual:
                self.add(name, op, "shape", "a field is missing", path, value, None)
            elif _kind(actual[path]) != _kind(value):
                self.add(
                    name,
                    op,
                    "shape",
                    "a field has another type",
                    path,
                    _kind(value),
                    _kind(actual[path]),
                )
            elif other.get(path) == value and actual[path] != value:
                self.add(
                    name,
                    op,
                    "value",
                    "a value the scenario fixes differs",
                    path,
                    value,
                    actual[path],
                )
        for path, value in actual.items():
            if path not in expected and not any(p.startswith(path) for p in expected):
                self.add(name, op, "shape", "an extra field", path, None, value)


def _retry_model(steps: list[Step], id_keys: list[str]) -> str | None:
    """ "same job" or "new job", by the id the create and the retry answered with."""
    by_label = {s.label: s for s in steps}
    created, retried = by_label.get("create"), by_label.get("retry")
    if created is None or retried is None:
        return None

    def job_id(body: Any) -> Any:
        found = (body.get(k) for k in id_keys) if isinstance(body, dict) else iter(())
        return next((v for v in found if v is not None), None)

    return "same job" if job_id(created.seen.body) == job_id(retried.seen.body) else "new job"


def run_replay(
    app: Emulator, names: list[str], options: ContractOptions, progress: Callable[[str], None]
) -> Report:
    report = Report(f"replay: {app.spec.title}", options.base_url)
    section = report.section("replay")
    with reporting(report) as opened:
        if app.profile is None:
            raise CouldNotRun("--replay needs a profile (--api or --profile) to play scenarios")
        unknown = [n for n in names if n not in app.scenarios]
        if unknown or not names:
            known = ", ".join(sorted(app.scenarios))
            raise CouldNotRun(f"--replay {','.join(unknown)}: no such scenario; known: {known}")
        target = Target(
            options.base_url,
            options.headers,
            timeout=options.timeout,
            api_prefix=base_path(app.spec.document),
        )
        opened.append(target)
        target.probe()
        progress(f"replay: {len(names)} scenarios against {options.base_url}")
        for name in names:
            _replay_one(app, name, target, section, options, progress)
    return report


def _replay_one(
    app: Emulator,
    name: str,
    target: Target,
    section: Section,
    options: ContractOptions,
    progress: Callable[[str], None],
) -> None:
    profile = app.profile
    assert profile is not None
    scenario = app.scenarios[name]
    plan = Plan(
        request=_request(app, scenario),
        headers={SCENARIO_HEADER: name},
        cancel=wants_cancel(scenario),
        step_seconds=options.step_seconds,
        poll_interval=options.poll_interval,
        poll_timeout=options.poll_timeout,
    )
    ref, twin = (_reference(app, plan, seed, options.headers) for seed in (0, 1))
    target.fresh()
    scoped: Mapping[str, str] = plan.headers if target.is_emulator else {}
    journey = Journey(app.spec, profile, target, Plan(**{**_fields(plan), "headers": scoped}))
    actual = journey.play()
    before = len(section.findings)
    status_key = view_key(profile, "job", "{job.status}") or "status"
    compare = _Compare(name, section, status_key)
    compare.run(ref, twin, actual)
    id_keys = [k for v in ("created", "job") if (k := view_key(profile, v, "{job.id}"))]
    expected_model, got_model = _retry_model(ref, id_keys), _retry_model(actual, id_keys)
    if expected_model != got_model:
        compare.add(
            "retry",
            "retry",
            "retry model",
            "the retry model differs",
            f"$.{id_keys[0] if id_keys else 'id'}",
            expected_model,
            got_model,
        )
    for where, problem in journey.problems:
        compare.add(where, "journey", "journey", problem)
    found = len(section.findings) - before
    progress(f"  {name}: {len(actual)} steps, {found} differences")


def _fields(plan: Plan) -> dict[str, Any]:
    return {f: getattr(plan, f) for f in Plan.__dataclass_fields__}
