"""Reading scenario files: checked against the scenario JSON Schema, then parsed into values.

Errors name the file and the path inside it, e.g.
``scenarios/writer/flaky.yaml: /attempts/0/states/1/for: unknown key 'poll'``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from emulator.errors import ScenarioError
from emulator.lifecycle.core.scenario import (
    Attempt,
    Duration,
    Fault,
    Match,
    Scenario,
    SeedJob,
    State,
)
from emulator.lifecycle.webhooks.subscriptions import DeliveryFault, Subscription
from emulator.yamlread import escape, read_yaml

__all__ = ["SCHEMA_PATH", "load_scenario", "load_scenarios"]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "scenario.schema.json"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def load_scenarios(directory: str | Path) -> dict[str, Scenario]:
    """Every ``*.yaml`` / ``*.yml`` scenario in ``directory``, by name."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ScenarioError(str(folder), "/", "no such scenarios directory")
    found: dict[str, Scenario] = {}
    for file in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        scenario = load_scenario(file)
        if scenario.name in found:
            raise ScenarioError(
                str(file),
                "/name",
                f"scenario {scenario.name!r} is also defined in {found[scenario.name].file}",
            )
        found[scenario.name] = scenario
    return found


def load_scenario(path: str | Path) -> Scenario:
    """Parse one scenario file or raise ScenarioError naming the file, pointer and problem."""
    file = Path(path)
    data = read_yaml(file, ScenarioError)
    _json_only(data, str(file), "")
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        pointer = "".join(f"/{escape(str(p))}" for p in error.absolute_path)
        raise ScenarioError(str(file), pointer, _reason(error.message, error.validator))
    doc = cast(Mapping[str, Any], data)
    attempts = tuple(_attempt(file, a, i) for i, a in enumerate(doc["attempts"]))
    for a_index, attempt in enumerate(attempts):
        _check_reachable(file, a_index, attempt)
    seeds = tuple(_seed(s) for s in doc.get("seed_jobs", ()))
    for i, seed in enumerate(seeds):
        states = attempts[min(seed.attempt, len(attempts) - 1)].states
        if seed.state >= len(states):
            raise ScenarioError(
                str(file),
                f"/seed_jobs/{i}/state",
                f"attempt {seed.attempt} has only {len(states)} states (0-{len(states) - 1})",
            )
    return Scenario(
        name=str(doc.get("name", file.stem)),
        file=str(file),
        description=str(doc.get("description", "")),
        attempts=attempts,
        match=Match(**{k: dict(v) for k, v in doc.get("match", {}).items()}),
        faults=tuple(_fault(f, i) for i, f in enumerate(doc.get("faults", ()))),
        seed_jobs=seeds,
        subscriptions=tuple(
            _subscription(raw, file.stem, i)
            for i, raw in enumerate(doc.get("webhooks", {}).get("subscriptions", ()))
        ),
        webhook_faults=tuple(_delivery_fault(f) for f in doc.get("webhooks", {}).get("faults", ())),
    )


