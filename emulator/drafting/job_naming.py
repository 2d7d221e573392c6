"""How a drafted job is named: its id field and the rule that makes its ids (read from the
spec's formats and examples), the path a job is read at as a template, the name a resource or
an Operation shows (its path from the first collection on), and the type URL of the message an
Operation's response holds where the schemas name messages as discovery documents do."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.drafting.resource_finder import JobResource, properties
from emulator.drafting.sample_values import type_of
from emulator.openapi import Spec

__all__ = [
    "IdRule",
    "id_field",
    "id_rule",
    "named_by_path",
    "path_template",
    "resource_name",
    "response_message",
]

# A path parameter the create request cannot fill (a project in an Operation's name).
_FIXED_PARAM = "emulator"
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class IdRule:
    """The profile's ``job.id``, the comment saying why, and what could not be decided."""

    rule: Any
    comment: str
    undecided: str | None = None


def id_field(job: Mapping[str, Any], item_path: str) -> str:
    """The job's own id field: ``id``, the item path's parameter, ``job_id``, ... ."""
    props = properties(job)
    last_param = item_path.rstrip("}").rsplit("{", 1)[-1]
    for candidate in ("id", last_param, "job_id", "uuid", "name"):
        if candidate in props:
            return candidate
    ids = [n for n in props if n.endswith("_id") or n.endswith("Id")]
    return ids[0] if ids else "id"


def id_rule(job: Mapping[str, Any], field: str, resource: JobResource) -> IdRule:
    """``uuid4`` for ``format: uuid`` (of the field, else of the item path's parameter); a
    prefix and length shaped like the spec's example; else a uuid."""
    schema = properties(job).get(field, {})
    params = {p.name: p.schema for p in resource.retrieve.parameters}
    last = resource.item_path.rstrip("}").rsplit("{", 1)[-1]
    for source in (schema, params.get(last, {})):
        if isinstance(source, Mapping) and source.get("format") == "uuid":
            return IdRule("uuid4", "guess: the spec says format uuid")
    for source in (schema, params.get(last, {})):
        example = _example(source)
        if isinstance(example, str) and (prefix := _prefix(example)) is not None:
            if not prefix and _UUID.fullmatch(example):
                return IdRule("uuid4", "guess: the spec's example is a uuid")
            length = max(8, min(len(example) - len(prefix), 40))
            rule = {"prefix": prefix, "nanoid": length} if prefix else {"nanoid": length}
            return IdRule(rule, f"guess: shaped like the spec's example {example!r}")
    undecided = None
    if type_of(schema) == "integer":
        undecided = f"the job id '{field}' is an integer; the emulator's ids are text"
    return IdRule("uuid4", "guess: the spec gives no id format; a uuid", undecided)


def path_template(resource: JobResource, path: str) -> str:
    """``path`` with the job's id in its last parameter, the create request's own path
    parameters where it has them, and a fixed word in the others."""
    own = {p.name for p in resource.create.parameters if p.location == "path"}
    names = _PATH_PARAM.findall(path)
    last = names[-1] if names else None

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == last:
            return "{job.id}"
        return f"{{request.path.{name}}}" if name in own else _FIXED_PARAM

    return _PATH_PARAM.sub(fill, path)


def named_by_path(resource: JobResource, field: str) -> bool:
    """Whether the job's ``name`` is its path (AIP-122: ``projects/p/locations/l/jobs/123``):
    a resource nested under others."""
    return field == "name" and len(_PATH_PARAM.findall(resource.item_path)) > 1


def resource_name(resource: JobResource) -> str:
    """The path a job is read at from its first collection on (``v1/`` left out):
    ``projects/emulator/operations/{job.id}`` for ``/v1/projects/{p}/operations/{id}``."""
    segments = path_template(resource, resource.item_path).strip("/").split("/")
    originals = resource.item_path.strip("/").split("/")
    start = next(
        (
            i
            for i in range(len(originals) - 1)
            if "{" not in originals[i] and _PATH_PARAM.fullmatch(originals[i + 1])
        ),
        0,
    )
    return "/".join(segments[start:])


def response_message(spec: Spec, resource: JobResource) -> tuple[str, Mapping[str, Any]] | None:
    """The message an Operation's response holds, where the schemas name it as discovery
    documents do, ``<Package>_<Message>``: the create method's name followed by
    ``...Response`` (``videos.annotate`` -> ``GoogleCloudVideointelligenceV1_Annotate
    VideoResponse``), of the spec's own version where there are several; its type URL
    (``type.googleapis.com/google.cloud.videointelligence.v1.AnnotateVideoResponse``) is the
    package's words, dotted."""
    method = re.split(r"[._:]", resource.create.key)[-1]
    schemas = spec.document.get("components", {}).get("schemas", {})
    found = []
    for name, schema in schemas.items():
        package, _, message = name.rpartition("_")
        if package and message.startswith(method.capitalize()) and message.endswith("Response"):
            found.append((package, message, schema))
    if not found or not method:
        return None
    version = str(spec.document.get("info", {}).get("version", "")).lower()
    found.sort(key=lambda f: not f[0].lower().endswith(version) if version else False)
    package, message, schema = found[0]
    words = re.findall(r"[A-Z][a-z0-9]*", package)
    if not words or not isinstance(schema, Mapping):
        return None
    dotted = ".".join(w.lower() for w in words)
    return f"type.googleapis.com/{dotted}.{message}", schema


def _example(schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return None
    if "example" in schema:
        return schema["example"]
    examples = schema.get("examples")
    return examples[0] if isinstance(examples, list) and examples else None


def _prefix(example: str) -> str | None:
    """``batch_abc123`` -> ``batch_``; ``ftjob-x`` -> ``ftjob-``; plain text -> ``""``."""
    match = re.match(r"^([A-Za-z]+[_-])[A-Za-z0-9]", example)
    if match:
        return match.group(1)
    return "" if re.fullmatch(r"[A-Za-z0-9_-]+", example) else None
