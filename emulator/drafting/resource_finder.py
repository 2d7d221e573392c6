"""Finding the job resource of a spec: the operation that creates a job, the one that returns
it, and those that list, retry, cancel and delete it, with the job's schema and status field.

A job resource comes in three shapes:

- a collection path with a ``POST`` (create) whose item path answers a ``GET`` with an object
  carrying a status: ``POST /batches`` and ``GET /batches/{id}``;
- a ``POST`` answering ``202`` with a ``Location`` or ``Operation-Location`` header naming a
  status monitor: the ``GET`` of a status that shares most of the create's path (and, where
  that monitor answers ``303``, the result it redirects to);
- a method answering a long-running **Operation** (``{name, done, metadata, response |
  error}``, AIP-151), polled at a ``GET .../operations/{id}`` answering the same.

Actions on an item are read from the last path segment (``/cancel``, ``:cancel``,
``/retry``); its list is the ``GET`` of its parent path. When a spec has several (fine-tuning
jobs and batch jobs), each is scored by how much of a job it is, and the best is drafted; the
others are named so the user can pick one (``--resource``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from emulator.drafting.status_words import status_kind
from emulator.openapi import Operation, Spec

__all__ = [
    "JobResource",
    "JobSchema",
    "Monitor",
    "find_job",
    "find_resources",
    "is_operation",
    "success_of",
]

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
_MONITOR_WORDS = ("operation", "status", "monitor", "result", "job")
_MONITOR_HEADERS = ("operation-location", "location")
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
    # ``operation``: an AIP-151 Operation, whose ``done`` stands for the status it lacks.
    shape: Literal["job", "operation"] = "job"


@dataclass(frozen=True, slots=True)
class Monitor:
    """The status monitor a create's ``header`` points at, when it is not the job itself:
    polled in its own view (``job``: its schema) and, once done, ``redirect``-ing (303) to
    the job's retrieve."""

    operation: Operation
    job: JobSchema
    redirect: bool


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
    # A status monitor of its own, polled before the job can be retrieved.
    monitor: Monitor | None = None

    @property
    def statuses(self) -> tuple[str, ...]:
        """The job's statuses, or its monitor's where the job itself names none."""
        if not self.job.statuses and self.monitor is not None:
            return self.monitor.job.statuses
        return self.job.statuses

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


def is_operation(schema: Mapping[str, Any]) -> bool:
    """An AIP-151 long-running Operation: a ``name``, a boolean ``done``, and a ``response``
    or an ``error``."""
    props = properties(schema)
    done = props.get("done")
    return (
        "name" in props
        and isinstance(done, Mapping)
        and done.get("type") == "boolean"
        and ("response" in props or "error" in props)
    )


def find_job(answer: Mapping[str, Any] | None) -> JobSchema | None:
    """The job inside ``answer``: the answer itself when it has a status (or is an
    Operation), else the one property holding an object that has (an envelope,
    ``{"action": {...}}``)."""
    if answer is None:
        return None
    if is_operation(answer):
        return JobSchema(answer, (), answer, "done", (), "operation")
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


def _says(op: Operation, words: Sequence[str]) -> bool:
    """Whether ``op``'s id names one of ``words`` (``DocumentTranslation_CancelTranslation``)."""
    return any(w in (op.operation_id or "").lower() for w in words)


def _pick(ops: Sequence[Operation], words: Sequence[str], item_path: str) -> Operation | None:
    for op in ops:
        verb = _verb(op.path, item_path)
        if op.method == "POST" and verb and any(w in verb for w in words):
            return op
    return None


def _parent(path: str) -> str:
    return "/" + "/".join(_segments(path)[:-1])


def _list_of(spec: Spec, item_path: str, status_field: str) -> Operation | None:
    """The ``GET`` of the item's parent path answering an array of jobs."""
    for op in spec.operations:
        if op.method != "GET" or op.path != _parent(item_path):
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
    statuses = resource.statuses
    kinds = {status_kind(s) for s in statuses} - {None}
    score = 2.0 * len(kinds) + (3 if statuses else 0)
    if resource.job.shape == "operation":
        score += 9  # done, response and error say as much as a status enum
    score += 2 if resource.monitor_header else 0
    score += sum(op is not None for op in (resource.listing, resource.cancel, resource.retry))
    status, _ = success_of(resource.create)
    score += 1 if status in (201, 202) else 0
    text = _words(resource.create) + _words(resource.retrieve)
    score += 2 if any(w in text for w in _JOB_WORDS) else 0
    # Among equals, the shorter path: the resource itself, not one nested under another.
    return score - 0.01 * len(_segments(resource.item_path))


def find_resources(spec: Spec) -> list[JobResource]:
    """Every job resource of ``spec``, the most job-like first."""
    by_path: dict[str, list[Operation]] = {}
    for op in spec.operations:
        by_path.setdefault(op.path, []).append(op)
    found = _collections(spec, by_path)
    creates = {r.create.key for r in found}
    found += _operations(spec, by_path, creates)
    creates |= {r.create.key for r in found}
    found += _monitored(spec, by_path, creates)
    scored = [_with_score(r) for r in found]
    return sorted(scored, key=lambda r: -r.score)


def _gets(spec: Spec) -> list[tuple[Operation, JobSchema]]:
    """Each ``GET`` of an item (its last segment a parameter) answering a job."""
    found = []
    for op in spec.operations:
        segments = _segments(op.path)
        if op.method != "GET" or not segments or not _PARAM.fullmatch(segments[-1]):
            continue
        job = find_job(success_of(op)[1])
        if job is not None:
            found.append((op, job))
    return found


