"""Request and response checks against the spec, returning ``Violation`` values.

Parameters arrive as strings; they are coerced by their schema's type before validation, the
way the providers' frameworks do, so ``limit=0`` is the integer 0 and ``limit=abc`` a type error.
Everything compiled here is compiled once per operation, when the app is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema.exceptions import ValidationError, best_match

from emulator.openapi.jsonparse import parse_json
from emulator.openapi.model import MediaType, Operation, Parameter, ResponseSpec
from emulator.openapi.violation import Violation
from emulator.speed.memo import SizedMemo

__all__ = [
    "ParsedRequest",
    "RequestChecker",
    "RequestCheckers",
    "check_response",
    "media_for",
    "parse_json",
    "response_for",
    "scalar_reader",
]


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    violations: tuple[Violation, ...]


def _schema_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None:
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, ()):
                found = _schema_type(sub)
                if found:
                    return found
    return kind if isinstance(kind, str) else None


def _scalar(kind: str | None) -> Callable[[str], Any]:
    def coerce(raw: str) -> Any:
        try:
            if kind == "integer":
                return int(raw)
            if kind == "number":
                return float(raw)
        except ValueError:
            return raw
        if kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
        if kind == "null" and raw in ("", "null"):
            return None
        return raw

    return coerce


def scalar_reader(schema: Mapping[str, Any]) -> Callable[[str], Any]:
    """Reads one text value (a header's) by the type ``schema`` gives it."""
    return _scalar(_schema_type(schema))


def _coercer(param: Parameter) -> Callable[[list[str]], Any]:
    kind = _schema_type(param.schema)
    if kind == "array":
        item = _scalar(_schema_type(param.schema.get("items", {})))
        if param.explode:
            return lambda raws: [item(r) for r in raws]
        return lambda raws: [item(r) for r in raws[-1].split(",")] if raws[-1] else []
    scalar = _scalar(kind)
    return lambda raws: scalar(raws[-1])


def _schema_errors(
    validator: Any,
    value: Any,
    prefix: tuple[str | int, ...],
    side: Literal["request", "response"],
) -> list[Violation]:
    if validator.is_valid(value):
        return []
    error: ValidationError | None = best_match(validator.iter_errors(value))
    if error is None:
        return []
    where = (*prefix, *error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        required: Any = error.validator_value
        missing = [name for name in required if name not in error.instance]
        where = (*where, *missing[:1])
    if side == "response":  # the emulator's own answer: its path is in the violation's text
        return [Violation(side, where, str(error.validator), error.message)]
    # Name the field first: the user has to know which one to fix before what is wrong.
    rule = str(error.validator)
    if prefix[0] != "body":
        label = f"{prefix[0]} parameter {prefix[1]!r}"
        return [Violation(side, where, rule, f"{label}: {error.message}")]
    field = _field_path(error.absolute_path)
    label = f"body field {field!r}" if field else "request body"
    return [Violation(side, where, rule, f"{label}: {error.message}", reason=error.message)]


def _field_path(parts: Iterable[str | int]) -> str:
    """``inputs[0].id``: where in a body, as a client's code would spell it."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


class RequestChecker:
    """The request half of the contract for one operation."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self._params = [(p, _coercer(p)) for p in operation.parameters]
        self._valid_params = SizedMemo[tuple[str, Any], bool](4096, 4 << 20)
        body = operation.request_body
        self._body_required = bool(body and body.required)
        self._media = dict(body.content) if body else {}

    def check(
        self,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        content_type: str,
        raw_body: bytes,
    ) -> ParsedRequest:
        violations: list[Violation] = []
        params: dict[str, Any] = {}
        queries: dict[str, list[str]] = {}
        for key, value in query:
            queries.setdefault(key, []).append(value)
        for param, coerce in self._params:
            raws = _raw(param, path_params, queries, headers)
            if raws is None:
                if param.required:
                    where = (param.location, param.name)
                    text = f"{param.location} parameter {param.name!r} is required"
                    violations.append(Violation("request", where, "required", text))
                continue
            value = coerce(raws)
            params[param.name] = value
            memo = (param.name, value) if isinstance(value, str | int | bool) else None
            if memo is not None and memo in self._valid_params:
                continue
            found = _schema_errors(param.validator, value, (param.location, param.name), "request")
            violations.extend(found)
            if memo is not None and not found:
                # Clients poll the same ids over and over; a value once valid stays valid.
                weight = 100 + (len(value) if isinstance(value, str) else 0)
                self._valid_params.put(memo, True, weight)
        body, body_violations = self._check_body(content_type, raw_body)
        violations.extend(body_violations)
        query_values = {k: v[-1] for k, v in queries.items()}
        return ParsedRequest(params, query_values, body, tuple(violations))

    def _check_body(self, content_type: str, raw: bytes) -> tuple[Any, list[Violation]]:
        # An empty body is "no body", whatever Content-Type the client sent with it.
        if not raw.strip():
            if self._body_required:
                text = "a request body is required"
                return None, [Violation("request", ("body",), "required", text)]
            return None, []
        if not self._media:
            return None, []
        media = media_for(self._media, content_type)
        if media is None:
            accepted = ", ".join(self._media)
            text = f"unsupported content type {content_type or '(none)'!r}; expected {accepted}"
            kind = "unsupported_media_type"
            return None, [
                Violation("request", ("header", "content-type"), "content-type", text, kind)
            ]
        if "json" not in media.media_type and media.media_type != "*/*":
            return raw.decode("utf-8", "replace"), []
        try:
            body = parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            text = f"the request body is not valid JSON: {exc}"
            return None, [Violation("request", ("body",), "json", text, "malformed_body")]
        if media.validator is None:
            return body, []
        return body, _schema_errors(media.validator, body, ("body",), "request")


class RequestCheckers(dict[str, RequestChecker]):
    """A ``RequestChecker`` per operation key, made on the operation's first request: a large
    spec's unused operations never pay for their validators."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        super().__init__()
        self._operations = {op.key: op for op in operations}

    def __missing__(self, key: str) -> RequestChecker:
        checker = self[key] = RequestChecker(self._operations[key])
        return checker


def _raw(
    param: Parameter,
    path_params: Mapping[str, str],
    queries: Mapping[str, list[str]],
    headers: Mapping[str, str],
) -> list[str] | None:
    if param.location == "path":
        value = path_params.get(param.name)
        return None if value is None else [value]
    if param.location == "query":
        return queries.get(param.name)
    if param.location == "header":
        value = headers.get(param.name.lower())
        return None if value is None else [value]
    value = cookies_of(headers).get(param.name)
    return None if value is None else [value]


def cookies_of(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``Cookie`` header's pairs (RFC 6265 section 4.2: ``a=1; b=2``), first one wins."""
    out: dict[str, str] = {}
    for pair in headers.get("cookie", "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name and name not in out:
            out[name] = value.strip().strip('"')
    return out


def media_for(content: Mapping[str, MediaType], content_type: str) -> MediaType | None:
    """The declared media type matching ``content_type`` (exact, then ``type/*``, ``*/*``)."""
    essence = content_type.split(";")[0].strip().lower()
    if essence in content:
        return content[essence]
    major = essence.split("/")[0]
    for key in (f"{major}/*", "*/*"):
        if key in content:
            return content[key]
    if essence.endswith("+json") and "application/json" in content:
        return content["application/json"]
    return None


def response_for(operation: Operation, status: int) -> ResponseSpec | None:
    """The declared response for ``status``: exact code, then ``4XX``-style range, then default."""
    responses = operation.responses
    return (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get(f"{str(status)[0]}xx")
        or responses.get("default")
    )


def check_response(
    operation: Operation, status: int, content_type: str | None, body: Any
) -> list[Violation]:
    """Does this response (status, content type, parsed JSON body) fit the spec?"""
    declared = response_for(operation, status)
    if declared is None:
        known = ", ".join(sorted(operation.responses))
        text = f"status {status} is not declared for {operation.key} (declared: {known})"
        return [Violation("response", ("status", status), "status", text)]
    if not declared.content:
        if body is not None:
            text = f"status {status} of {operation.key} declares no body, but one was sent"
            return [Violation("response", ("body",), "content", text)]
        return []
    media = media_for(declared.content, content_type or "")
    if media is None:
        text = f"content type {content_type!r} is not declared for {operation.key} {status}"
        return [Violation("response", ("header", "content-type"), "content-type", text)]
    if media.validator is None:
        return []
    return _schema_errors(media.validator, body, ("body",), "response")
