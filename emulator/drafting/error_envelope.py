"""The ``errors`` section of a draft: the envelope the spec's error answers share, its
message field, and the statuses the spec gives to a bad request and to a refused cancel.

The error schema most often declared by the job's operations (4xx, 5xx, ``default``) is the
envelope; its message-like field (``message``, ``error``, ``detail``) carries ``{message}``,
a numeric ``status``/``code`` the HTTP status, and a list of ``{loc, msg, type}`` (FastAPI's
422) the request's violations. A google.rpc.Status under ``error`` (AIP-193) gets each kind's
canonical code.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emulator.drafting.resource_finder import properties
from emulator.drafting.sample_values import SampleValues, type_of
from emulator.openapi import Operation

__all__ = ["ErrorDraft", "draft_errors"]

_MESSAGE = (
    "message",
    "error",
    "detail",
    "error_message",
    "errormessage",
    "description",
    "msg",
    "title",
    "error_description",
    "reason",
)
_STATUS = ("status", "code", "status_code", "statuscode", "http_status")
# Words an error code's name says each kind of error with (lowercase, letters only).
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "invalid_request": ("invalidrequest", "invalidargument", "badrequest", "validation"),
    "malformed_body": ("invalidrequest", "invalidargument", "badrequest", "malformed"),
    "unsupported_media_type": ("unsupportedmedia", "invalidrequest", "badrequest"),
    "unauthenticated": ("unauthorized", "unauthenticated", "authentication"),
    "invalid_token": ("unauthorized", "unauthenticated", "invalidtoken"),
    "forbidden": ("forbidden", "permissiondenied"),
    "not_found": ("notfound",),
    "invalid_state": ("conflict", "invalidstate", "failedprecondition", "invalidrequest"),
    "conflict": ("conflict", "aborted"),
    "rate_limited": ("ratelimit", "toomanyrequests", "ratetoohigh", "throttl", "exhausted"),
    "server_error": ("internalserver", "internal", "servererror"),
    "unavailable": ("unavailable",),
}
# Each kind of error as AIP-193 names it (google.rpc.Code), with its HTTP status.
_RPC_CODES: dict[str, Any] = {
    "invalid_request": {"status": 400, "code": "INVALID_ARGUMENT"},
    "malformed_body": {"status": 400, "code": "INVALID_ARGUMENT"},
    "unsupported_media_type": {"status": 400, "code": "INVALID_ARGUMENT"},
    "unauthenticated": {"status": 401, "code": "UNAUTHENTICATED"},
    "invalid_token": {"status": 401, "code": "UNAUTHENTICATED"},
    "forbidden": {"status": 403, "code": "PERMISSION_DENIED"},
    "not_found": {"status": 404, "code": "NOT_FOUND"},
    "invalid_state": {"status": 400, "code": "FAILED_PRECONDITION"},
    "conflict": {"status": 409, "code": "ABORTED"},
    "rate_limited": {"status": 429, "code": "RESOURCE_EXHAUSTED"},
    "server_error": {"status": 500, "code": "INTERNAL"},
    "unavailable": {"status": 503, "code": "UNAVAILABLE"},
}


@dataclass
class ErrorDraft:
    section: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)


def _error_schemas(ops: Sequence[Operation]) -> list[tuple[str, str, Mapping[str, Any]]]:
    found = []
    for op in ops:
        for status, response in op.responses.items():
            if status.startswith("2"):
                continue
            for media_type, media in response.content.items():
                if "json" in media_type and isinstance(media.schema, Mapping):
                    found.append((status, media_type, media.schema))
    return found


def draft_errors(
    ops: Sequence[Operation], refusing: Sequence[Operation], samples: SampleValues
) -> ErrorDraft:
    """``ops``: the bound operations; ``refusing``: those that refuse a wrong state (cancel,
    retry), whose declared 409 or 400 becomes ``invalid_state``'s status."""
    draft = ErrorDraft()
    schemas = _error_schemas(ops)
    declared = {status for op in ops for status in op.responses}
    kinds: dict[str, Any] = {}
    violations = [(status, schema) for status, _, schema in schemas if _violations_field(schema)]
    plain = [(s, m, schema) for s, m, schema in schemas if not _violations_field(schema)]
    if plain:
        counts = Counter(json.dumps(schema, sort_keys=True) for _, _, schema in plain)
        chosen = json.loads(counts.most_common(1)[0][0])
        media = next(
            m for _, m, s in plain if json.dumps(s, sort_keys=True) == counts.most_common(1)[0][0]
        )
        draft.section["body"] = _envelope(chosen, samples)
        draft.comments["body"] = "guess: the error schema most of the job's operations declare"
        if media != "application/json":
            draft.section["media_type"] = media
        coded = _coded_kinds(chosen)
        if coded is not None:
            field_path, by_kind = coded
            _set(draft.section["body"], field_path, "{code}")
            kinds.update({kind: {"code": value} for kind, value in by_kind.items()})
            draft.comments["body"] = (
                f"guess: the error schema most of the job's operations declare; each kind's "
                f"'{'.'.join(field_path)}' is the value of its enum that names it"
            )
        if _is_rpc_status(chosen):
            draft.section["body"] = {
                "error": {"code": "{status}", "message": "{message}", "status": "{code}"}
            }
            kinds.update(_RPC_CODES)
            draft.comments["body"] = (
                "guess: a google.rpc.Status under 'error' (AIP-193): the HTTP status as its "
                "code, the canonical code's name as its status"
            )
    elif violations:
        name = _violations_field(violations[0][1])
        draft.section["body"] = {name: "{message}"}
        draft.comments["body"] = (
            f"guess: the spec declares only validation errors; other errors put the message in "
            f"'{name}'"
        )
    else:
        draft.section["body"] = {"error": {"message": "{message}"}}
        draft.comments["body"] = "undecided: the spec declares no error body; a common shape"
    if violations:
        status, schema = violations[0]
        name = _violations_field(schema)
        kinds["invalid_request"] = {"status": int(status), "body": {name: "{violations}"}}
        draft.comments["kinds.invalid_request"] = (
            f"guess: the spec's {status} lists the request's violations in '{name}'"
        )
    elif "422" in declared and "400" not in declared:
        kinds["invalid_request"] = {"status": 422}
    refused = {status for op in refusing for status in op.responses}
    if "409" not in refused and "400" in refused:
        kinds["invalid_state"] = {**kinds.get("invalid_state", {}), "status": 400}
        draft.comments["kinds.invalid_state"] = "guess: a refused cancel or retry is the spec's 400"
    if kinds:
        draft.section["kinds"] = kinds
    return draft


