from __future__ import annotations

from typing import Any

import pytest
from referencing import Registry

from emulator.openapi import FORMAT_CHECKER, compile_validator
from emulator.openapi.dialect import (
    apply_nullable,
    convert_node,
    merge_ref_siblings,
    to_2020_12,
)
from emulator.openapi.document import Documents, Located, SchemaInliner
from emulator.openapi.formats import CHECKED_FORMATS
from tests.support import DATA

PETSTORE = DATA / "specs" / "petstore30.yaml"


def petstore_schema(name: str) -> Any:
    docs = Documents(PETSTORE.resolve())
    root = Located(docs.root, "", docs.root_document)
    schema = SchemaInliner(docs).schema(root.child("components").child("schemas").child(name))
    return schema


def accepts(schema: Any, instance: Any) -> bool:
    return bool(compile_validator(schema, Registry()).is_valid(instance))


# --- nullable ------------------------------------------------------------------------------


def test_nullable_adds_null_to_type_and_enum() -> None:
    converted = convert_node({"type": "string", "enum": ["a"], "nullable": True}, openapi_30=True)
    assert converted == {"type": ["string", "null"], "enum": ["a", None]}
    assert convert_node({"type": "string", "nullable": False}, openapi_30=True) == {
        "type": "string"
    }


def test_nullable_left_in_a_31_document_is_honoured() -> None:
    # Specs converted from 3.0 keep `nullable` and mean it; the load warns (test_tolerance.py).
    node = {"type": "string", "nullable": True}
    assert convert_node(node, openapi_30=False) == {"type": ["string", "null"]}


def test_nullable_composition_is_wrapped() -> None:
    schema = apply_nullable({"allOf": [{"type": "object"}]})
    assert schema == {"anyOf": [{"allOf": [{"type": "object"}]}, {"type": "null"}]}
    assert accepts(schema, None)
    assert accepts(schema, {})
    assert not accepts(schema, 1)


def test_null_validates_only_where_nullable() -> None:
    pet = petstore_schema("NewPet")
    assert accepts(pet, {"name": "a", "tag": None, "mood": None})
    assert accepts(pet, {"name": "a", "mood": "calm"})
    assert not accepts(pet, {"name": None})
    assert not accepts(pet, {"name": "a", "mood": "sad"})


def test_nullable_next_to_a_ref() -> None:
    schema = petstore_schema("NullableRef")
    assert accepts(schema, None)
    assert accepts(schema, "s")
    assert not accepts(schema, 1)
    assert not accepts(petstore_schema("Plain"), None)


# --- other keywords ------------------------------------------------------------------------


def test_boolean_exclusive_bounds_become_numeric() -> None:
    schema = petstore_schema("Bounded")
    assert schema == {"type": "number", "exclusiveMinimum": 0, "maximum": 10}
    assert not accepts(schema, 0)
    assert accepts(schema, 0.5)
    assert accepts(schema, 10)
    assert not accepts(schema, 10.5)


def test_exclusive_flag_without_bound_is_dropped() -> None:
    assert convert_node({"exclusiveMaximum": True}, openapi_30=True) == {}


def test_to_2020_12_walks_subschemas_and_drops_extensions() -> None:
    schema = {
        "type": "object",
        "x-root": 1,
        "example": {"a": None},
        "properties": {
            "x-name": {"type": "string", "nullable": True, "x-inner": 2},
            "list": {"type": "array", "items": {"type": "integer", "nullable": True}},
        },
        "oneOf": [{"type": "object", "minimum": 1, "exclusiveMinimum": True}],
    }
    assert to_2020_12(schema, openapi_30=True) == {
        "type": "object",
        "example": {"a": None},
        "properties": {
            "x-name": {"type": ["string", "null"]},
            "list": {"type": "array", "items": {"type": ["integer", "null"]}},
        },
        "oneOf": [{"type": "object", "exclusiveMinimum": 1}],
    }


def test_data_that_looks_like_a_schema_is_left_alone() -> None:
    schema = {"enum": [{"nullable": True, "x-a": 1}], "default": {"x-b": 2}}
    assert to_2020_12(schema, openapi_30=True) == schema


