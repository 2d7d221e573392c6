"""Finding the job resource of a spec: the operation that creates a job, the one that returns
it, and those that list, retry, cancel and delete it, with the job's schema and status field.

A job resource is a collection path with a ``POST`` (create) whose item path answers a ``GET``
with an object carrying a status: ``POST /batches`` and ``GET /batches/{id}``. Actions on an
item are read from the last path segment (``/cancel``, ``:cancel``, ``/retry``). When a spec
has several (fine-tuning jobs and batch jobs), each is scored by how much of a job it is, and
the best is drafted; the others are named so the user can pick one (``--resource``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from emulator.drafting.status_words import status_kind
from emulator.openapi import Operation, Spec

__all__ = ["JobResource", "JobSchema", "find_job", "find_resources", "success_of"]

_STATUS_NAMES = ("status", "state", "phase", "job_status", "lifecycle_state", "status_code")
_RETRY_WORDS = ("retry", "rerun", "restart", "resubmit", "requeue", "resume")
_CANCEL_WORDS = ("cancel", "stop", "abort", "terminate", "kill")
_STATUS_WORDS = ("status", "state", "progress")
_JOB_WORDS = (
    "job",
    "batch",
    "operation",
    "task",
    "run",
    "prediction",
    "transcript",
    "action",
    "tune",
    "training",
    "export",
    "import",
    "report",
    "workflow",
    "render",
    "analy",
)
_PARAM = re.compile(r"\{[^}]+\}")
_JSON = re.compile(r"^application/(.+\+)?json$")


@dataclass(frozen=True, slots=True)
class JobSchema:
    """Where a job is inside an answer: ``envelope`` keys lead from the answer to the job
    (``("action",)`` for ``{"action": {...}}``), ``schema`` is the job object."""

    answer: Mapping[str, Any]
    envelope: tuple[str, ...]
    schema: Mapping[str, Any]
    status_field: str
    statuses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JobResource:
    collection: str
    item_path: str
    create: Operation
    retrieve: Operation
    job: JobSchema
    listing: Operation | None
    status: Operation | None
    retry: Operation | None
    cancel: Operation | None
    delete: Operation | None
    # The header a create answer points at a status monitor with (202 + Location shape).
    monitor_header: str | None
    score: float

    @property
    def label(self) -> str:
        return self.collection


def success_of(op: Operation) -> tuple[int, Mapping[str, Any] | None]:
    """The first 2xx status the operation declares (200 when none) and its JSON schema."""
    for status in sorted(op.responses):
        if len(status) == 3 and status.startswith("2") and status.isdigit():
            response = op.responses[status]
            for media_type, media in response.content.items():
                schema = media.schema
                if _JSON.match(media_type) and isinstance(schema, Mapping):
                    return int(status), schema
            return int(status), None
    return 200, None


def properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema's properties, those of its ``allOf`` members merged in."""
    found: dict[str, Any] = {}
    for member in schema.get("allOf", ()):
        if isinstance(member, Mapping):
            found.update(properties(member))
    props = schema.get("properties")
    if isinstance(props, Mapping):
        found.update(props)
    return found


def enum_of(schema: Any) -> tuple[str, ...]:
    """The string values a schema allows, through ``anyOf``/``oneOf``/``allOf``."""
    if not isinstance(schema, Mapping):
        return ()
    if isinstance(schema.get("enum"), list):
        return tuple(v for v in schema["enum"] if isinstance(v, str))
    if isinstance(schema.get("const"), str):
        return (schema["const"],)
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            found = enum_of(member)
            if found:
                return found
    return ()


