"""Jobs and journal entries as JSON text, and back: what a state backend keeps of them.

Field by field from the dataclasses, so a field added to ``Job`` or ``Exchange`` (with a
default) is kept without a change here; only the values JSON cannot carry as they are
(bytes, states, events, violations) are spelled out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.scenario import Duration, State
from emulator.openapi.violation import Violation

__all__ = ["decode_exchange", "decode_job", "encode_exchange", "encode_job"]


def encode_job(job: Job) -> str:
    record = _fields(job)
    record["request_json"] = job.request_json.decode()
    record["override"] = None if job.override is None else _fields(job.override)
    record["events"] = [[e.at, e.name, dict(e.variables)] for e in job.events]
    return _dumps(record)


def decode_job(text: str) -> Job:
    record = json.loads(text)
    record["request_json"] = record["request_json"].encode()
    record["override"] = None if record["override"] is None else _state(record["override"])
    record["events"] = tuple(
        Event(at, name, variables) if variables else Event(at, name)
        for at, name, variables in record["events"]
    )
    return Job(**_known(Job, record))


def encode_exchange(exchange: Exchange) -> str:
    record = _fields(exchange)
    record["violations"] = [_fields(v) for v in exchange.violations]
    # Bodies the journal keeps as their JSON bytes go in as the JSON they are.
    for name in ("request_body", "response_body"):
        if isinstance(record[name], bytes):
            record[name] = json.loads(record[name])
    return _dumps(record)


def decode_exchange(text: str) -> Exchange:
    record = json.loads(text)
    record["violations"] = tuple(
        Violation(**{**v, "location": tuple(v["location"])}) for v in record["violations"]
    )
    record["spec_flaws"] = tuple(record.get("spec_flaws") or ())
    record["truncated"] = tuple((name, size) for name, size in record.get("truncated") or ())
    return Exchange(**_known(Exchange, record))


def _state(record: dict[str, Any]) -> State:
    duration = record.get("duration")
    record["duration"] = None if duration is None else Duration(**duration)
    record["exits"] = {str(k): int(v) for k, v in (record.get("exits") or {}).items()}
    return State(**_known(State, record))


def _fields(value: Any) -> dict[str, Any]:
    # Shallow: nested dataclasses are handled by the caller, the rest is JSON already.
    cls: type = type(value)
    return {name: getattr(value, name) for name in _names(cls)}


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _known(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    # A state file written by a later version may carry fields this one does not know.
    names = _names(cls)
    return {k: v for k, v in record.items() if k in names}


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    return str(value)
