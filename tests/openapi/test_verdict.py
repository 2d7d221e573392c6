"""Compiled verdicts agree with jsonschema: on the bundled specs' schemas, on instances broken
on purpose, and keyword by keyword where Draft 2020-12 has corners."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from referencing import Registry

from emulator.bundle import bundled_profile
from emulator.lifecycle.load.profile_load import load_profile
from emulator.openapi import compile_validator, load_spec
from emulator.openapi.schema_validator import SchemaValidator
from emulator.openapi.synthesis import Synthesizer
from emulator.settings import BUNDLED_APIS

# Stand-ins of every JSON type, one of each, for whatever value a mutation replaces.
_OTHERS: tuple[Any, ...] = (None, True, 0, 1.5, "", "x", [], {})


def _bound_schemas() -> dict[str, SchemaValidator]:
    """Every request and response body validator of the operations the bundled profiles
    bind, one per distinct schema, named by where it was first found."""
    found: dict[str, SchemaValidator] = {}
    seen: set[str] = set()
    for api in BUNDLED_APIS:
        profile = load_profile(bundled_profile(api))
        spec = load_spec(profile.spec_path, bound=list(profile.operations.values()))
        for ref in profile.operations.values():
            op = spec.operation(ref)
            assert op is not None
            media = list(op.request_body.content.items()) if op.request_body else []
            media = [(f"request {kind}", m) for kind, m in media]
            for status, response in op.responses.items():
                media += [(f"{status} {kind}", m) for kind, m in response.content.items()]
            for where, each in media:
                validator = each.validator
                text = json.dumps(each.schema, sort_keys=True, default=str)
                if validator is not None and text not in seen:
                    seen.add(text)
                    found[f"{api} {ref} {where}"] = validator
    return found


BOUND = _bound_schemas()
# Left to jsonschema on purpose: a request body whose map keys are held to ``propertyNames``
# is compiled, so nothing bound is expected here today; the set says so if that changes.
WITHOUT_VERDICT: set[str] = set()


def test_every_bound_body_schema_has_a_verdict() -> None:
    missing = {where for where, v in BOUND.items() if v.verdict is None}
    assert missing == WITHOUT_VERDICT
    assert len(BOUND) > 20  # the walk above really reached the specs


def _mutations(value: Any) -> Iterator[Any]:
    """``value`` broken (or not) in one place at a time: a member replaced by each JSON type,
    a key dropped, a key added, an item dropped or doubled, recursively."""
    yield from (other for other in _OTHERS if other != value or type(other) is not type(value))
    if isinstance(value, dict):
        yield {**value, "zz_unexpected": 1}
        for key, member in value.items():
            yield {k: v for k, v in value.items() if k != key}
            for broken in _mutations(member):
                yield {**value, key: broken}
    elif isinstance(value, list) and value:
        yield value[1:]
        yield [*value, value[0]]
        for broken in _mutations(value[0]):
            yield [broken, *value[1:]]


@pytest.mark.parametrize("where", sorted(BOUND))
def test_verdict_never_accepts_what_jsonschema_rejects(where: str) -> None:
    validator = BOUND[where]
    if validator.verdict is None:
        pytest.skip("no verdict: jsonschema answers alone")
    valid = Synthesizer(seed=7).generate(validator.schema, where)
    assert validator.verdict(valid) and validator.full.is_valid(valid)
    for count, broken in enumerate(_mutations(valid)):
        if count == 60:  # enough to reach every member of the bundled bodies' first levels
            break
        assert validator.verdict(broken) == validator.full.is_valid(broken), broken


def _agree(schema: Any, instance: Any) -> bool:
    validator = compile_validator(schema, Registry())
    assert validator.verdict is not None, schema
    expected = bool(validator.full.is_valid(instance))
    assert validator.verdict(instance) == expected, (schema, instance)
    return expected


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "integer"}, True, False),  # a boolean is no number in JSON Schema
        ({"type": "integer"}, 2.0, True),  # but an integral float is an integer
        ({"type": "number"}, False, False),
        ({"minimum": 1}, True, True),  # bounds do not apply to booleans either
        ({"maximum": 1}, 3, False),
        ({"exclusiveMinimum": 1}, 1, False),
        ({"type": ["string", "null"]}, None, True),
        ({"enum": ["a", None]}, None, True),
        ({"enum": ["a"]}, 0, False),
        ({"const": "a"}, "b", False),
        ({"items": {"type": "string"}}, ["a", 1], False),
        ({"items": False}, [], True),
        ({"minItems": 1, "maxItems": 1}, [1, 2], False),
        ({"properties": {"a": {}}, "additionalProperties": False}, {"b": 1}, False),
        ({"properties": {"a": {}}, "additionalProperties": False}, {"a": "x"}, True),
        ({"additionalProperties": {"type": "integer"}}, {"a": 1, "b": "x"}, False),
        ({"required": ["a"]}, {}, False),
        ({"required": ["a"]}, [], True),  # object keywords pass other types
        ({"propertyNames": {"pattern": "^x"}}, {"xa": 1, "b": 2}, False),
        ({"minProperties": 1}, {}, False),
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),  # both match
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1, True),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, None, False),
        ({"allOf": [{"minLength": 1}, {"maxLength": 2}]}, "abc", False),
        ({"not": {"type": "null"}}, None, False),
        ({"pattern": "b"}, "abc", True),  # a search, not a full match
        ({"minLength": 2}, "\U0001f600", False),  # code points, not UTF-16 units
        ({"format": "uuid"}, "not-a-uuid", False),
        ({"format": "uuid"}, 5, True),  # a format says nothing about other types
        ({"format": "no-such-format"}, "x", True),  # an unknown format is an annotation
        ({"description": "x", "nullable": True, "type": "string"}, None, False),
        ({"type": ["string", "null"], "minLength": 2}, None, True),  # a guard where type allows
        ({"type": ["string", "null"], "minLength": 2}, "a", False),
        ({"type": "integer", "minimum": 3}, 2.0, False),  # no guard: type holds it to numbers
        ({"type": "object", "minLength": 9}, {}, True),  # keywords of another kind never apply
        (True, 1, True),
        (False, 1, False),
    ],
)
def test_keyword_semantics_match_jsonschema(schema: Any, instance: Any, valid: bool) -> None:
    assert _agree(schema, instance) is valid


@pytest.mark.parametrize(
    "schema",
    [
        {"items": [{"type": "string"}]},  # the pre-2020 tuple form: not a 2020-12 schema
        {"prefixItems": [{"type": "string"}]},
        {"enum": [1, "a"]},  # equality of numbers and booleans stays jsonschema's
        {"const": True},
        {"properties": {"a": {}}, "patternProperties": {"^x": {}}, "additionalProperties": False},
        {"$defs": {"a": {}}, "properties": {"a": {"$ref": "#/$defs/a"}}},
        {"uniqueItems": True},
        {"type": "object", "unevaluatedProperties": False},
    ],
)
def test_unsupported_keywords_leave_the_schema_to_jsonschema(schema: Any) -> None:
    validator = compile_validator(schema, Registry(), checked=True)
    assert validator.verdict is None
    assert validator.is_valid({"a": 1}) == validator.full.is_valid({"a": 1})


def test_an_instance_the_verdict_rejects_is_answered_by_jsonschema() -> None:
    validator = compile_validator({"type": "string"}, Registry())
    validator.verdict = lambda value: False  # a verdict wrong the cautious way costs only time
    assert validator.is_valid("x")
    assert not validator.is_valid(1)