def test_merge_ref_siblings() -> None:
    target = {"type": "string", "description": "old"}
    assert merge_ref_siblings(target, {}) is target
    assert merge_ref_siblings(target, {"description": "new", "example": "e"}) == {
        "type": "string",
        "description": "new",
        "example": "e",
    }
    assert merge_ref_siblings(target, {"minLength": 2, "description": "d"}) == {
        "allOf": [target],
        "minLength": 2,
        "description": "d",
    }


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000"),
        ("uuid", "550E8400-E29B-41D4-A716-446655440000", "{550e8400-e29b-41d4-a716-446655440000}"),
        ("date-time", "2025-06-14T10:00:00Z", "2025-06-14T10:00:00"),
        ("date-time", "2025-06-14t10:00:00.123+05:30", "2025-06-14 10:00:00Z"),
        ("date-time", "2016-12-31T23:59:60Z", "2025-02-30T10:00:00Z"),
        ("date-time", "2025-06-14T23:59:59-00:00", "2025-06-14T24:00:00Z"),
        ("date-time", "2025-06-14T10:00:00+23:59", "2025-06-14T10:00:00+24:00"),
        ("date-time", "2025-06-14T10:00:00.5Z", "\u0662025-06-14T10:00:00Z"),
        ("date-time", "2025-06-14T10:00:00Z", "2025-06-14"),
        ("date", "2024-02-29", "2025-02-29"),
        ("date", "2025-06-14", "20250614"),
        ("time", "10:00:00Z", "10:00"),
        ("email", "a.b@example.com", "a b@example.com"),
        ("email", "x@localhost", "no-at-sign"),
        ("int32", 2**31 - 1, 2**31),
        ("int32", -(2**31), -(2**31) - 1),
        ("int64", 2**63 - 1, 2**63),
        ("ipv4", "10.0.0.1", "10.0.0.256"),
        ("ipv6", "::1", "fe80::1%eth0"),
        # A relative URL is no `uri` (vendors' examples often are): it is a `uri-reference`.
        ("uri", "https://api.example.com/v1/calls/CA1.json", "/2010-04-01/Calls/CA1.json"),
        ("uri", "urn:isbn:0451450523", "https://exa mple.com/"),
        ("uri-reference", "/2010-04-01/Calls/CA1.json", "/a b"),
        ("iri", "https://example.com/caf\u00e9", "caf\u00e9"),
        ("hostname", "api.example.com", "-leading-dash.example.com"),
        ("hostname", "localhost", "under_score.example.com"),
        ("email", "a.b@example.com", "trailing-dot@example.com."),
        ("date-time", "2016-12-31T23:59:60Z", "2025-06-14T10:00:60Z"),  # a leap second ends a day
        ("time", "23:59:60Z", "10:00:00"),
        ("duration", "P3DT4H", "3 days"),
        ("json-pointer", "/a/0", "a/0"),
        ("uri-template", "https://example.com/{id}", "https://example.com/{id"),
        ("regex", "^[a-z]+$", "[a-z"),
    ],
)
def test_formats(fmt: str, good: Any, bad: Any) -> None:
    assert accepts({"format": fmt}, good)
    assert not accepts({"format": fmt}, bad)


def test_formats_ignore_other_types() -> None:
    assert accepts({"format": "uuid"}, 12)
    assert accepts({"format": "date-time"}, None)
    assert accepts({"format": "int32"}, "2147483648")


def test_formats_are_checked_as_schemathesis_checks_them() -> None:
    """Every format the emulator checks means what it means to schemathesis (jsonschema-rs):
    an answer valid here is valid there, and a request schemathesis makes is valid here."""
    import jsonschema_rs

    samples = ["https://example.com/x", "/relative/x.json", "a@b.co", "10:00:00Z", "P1D", "x y"]
    for fmt in CHECKED_FORMATS - {"int32", "int64"}:
        judge = jsonschema_rs.Draft202012Validator({"format": fmt}, validate_formats=True)
        for value in samples:
            assert FORMAT_CHECKER.conforms(value, fmt) == judge.is_valid(value), (fmt, value)


def test_format_checker_is_exported_for_other_validators() -> None:
    assert FORMAT_CHECKER.conforms("550e8400-e29b-41d4-a716-446655440000", "uuid")
    assert not FORMAT_CHECKER.conforms("2025-06-14T10:00:00", "date-time")
