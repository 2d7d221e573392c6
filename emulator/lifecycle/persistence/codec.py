"""Jobs and journal entries as JSON text, and back: what a state backend keeps of them.

Field by field from the dataclasses, so a field added to ``Job`` or ``Exchange`` (with a
default) is kept without a change here; only the values JSON cannot carry as they are
(bytes, states, events, violations) are spelled out.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import orjson

from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.scenario import Duration, State
from emulator.openapi.violation import Violation

__all__ = [
    "decode_exchange",
    "decode_job",
    "encode_exchange",
    "encode_job",
    "exchange_from_record",
    "exchange_record",
    "job_from_record",
    "job_record",
]


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
    return _exchange(json.loads(text))


def _exchange(record: dict[str, Any]) -> Exchange:
    """An ``Exchange`` from its decoded record (the state file's and Redis's alike)."""
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


@cache
def _stored(cls: type, *left_out: str) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The fields of ``cls`` but ``left_out``, and what reads them all off an instance at once."""
    names = tuple(name for name in _names(cls) if name not in left_out)
    return names, operator.attrgetter(*names)


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


# -- records for a shared store (Redis): compact bytes, orjson both ways ----------------------
#
# A shared store reads and writes a job on every request, so its records skip ``json`` and the
# intermediate text: a job without its poll counter (kept beside it, so a poll that changes
# nothing else rewrites one small number), an exchange without its ``seq`` (numbered by the
# store as it appends it), with bodies that are JSON bytes already embedded as they are.

_NO_POLLS = frozenset({"polls"})


def job_record(job: Job) -> bytes:
    """``job`` as JSON bytes, without ``polls`` (see ``job_from_record``)."""
    record = {name: getattr(job, name) for name in _names(Job) if name not in _NO_POLLS}
    # As text, not embedded JSON: decoded, it is these very bytes again.
    record["request_json"] = job.request_json.decode()
    record["override"] = None if job.override is None else _fields(job.override)
    record["events"] = [[e.at, e.name, dict(e.variables)] for e in job.events]
    return _record_bytes(record)


def job_from_record(raw: bytes, polls: int = 0) -> Job:
    record = _loads(raw)
    record["request_json"] = record["request_json"].encode()
    record["override"] = None if record["override"] is None else _state(record["override"])
    record["events"] = tuple(
        Event(at, name, variables) if variables else Event(at, name)
        for at, name, variables in record["events"]
    )
    record["polls"] = polls
    return Job(**_known(Job, record))


def exchange_record(exchange: Exchange) -> bytes:
    """``exchange`` as JSON bytes, without ``seq``: bodies kept as JSON bytes go in as they are."""
    names, values = _stored(Exchange, "seq")
    record = dict(zip(names, values(exchange), strict=True))
    # Headers go as they are: orjson writes a dict (a FrozenDict too), ``_plain`` any Mapping.
    if exchange.violations:
        record["violations"] = [_fields(v) for v in exchange.violations]
    for name in ("request_body", "response_body"):
        if isinstance(record[name], bytes):
            record[name] = orjson.Fragment(record[name])
    return _record_bytes(record)


def exchange_from_record(raw: bytes, seq: int) -> Exchange:
    record = _loads(raw)
    record["seq"] = seq
    return _exchange(record)


def _record_bytes(record: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(record, default=_plain)
    except TypeError:  # what orjson refuses (an integer past 64 bits, ...) json still writes
        return _dumps(_reparsed(record)).encode()


def _reparsed(record: dict[str, Any]) -> dict[str, Any]:
    # json cannot embed a Fragment: parse those parts back into values first.
    return {
        key: json.loads(value.contents) if isinstance(value, orjson.Fragment) else value
        for key, value in record.items()
    }


def _loads(raw: bytes) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = orjson.loads(raw)
    except orjson.JSONDecodeError:  # NaN and friends, which json wrote and reads back
        loaded = json.loads(raw)
    return loaded
