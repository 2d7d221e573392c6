"""Each field of a job's answer as a template, chosen by its name, type and format.

``id`` and ``status`` are the job's own; ``created_at`` and its kin are the job's timestamps
(when their type fits the profile's timestamp format); a field named after a status plus
``_at`` is a stamp (``cancelled_at``); a field the create request also has echoes it; error
fields carry the scenario's error, result-like fields (``output``, ``result``, ``text``,
``fine_tuned_model``) the scenario's result; anything else is the scenario's ``fields.NAME``
when optional, or a constant the spec allows when required. Every choice but the obvious ones
carries a comment saying what was guessed.

An AIP-151 Operation is a view of the job too: its ``name`` is the path the client polls,
``done`` is ``job.done``, ``response`` the scenario's result (once there is one) and ``error``
the scenario's error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.drafting.resource_finder import properties
from emulator.drafting.sample_values import SampleValues, allows_null, type_of

__all__ = ["ZONELESS", "FieldRules", "ViewDraft", "draft_view", "timestamp_style"]

# "rfc3339", "unix", or a strftime format (ZONELESS).
Timestamps = str

_CREATED = (
    "created_at",
    "created",
    "creation_time",
    "create_time",
    "createdat",
    "created_on",
    "submitted_at",
    "submitted",
    "createdtime",
    "created_date",
    "created_date_time",
    "creation_date_time",
    "created_date_time_utc",
)
_UPDATED = (
    "updated_at",
    "updated",
    "modified_at",
    "update_time",
    "last_updated",
    "updatedat",
    "modified",
    "last_modified",
    "last_updated_date_time",
    "updated_date_time",
    "last_modified_date_time",
    "last_action_date_time",
    "last_action_date_time_utc",
)
_STARTED = ("started_at", "start_time", "started", "startedat", "start_at", "started_on")
_COMPLETED = (
    "completed_at",
    "finished_at",
    "ended_at",
    "end_time",
    "done_at",
    "completed",
    "finished",
    "completedat",
    "finishedat",
    "completed_on",
    "finished_on",
)
_ERRORS = (
    "error",
    "errors",
    "error_message",
    "failure_reason",
    "failure",
    "last_error",
    "error_details",
    "error_detail",
    "failure_message",
    "status_message",
)
_RESULTS = (
    "output",
    "outputs",
    "result",
    "results",
    "text",
    "summary",
    "response",
    "fine_tuned_model",
    "output_file",
    "output_file_id",
    "output_url",
    "outputs_url",
    "download_url",
    "result_url",
    "artifacts",
    "output_files",
    "output_name",
    "prediction",
    "predictions",
    "transcript",
    "content",
    "data",
)


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower())


# RFC 3339 without a zone, for specs whose pattern refuses one (AssemblyAI's list items).
ZONELESS = "%Y-%m-%dT%H:%M:%S.%f"
_WITH_ZONE, _WITHOUT_ZONE = "2026-01-05T10:00:00Z", "2026-01-05T10:00:00.000000"


def timestamp_style(schema: Mapping[str, Any]) -> Timestamps | None:
    """How the job's own creation time is written: unix seconds, RFC 3339 text, or RFC 3339
    without a zone where the field's pattern refuses one."""
    for name, sub in properties(schema).items():
        if _plain(name) in _CREATED:
            kind = type_of(sub)
            if kind in ("integer", "number"):
                return "unix"
            if kind == "string":
                pattern = sub.get("pattern") if isinstance(sub, Mapping) else None
                if isinstance(pattern, str) and _zoneless(pattern):
                    return ZONELESS
                return "rfc3339"
    return None