def _status_field(schema: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    props = properties(schema)
    for name in _STATUS_NAMES:
        if name in props:
            values = enum_of(props[name])
            if values or _is_string(props[name]):
                return name, values
    return None


def _is_string(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    declared = schema.get("type")
    return declared == "string" or (isinstance(declared, list) and "string" in declared)


def find_job(answer: Mapping[str, Any] | None) -> JobSchema | None:
    """The job inside ``answer``: the answer itself when it has a status, else the one
    property holding an object that has (an envelope, ``{"action": {...}}``)."""
    if answer is None:
        return None
    found = _status_field(answer)
    if found:
        return JobSchema(answer, (), answer, *found)
    for name, sub in properties(answer).items():
        if isinstance(sub, Mapping) and (inner := _status_field(sub)):
            return JobSchema(answer, (name,), sub, *inner)
    return None


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _verb(path: str, item_path: str) -> str | None:
    """The action word of a path under ``item_path`` (``/cancel``, ``:cancel``), if any."""
    if path.startswith(item_path + ":"):
        return path[len(item_path) + 1 :].lower()
    if path.startswith(item_path + "/"):
        rest = path[len(item_path) + 1 :]
        return rest.lower() if "/" not in rest and "{" not in rest else None
    return None


def _words(op: Operation) -> str:
    return f"{op.path} {op.operation_id or ''}".lower()


def _pick(ops: Sequence[Operation], words: Sequence[str], item_path: str) -> Operation | None:
    for op in ops:
        verb = _verb(op.path, item_path)
        if op.method == "POST" and verb and any(w in verb for w in words):
            return op
    return None


def _list_of(spec: Spec, collection: str, status_field: str) -> Operation | None:
    for op in spec.operations:
        if op.method != "GET" or op.path != collection:
            continue
        _, schema = success_of(op)
        if schema is not None and items_schema(schema, status_field) is not None:
            return op
    return None


def items_schema(page: Mapping[str, Any], status_field: str) -> tuple[str | None, Any] | None:
    """Where a list answer keeps its items: (property name, items schema), or (None, ...) for
    a bare array; None when no array of objects with ``status_field`` is there."""
    candidates: list[tuple[str | None, Any]] = []
    if page.get("type") == "array":
        candidates.append((None, page.get("items")))
    for key, sub in properties(page).items():
        if isinstance(sub, Mapping) and _array_items(sub) is not None:
            candidates.append((key, _array_items(sub)))
    for where, items in candidates:
        if isinstance(items, Mapping) and status_field in properties(items):
            return where, items
    return None


def _array_items(schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "array" or (
        isinstance(schema.get("type"), list) and "array" in schema["type"]
    ):
        return schema.get("items")
    for member in schema.get("anyOf", ()):
        if isinstance(member, Mapping) and member.get("type") == "array":
            return member.get("items")
    return None


def _score(resource: JobResource) -> float:
    kinds = {status_kind(s) for s in resource.job.statuses} - {None}
    score = 2.0 * len(kinds) + (3 if resource.job.statuses else 0)
    score += sum(op is not None for op in (resource.listing, resource.cancel, resource.retry))
    status, _ = success_of(resource.create)
    score += 1 if status in (201, 202) else 0
    text = _words(resource.create) + _words(resource.retrieve)
    score += 2 if any(w in text for w in _JOB_WORDS) else 0
    # Among equals, the shorter path: the resource itself, not one nested under another.
    return score - 0.01 * len(_segments(resource.item_path))


def find_resources(spec: Spec) -> list[JobResource]:
    """Every job resource of ``spec``, the most job-like first."""
    found = []
    by_path: dict[str, list[Operation]] = {}
    for op in spec.operations:
        by_path.setdefault(op.path, []).append(op)
    for retrieve in spec.operations:
        segments = _segments(retrieve.path)
        if retrieve.method != "GET" or not segments or not _PARAM.fullmatch(segments[-1]):
            continue
        job = find_job(success_of(retrieve)[1])
        if job is None:
            continue
        collection = "/" + "/".join(segments[:-1])
        create = next((op for op in by_path.get(collection, ()) if op.method == "POST"), None)
        if create is None:
            continue
        under = [
            op for path, ops in by_path.items() if path.startswith(retrieve.path) for op in ops
        ]
        status_op = next(
            (
                op
                for op in under
                if op.method == "GET"
                and (_verb(op.path, retrieve.path) or "") in _STATUS_WORDS
                and op.path != retrieve.path
            ),
            None,
        )
        delete = next((op for op in by_path[retrieve.path] if op.method == "DELETE"), None)
        create_status, _ = success_of(create)
        headers = {
            name.lower(): name
            for response in create.responses.values()
            for name in response.headers
        }
        monitor = next(
            (headers[h] for h in ("operation-location", "location") if h in headers), None
        )
        resource = JobResource(
            collection=collection,
            item_path=retrieve.path,
            create=create,
            retrieve=retrieve,
            job=job,
            listing=_list_of(spec, collection, job.status_field),
            status=status_op,
            retry=_pick(under, _RETRY_WORDS, retrieve.path),
            cancel=_pick(under, _CANCEL_WORDS, retrieve.path),
            delete=delete,
            monitor_header=monitor if create_status == 202 else None,
            score=0.0,
        )
        found.append(resource)
    scored = [_with_score(r) for r in found]
    return sorted(scored, key=lambda r: -r.score)


def _with_score(resource: JobResource) -> JobResource:
    return replace(resource, score=_score(resource))