def _collections(spec: Spec, by_path: Mapping[str, list[Operation]]) -> list[JobResource]:
    """``POST /batches`` and ``GET /batches/{id}``."""
    found = []
    for retrieve, job in _gets(spec):
        if job.shape == "operation":
            continue
        collection = _parent(retrieve.path)
        create = next((op for op in by_path.get(collection, ()) if op.method == "POST"), None)
        if create is None:
            continue
        found.append(_resource(spec, by_path, collection, create, retrieve, job))
    return found


def _operations(
    spec: Spec, by_path: Mapping[str, list[Operation]], taken: set[str]
) -> list[JobResource]:
    """Methods answering an Operation, each polled at the Operation's own ``GET``."""
    polled = [(op, job) for op, job in _gets(spec) if job.shape == "operation"]
    if not polled:
        return []

    def fitness(candidate: tuple[Operation, JobSchema]) -> tuple[int, int]:
        op = candidate[0]
        under = [o for path, ops in by_path.items() if path.startswith(op.path) for o in ops]
        actions = sum(
            (
                _list_of(spec, op.path, "done") is not None,
                _pick(under, _CANCEL_WORDS, op.path) is not None,
            )
        )
        return (-actions, len(_segments(op.path)))

    retrieve, job = min(polled, key=fitness)
    found = []
    for create in spec.operations:
        if create.method != "POST" or create.key in taken:
            continue
        answer = find_job(success_of(create)[1])
        if answer is None or answer.shape != "operation" or create.path.startswith(retrieve.path):
            continue
        found.append(_resource(spec, by_path, create.path, create, retrieve, job))
    return found


def _monitor_header(create: Operation) -> str | None:
    status, _ = success_of(create)
    response = create.responses.get(str(status))
    if response is None:
        return None
    names = {name.lower(): name for name in response.headers}
    return next((names[h] for h in _MONITOR_HEADERS if h in names), None)


def _shared(a: str, b: str) -> int:
    """How many leading segments two paths share (``x:analyze`` counts as ``x``)."""
    count = 0
    for left, right in zip(_segments(a), _segments(b), strict=False):
        if left.split(":")[0] != right.split(":")[0]:
            break
        count += 1
    return count


def _monitored(
    spec: Spec, by_path: Mapping[str, list[Operation]], taken: set[str]
) -> list[JobResource]:
    """``POST`` answering 202 + ``Operation-Location``: polled at the status ``GET`` that
    shares most of its path, which may redirect (303) to the result."""
    gets = [(op, job) for op, job in _gets(spec) if job.shape == "job" and job.status_field]
    found = []
    for create in spec.operations:
        if create.method != "POST" or create.key in taken:
            continue
        header = _monitor_header(create)
        if header is None or not gets:
            continue
        monitor, monitor_job = max(gets, key=lambda candidate: _monitor_fitness(candidate, create))
        redirect = "303" in monitor.responses
        resource = _resource(spec, by_path, _parent(monitor.path), create, monitor, monitor_job)
        if redirect:
            result = _result_of(spec, monitor, create)
            if result is not None:
                retrieve, job = result
                watched = Monitor(monitor, monitor_job, redirect=True)
                resource = replace(
                    _resource(spec, by_path, _parent(retrieve.path), create, retrieve, job),
                    monitor=watched,
                )
        found.append(replace(resource, monitor_header=header))
    return found


def _monitor_fitness(candidate: tuple[Operation, JobSchema], create: Operation) -> float:
    """How likely ``candidate`` is the monitor ``create`` points at: it answers what the
    create answers, shares its path, says so in its path, and lists statuses."""
    op, job = candidate
    _, created = success_of(create)
    same_answer = created is not None and created == job.answer
    words = sum(w in op.path.lower() for w in _MONITOR_WORDS)
    return 4 * same_answer + 2 * _shared(op.path, create.path) + words + bool(job.statuses)


def _result_of(spec: Spec, monitor: Operation, create: Operation) -> tuple[Operation, Any] | None:
    """The ``GET`` a monitor redirects to: an item answering an object, nearest the create."""
    found = []
    for op in spec.operations:
        segments = _segments(op.path)
        if op is monitor or op.method != "GET" or not segments:
            continue
        _, answer = success_of(op)
        if not _PARAM.fullmatch(segments[-1]) or answer is None:
            continue
        job = find_job(answer) or JobSchema(answer, (), answer, "", ())
        words = "result" in op.path.lower()
        found.append((2 * _shared(op.path, create.path) + 3 * words, op, job))
    if not found:
        return None
    _, op, job = max(found, key=lambda f: f[0])
    return op, job


def _resource(
    spec: Spec,
    by_path: Mapping[str, list[Operation]],
    collection: str,
    create: Operation,
    retrieve: Operation,
    job: JobSchema,
) -> JobResource:
    under = [op for path, ops in by_path.items() if path.startswith(retrieve.path) for op in ops]
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
    cancel = _pick(under, _CANCEL_WORDS, retrieve.path)
    if cancel is None and delete is not None and _says(delete, _CANCEL_WORDS):
        cancel, delete = delete, None  # DELETE /batches/{id} named CancelTranslation cancels
    create_status, _ = success_of(create)
    return JobResource(
        collection=collection if create.path == collection else create.path,
        item_path=retrieve.path,
        create=create,
        retrieve=retrieve,
        job=job,
        listing=_list_of(spec, retrieve.path, job.status_field),
        status=status_op,
        retry=_pick(under, _RETRY_WORDS, retrieve.path),
        cancel=cancel,
        delete=delete,
        monitor_header=_monitor_header(create) if create_status == 202 else None,
        score=0.0,
    )


def _with_score(resource: JobResource) -> JobResource:
    return replace(resource, score=_score(resource))