def _coded_kinds(schema: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """Where the envelope's code is an enum (``error.code``: ``ResourceNotFound``, ...), the
    path to it and, for each kind of error, the value naming it (the first value otherwise)."""
    for path, sub in _fields(schema, ()):
        if path[-1].lower() not in ("code", "error_code", "errorcode", "type"):
            continue
        enum = sub.get("enum", ()) if isinstance(sub, Mapping) else ()
        values = [v for v in enum if isinstance(v, str)]
        if not values:
            continue
        squashed = {v: re.sub(r"[^a-z]", "", v.lower()) for v in values}
        by_kind = {}
        for kind, words in _KIND_WORDS.items():
            named = [v for w in words for v in values if w in squashed[v]]  # by word order
            by_kind[kind] = named[0] if named else values[0]
        return path, by_kind
    return None


def _fields(schema: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Every field of ``schema`` and of the objects inside it, with its path."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for name, sub in properties(schema).items() if isinstance(schema, Mapping) else ():
        out.append(((*path, name), sub))
        if type_of(sub) == "object":
            out.extend(_fields(sub, (*path, name)))
    return out


def _set(body: Any, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            return
        body = body[key]
    if isinstance(body, dict):
        body[path[-1]] = value


def _is_rpc_status(schema: Mapping[str, Any]) -> bool:
    """Whether errors come as a google.rpc.Status under ``error`` (AIP-193): a numeric
    ``code``, a ``message`` and the canonical code's name as ``status``."""
    error = properties(schema).get("error")
    fields = properties(error) if isinstance(error, Mapping) else {}
    return (
        type_of(fields.get("code")) == "integer"
        and type_of(fields.get("message")) == "string"
        and type_of(fields.get("status")) == "string"
    )


def _violations_field(schema: Mapping[str, Any]) -> str | None:
    """The field holding a list of ``{loc, msg, type}`` (FastAPI's validation errors)."""
    for name, sub in properties(schema).items():
        if isinstance(sub, Mapping) and type_of(sub) == "array":
            items = sub.get("items")
            if isinstance(items, Mapping) and {"loc", "msg"} <= set(properties(items)):
                return name
    return None


def _envelope(schema: Mapping[str, Any], samples: SampleValues) -> Any:
    props = properties(schema)
    required = set(schema.get("required", ()))
    body: dict[str, Any] = {}
    message_done = False
    for name in _MESSAGE:
        sub = props.get(name)
        if sub is None:
            continue
        if type_of(sub) == "string":
            body[name] = "{message}"
            message_done = True
            break
        if type_of(sub) == "object" and not message_done:
            body[name] = _envelope(sub, samples)
            message_done = True
            break
    for name, sub in props.items():
        if name in body:
            continue
        if name.lower() in _STATUS and type_of(sub) in ("integer", "number"):
            body[name] = "{status}"
        elif name in required:
            body[name] = samples.least(sub, name)
    if not message_done and not body:
        return {"message": "{message}"}
    return body