def _zoneless(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return not compiled.search(_WITH_ZONE) and bool(compiled.search(_WITHOUT_ZONE))


@dataclass(frozen=True, slots=True)
class FieldRules:
    """What a view's fields may be drawn from."""

    id_field: str
    status_field: str
    timestamps: Timestamps
    statuses: tuple[str, ...]
    request_fields: Mapping[str, Any]
    request_required: frozenset[str]
    path_params: frozenset[str]
    samples: SampleValues
    # What the id field shows: the id itself, or the name an Operation is polled by.
    id_template: str = "{job.id}"
    operation: bool = False


@dataclass
class ViewDraft:
    """A view being drafted: its template, a comment per key, and what its scenarios must
    fill (results, errors, stamps) to show something."""

    template: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    error: tuple[str, Any] | None = None
    stamps: dict[str, str] = field(default_factory=dict)
    # Per key: which rule chose the template (for measuring drafts against finished ones).
    kinds: dict[str, str] = field(default_factory=dict)
    # The schema of a field that is the whole result (an Operation's ``response``).
    whole_result: Any = None


def _fits_timestamp(schema: Any, style: Timestamps) -> bool:
    kind = type_of(schema)
    if style == "unix":
        return kind in ("integer", "number")
    # google-datetime: discovery documents' RFC 3339 text.
    return kind == "string" and (
        not isinstance(schema, Mapping)
        or schema.get("format") in (None, "date-time", "google-datetime")
    )


def _stamp_status(name: str, statuses: tuple[str, ...]) -> str | None:
    """``cancelled_at`` -> ``cancelled`` when that is a status (any case, ``-`` or ``_``)."""
    plain = _plain(name)
    if not plain.endswith("_at"):
        return None
    wanted = plain[:-3]
    for status in statuses:
        if re.sub(r"[^a-z0-9]", "_", status.lower()) == wanted:
            return status
    return None


def draft_view(schema: Mapping[str, Any], rules: FieldRules) -> ViewDraft:
    """The ``job`` view of ``schema``: a template per property, required ones first."""
    view = ViewDraft()
    props = properties(schema)
    required = [n for n in schema.get("required", ()) if n in props]
    for name in required + [n for n in props if n not in required]:
        _field(view, name, props[name], name in required, rules)
    return view


def _field(view: ViewDraft, name: str, schema: Any, required: bool, rules: FieldRules) -> None:
    plain = _plain(name)
    nullable = allows_null(schema)
    source, kind, comment = _source(view, name, plain, schema, rules)
    if kind == "optional" and required and not nullable:
        source = None
    if source is None:
        # A constant: fields the scenario cannot change, required by the spec.
        view.template[name] = _constant(schema, name, rules, nullable)
        view.kinds[name] = "constant"
        view.comments[name] = "guess: a fixed value the spec allows"
        return
    if kind == "optional" and not required:
        view.template[f"{name}?"] = source
        view.kinds[name] = kind
        return
    view.kinds[name] = kind
    if comment:
        view.comments[name] = comment
    if required and not nullable and kind in _MAYBE_NULL:
        view.template[name] = {
            "$if": source,
            "then": source,
            "else": _constant(schema, name, rules, False),
        }
    elif not required and not nullable:
        view.template[f"{name}?"] = source
    else:
        view.template[name] = source


# Sources that are null in some states (before a stamp, without a result, ...).
_MAYBE_NULL = frozenset({"echo", "result", "error", "stamp", "timestamp_maybe", "optional"})


def _source(
    view: ViewDraft, name: str, plain: str, schema: Any, rules: FieldRules
) -> tuple[str | None, str, str]:
    """The template of one field, the rule that chose it, and the comment saying so."""
    if name == rules.id_field:
        if rules.id_template != "{job.id}":
            return rules.id_template, "id", "guess: the path the job is read at"
        return "{job.id}", "id", ""
    if rules.operation and name == "done":
        return "{job.done}", "status", ""
    if rules.operation and name == "response":
        view.whole_result = schema
        return "{result}", "result", "guess: the scenario's result, once the job has one"
    if name == rules.status_field:
        return "{job.status}", "status", ""
    fits = _fits_timestamp(schema, rules.timestamps)
    if fits and plain in _CREATED:
        return "{job.created_at}", "timestamp", ""
    if fits and plain in _UPDATED:
        return "{job.updated_at}", "timestamp", ""
    if fits and plain in _STARTED:
        return "{job.started_at}", "timestamp_maybe", ""
    if fits and plain in _COMPLETED:
        return "{job.completed_at}", "timestamp_maybe", ""
    if fits and (status := _stamp_status(name, rules.statuses)):
        view.stamps[name] = status
        return f"{{job.{name}}}", "stamp", f"guess: when the job became {status}"
    if plain in _ERRORS and view.error is None:
        if type_of(schema) == "string":
            view.error = (name, "message")
            return "{error.message}", "error", "guess: the scenario's error message"
        view.error = (name, schema)
        return "{error}", "error", "guess: the scenario's error, as the spec shapes it"
    # An output-only field is never the request's (Google's resources are both).
    read_only = isinstance(schema, Mapping) and schema.get("readOnly") is True
    echoes = name in rules.request_fields and _compatible(rules.request_fields[name], schema)
    if echoes and not read_only:
        comment = "guess: echoes the create request"
        if name in rules.request_required:
            return f"{{request.body.{name}}}", "echo_required", comment
        return f"{{request.body.{name}}}", "echo", comment
    if name in rules.path_params:
        return f"{{request.path.{name}}}", "echo_required", "guess: the create request's path"
    if plain in _RESULTS:
        view.results[name] = schema
        return f"{{result.{name}}}", "result", "guess: the scenario's result"
    if isinstance(schema, Mapping) and "const" in schema:
        return None, "constant", ""
    return f"{{fields.{name}}}", "optional", ""


def _compatible(request: Any, answer: Any) -> bool:
    wanted, given = type_of(answer), type_of(request)
    return (
        wanted is None
        or given is None
        or wanted == given
        or (wanted == "number" and given == "integer")
    )


def _constant(schema: Any, name: str, rules: FieldRules, nullable: bool) -> Any:
    if nullable:
        return None
    return rules.samples.least(schema, name)
