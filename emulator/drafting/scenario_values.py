"""What the drafted scenarios carry: a success's result (each result-like field's least value
the spec allows; for an Operation, its response under an ``@type``) and a failure's error, in
the shape the job's error field has, with a message a client shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.drafting.field_templates import ViewDraft
from emulator.drafting.job_naming import response_message
from emulator.drafting.resource_finder import JobResource, properties
from emulator.drafting.sample_values import SampleValues, type_of
from emulator.openapi import Spec

__all__ = ["scenario_error", "scenario_result"]

_ANY_TYPE = "type.googleapis.com/google.protobuf.Struct"
_FAILURE = "The job failed (a drafted failure)."


def scenario_result(
    job_view: ViewDraft,
    spec: Spec,
    resource: JobResource,
    samples: SampleValues,
    undecided: list[str],
) -> Any:
    """The result of the happy path; what could not be decided goes to ``undecided``."""
    if job_view.whole_result is None:
        return {k: samples.least(s, k) for k, s in job_view.results.items()}
    named = response_message(spec, resource)
    if named is not None:
        type_url, schema = named
        least = samples.least(schema, "response")
        undecided.append(
            f"the Operation's response is taken to be {type_url} (by the create method's "
            "name); check its '@type' in the scenarios' result"
        )
        return {"@type": type_url, **(least if isinstance(least, dict) else {})}
    # An Operation's response is a protobuf Any: JSON names its type in "@type", which the
    # spec does not give; a Struct holds any fields, under "value".
    least = samples.least(job_view.whole_result, "response")
    undecided.append(
        "the Operation's response names its type in '@type' (a protobuf Any) and the spec "
        f"does not say which: the scenarios' result says {_ANY_TYPE}; a client that unpacks "
        "the response needs its own message's type URL there"
    )
    own = least if isinstance(least, dict) else {}
    return {"@type": _ANY_TYPE, "value": {k: v for k, v in own.items() if k != "@type"}}


def scenario_error(job_view: ViewDraft, samples: SampleValues) -> Any:
    """The error of the failure, shaped like the job's error field."""
    if job_view.error is None:
        return {"message": _FAILURE, "code": "failed"}
    name, shape = job_view.error
    if shape == "message":
        return {"message": _FAILURE, "code": "failed"}
    value = samples.least(shape, name)
    items = shape.get("items") if isinstance(shape, Mapping) else None
    if value == [] and isinstance(items, Mapping):
        value = [samples.least(items, name)]
    if isinstance(value, dict) and isinstance(shape, Mapping):
        # An optional message field is still the one a client shows: fill it.
        fields = properties(shape)
        for key in ("message", "detail", "description"):
            if key in fields and type_of(fields[key]) == "string":
                value.setdefault(key, "")
                break
    return _with_message(value, _FAILURE)


def _with_message(value: Any, message: str) -> Any:
    if isinstance(value, dict):
        for key in ("message", "detail", "error", "description", "msg"):
            if key in value and isinstance(value[key], str):
                return {**value, key: message}
        return value
    if isinstance(value, list):
        return [_with_message(v, message) for v in value]
    return value