def _json_only(value: Any, file: str, pointer: str) -> None:
    """Refuse what YAML reads but JSON cannot say (explicit ``!!timestamp``, binary, sets,
    complex keys): scenario values end up in response bodies, and the wire has no datetime.
    Plain timestamps and number keys are read as strings already (``emulator.yamlread``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ScenarioError(
                    file, f"{pointer}/{escape(str(key))}", f"key {key!r} is not a string; quote it"
                )
            _json_only(item, file, f"{pointer}/{escape(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_only(item, file, f"{pointer}/{index}")
    elif not isinstance(value, str | int | float | bool | type(None)):
        what = "a YAML timestamp" if isinstance(value, dt.date) else type(value).__name__
        raise ScenarioError(file, pointer or "/", f"{what} ({value}) is not a JSON value; quote it")


def _reason(message: str, keyword: object) -> str:
    # jsonschema says "('a' was unexpected)" for one key, "('a', 'b' were unexpected)" for more.
    if keyword == "additionalProperties" and "unexpected)" in message:
        names = message.split("(")[1].split(" were")[0].split(" was")[0]
        return f"unknown key {names}"
    return message


def _attempt(file: Path, raw: Mapping[str, Any], a_index: int) -> Attempt:
    on_cancel = cast(Literal["stop", "finish"], raw.get("on_cancel", "stop"))
    statuses = [s["status"] for s in raw["states"]]
    states = []
    for s_index, state in enumerate(raw["states"]):
        exits = {}
        for event, status in state.get("on", {}).items():
            if status not in statuses:
                where = f"/attempts/{a_index}/states/{s_index}/on/{event}"
                raise ScenarioError(
                    str(file),
                    where,
                    f"no state of this attempt has status "
                    f"{status!r}; its statuses: {', '.join(statuses)}",
                )
            exits[event] = statuses.index(status)
        states.append(_state(state, exits))
    return Attempt(tuple(states), on_cancel)


def _check_reachable(file: Path, a_index: int, attempt: Attempt) -> None:
    """Every state is the first, follows one with a ``for``, or is where an ``on`` leads."""
    reached = {0}
    for index, state in enumerate(attempt.states):
        if state.duration is not None:
            reached.add(index + 1)
        reached.update(state.exits.values())
    for index in range(1, len(attempt.states)):
        if index not in reached:
            raise ScenarioError(
                str(file),
                f"/attempts/{a_index}/states/{index - 1}",
                "only the last state of "
                "an attempt may have no 'for': the states after it could never be reached "
                "(unless an 'on' exit leads there)",
            )


def _state(raw: Mapping[str, Any], exits: Mapping[str, int]) -> State:
    limit = raw.get("for")
    duration = None
    if limit is not None:
        duration = Duration(
            polls=limit.get("polls"),
            seconds=float(limit["seconds"]) if "seconds" in limit else None,
            until=limit.get("until"),
        )
    return State(
        status=raw["status"],
        duration=duration,
        error=raw.get("error"),
        result=raw.get("result"),
        fields=dict(raw.get("fields", {})),
        exits=dict(exits),
    )


def _fault(raw: Mapping[str, Any], index: int) -> Fault:
    return Fault(
        operation=raw["operation"],
        **_selection(raw),
        status=raw.get("status"),
        kind=raw.get("kind"),
        body=raw.get("body"),
        body_given="body" in raw,
        off_spec=bool(raw.get("off_spec", False)),
        merge=dict(raw.get("merge", {})),
        headers={k: str(v) for k, v in raw.get("headers", {}).items()},
        latency=float(raw.get("latency", 0.0)),
        drop=bool(raw.get("drop", False)),
        commit=bool(raw.get("commit", False)),
        scope=cast(Literal["job", "namespace"], raw.get("scope", "job")),
        pointer=f"/faults/{index}",
    )


def _selection(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Which requests (or deliveries) a fault fires on: keys request and webhook faults share."""
    return {key: raw.get(key) for key in ("nth", "every", "probability", "times")}


def _subscription(raw: Mapping[str, Any], scenario: str, index: int) -> Subscription:
    events = raw.get("events")
    return Subscription(
        id=f"{scenario}-{index + 1}",
        url=raw["url"],
        secret=raw.get("secret", ""),  # the namespace draws one when empty
        events=None if events is None else frozenset(events),
        source=f"scenario {scenario}",
    )


def _delivery_fault(raw: Mapping[str, Any]) -> DeliveryFault:
    return DeliveryFault(
        kind=raw["fault"],
        event=raw.get("event"),
        **_selection(raw),
        seconds=float(raw.get("seconds", 60.0)),
        copies=int(raw.get("copies", 1)),
    )


def _seed(raw: Mapping[str, Any]) -> SeedJob:
    return SeedJob(
        id=raw["id"],
        attempt=raw.get("attempt", 0),
        state=raw.get("state", 0),
        request=dict(raw.get("request", {})),
    )
