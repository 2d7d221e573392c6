"""Response synthesis: examples first, else values generated from the schema, per seed."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from emulator.openapi.compiled import FixedSchema
from emulator.openapi.formats import CHECKED_FORMATS, FORMAT_CHECKER
from emulator.openapi.model import MediaType
from emulator.openapi.synthesis import Synthesizer

UUID = {"type": "string", "format": "uuid"}
JOB_ID = {"type": "string", "pattern": "^job_[A-Za-z0-9_-]{21}$"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "uuid": UUID,
    "date": {"type": "string", "format": "date"},
    "email": {"type": "string", "format": "email"},
    "ipv4": {"type": "string", "format": "ipv4"},
    "length-bounds": {"type": "string", "minLength": 20, "maxLength": 25},
    "short-string": {"type": "string", "maxLength": 3},
    "job-id-pattern": JOB_ID,
    "class-pattern": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
    "branch-pattern": {"type": "string", "pattern": "^(foo|bar)+_[0-9a-f]+$", "minLength": 20},
    "integer-bounds": {"type": "integer", "minimum": 10, "maximum": 12},
    "exclusive-bounds": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
    "multiple-of": {"type": "integer", "multipleOf": 7, "minimum": 100},
    "number-step": {"type": "number", "multipleOf": 0.25, "minimum": 1, "maximum": 2},
    "negative-number": {"type": "number", "exclusiveMaximum": -5},
    "boolean": {"type": "boolean"},
    "enum": {"enum": ["queued", "running", "succeeded"]},
    "const": {"const": {"kind": "job"}},
    "nullable": {"type": ["string", "null"], "format": "date-time"},
    "null": {"type": "null"},
    "empty": {},
    "inferred-object": {"properties": {"x": {"type": "integer"}}, "required": ["x"]},
    "nested-object": {
        "type": "object",
        "required": ["id", "meta"],
        "properties": {
            "id": JOB_ID,
            "meta": {
                "type": "object",
                "properties": {
                    "tags": {
                        "type": "array",
                        "items": {"type": "string", "maxLength": 5},
                        "minItems": 2,
                        "uniqueItems": True,
                    },
                    "owner": {"type": ["object", "null"], "properties": {"id": UUID}},
                },
            },
        },
        "additionalProperties": False,
    },
    "map": {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 0},
        "propertyNames": {"pattern": "^[a-z]{3}$"},
    },
    "min-properties": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": {"type": "boolean"},
        "minProperties": 3,
    },
    "max-properties": {
        "type": "object",
        "properties": {"a": UUID, "b": UUID, "c": UUID},
        "required": ["c"],
        "maxProperties": 1,
    },
    "closed-empty-object": {"type": "object", "additionalProperties": False},
    "deep-min-properties": {
        "type": "object",
        "properties": {
            "a": {
                "type": "object",
                "properties": {
                    "b": {
                        "type": "object",
                        "properties": {
                            "c": {
                                "type": "object",
                                "properties": {
                                    "d": {
                                        "type": "object",
                                        "minProperties": 1,
                                        "properties": {"e": {"type": "integer"}},
                                    }
                                },
                            }
                        },
                    }
                },
            }
        },
    },
    "prefix-items": {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string", "format": "uuid"}],
        "items": False,
    },
    "unique-enum-items": {
        "type": "array",
        "items": {"enum": [1, 2, 3]},
        "minItems": 3,
        "maxItems": 3,
        "uniqueItems": True,
    },
    "all-of": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"a": {"minimum": 50}, "b": UUID}, "required": ["b"]},
        ]
    },
    # The uuid branch also matches the plain string branch, so it must be passed over.
    "one-of-overlapping": {"oneOf": [UUID, {"type": "string"}]},
    "any-of-impossible-first": {
        "anyOf": [{"type": "integer", "minimum": 5, "maximum": 1}, {"type": "boolean"}]
    },
    "not": {"type": "integer", "minimum": 0, "maximum": 1, "not": {"const": 0}},
}


def assert_valid(schema: Any, value: Any, registry: Registry[Any] | None = None) -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    kwargs: dict[str, Any] = {"registry": registry} if registry is not None else {}
    validator = Draft202012Validator(schema, format_checker=checker, **kwargs)
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, f"{value!r}: {errors}"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_generated_values_validate(name: str, seed: int) -> None:
    value = Synthesizer(seed=seed).generate(SCHEMAS[name], salt=name)
    assert_valid(SCHEMAS[name], value)


# Derandomized: the same 150 draws every run, so a failure here is a bug that reproduces, never
# a flake. The seeds that found rare misses are pinned below.
@settings(database=None, max_examples=150, deadline=None, derandomize=True)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    salt=st.text(max_size=12),
    name=st.sampled_from(sorted(SCHEMAS)),
)
def test_any_seed_and_salt_gives_valid_values(seed: int, salt: str, name: str) -> None:
    assert_valid(SCHEMAS[name], Synthesizer(seed=seed).generate(SCHEMAS[name], salt))


@pytest.mark.parametrize(
    ("name", "seed"),
    [
        # Seeds for which drawing and rejecting missed every time: an integer strictly between
        # 0 and 2 (two draws in three fell on an excluded end) and a `not` dodged by redraws.
        ("exclusive-bounds", 1149),
        ("exclusive-bounds", 1561),
        ("exclusive-bounds", 2159),
        ("not", 1149),
    ],
)
def test_seeds_that_once_missed_give_valid_values(name: str, seed: int) -> None:
    assert_valid(SCHEMAS[name], Synthesizer(seed=seed).generate(SCHEMAS[name], ""))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
        {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 4, "multipleOf": 2},
        {"type": "integer", "exclusiveMinimum": 2.5, "maximum": 5, "multipleOf": 2.5},
        {"type": "integer", "minimum": 0, "maximum": 2, "multipleOf": 0.5},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5, "multipleOf": 0.25},
    ],
)
def test_numbers_are_drawn_only_from_the_allowed_multiples(schema: dict[str, Any]) -> None:
    for seed in range(300):
        assert_valid(schema, Synthesizer(seed=seed).generate(schema, "n"))


def test_same_seed_and_salt_give_the_same_value() -> None:
    schema = SCHEMAS["nested-object"]
    assert Synthesizer(seed=3).generate(schema, "a") == Synthesizer(seed=3).generate(schema, "a")


@pytest.mark.parametrize("schema", [UUID, {"type": "string"}, JOB_ID])
def test_seed_and_salt_change_the_value(schema: dict[str, Any]) -> None:
    base = Synthesizer(seed=0).generate(schema, "s")
    assert Synthesizer(seed=1).generate(schema, "s") != base
    assert Synthesizer(seed=0).generate(schema, "t") != base


def test_generation_leaves_global_random_state_alone() -> None:
    import random

    random.seed(1)
    expected = random.random()
    random.seed(1)
    Synthesizer().generate(SCHEMAS["nested-object"], "x")
    assert random.random() == expected


def test_formats_are_well_formed() -> None:
    gen = Synthesizer(seed=5)
    stamp = gen.generate({"type": "string", "format": "date-time"}, "t")
    assert stamp.endswith("Z")
    assert dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo is not None
    ipaddress.IPv4Address(gen.generate({"type": "string", "format": "ipv4"}, "i"))
    uri = urlparse(gen.generate({"type": "string", "format": "uri"}, "u"))
    assert uri.scheme == "https" and uri.netloc
    host = gen.generate({"type": "string", "format": "hostname"}, "h")
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host)
    assert gen.generate(UUID, "u")[14] == "4"


def test_every_checked_format_is_generated_valid() -> None:
    gen = Synthesizer(seed=3)
    for fmt in CHECKED_FORMATS - {"int32", "int64"}:
        for salt in range(5):
            value = gen.generate({"type": "string", "format": fmt}, str(salt))
            assert FORMAT_CHECKER.conforms(value, fmt), (fmt, value)


def test_an_example_that_breaks_its_format_is_not_served() -> None:
    """A relative URL under `format: uri` (vendors' examples often are): synthesized instead,
    and the note says why."""
    schema = {"type": "object", "properties": {"uri": {"type": "string", "format": "uri"}}}
    media = MediaType("application/json", FixedSchema(schema), ({"uri": "/2010-04-01/a.json"},))
    made = Synthesizer().for_media(media, "s")
    assert made.body["uri"].startswith("https://")
    assert made.notes == ("1 of 1 examples contradict the schema: not used",)


def test_shape_rules() -> None:
    gen = Synthesizer()
    assert gen.generate(SCHEMAS["nullable"], "n") is not None  # non-null type preferred
    assert len(gen.generate(SCHEMAS["map"], "m")) == 1
    assert gen.generate({"type": "array", "items": {"type": "integer"}}, "a") != []
    optional = {"type": "object", "properties": {"a": {"type": "string"}, "b": UUID}}
    assert set(gen.generate(optional, "o")) == {"a", "b"}
    assert gen.generate({"type": "string", "default": "xyz", "minLength": 3}, "d") == "xyz"
    assert gen.generate({"type": "integer", "examples": [42]}, "e") == 42
    assert gen.generate({"type": "integer", "example": 41}, "e") == 41


def test_values_of_the_schema_that_contradict_it_are_never_used() -> None:
    gen = Synthesizer()
    assert len(gen.generate({"type": "string", "default": "x", "minLength": 3}, "d")) >= 3
    assert gen.generate({"type": "number", "example": "0.16001e0"}, "e") != "0.16001e0"
    picked = {gen.generate({"type": "integer", "examples": ["1", 2]}, str(n)) for n in range(9)}
    assert picked == {2}
    inner = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
    nested = {"type": "object", "required": ["x"], "properties": {"x": {**inner, "example": {}}}}
    made = gen.for_media(MediaType("application/json", FixedSchema(nested)), "op")
    assert isinstance(made.body["x"]["n"], int)
    assert made.notes == (
        "1 example or default values inside the schema contradict it: synthesized instead",
    )


def test_examples_win_over_generation() -> None:
    schema = {"type": "object", "properties": {"id": UUID}}
    given = {"id": "00000000-0000-4000-8000-000000000000"}
    media = MediaType("application/json", FixedSchema(schema), (given,))
    body = Synthesizer().for_media(media, "op:200").body
    assert body == given
    body["id"] = "mutated"
    assert media.examples[0] == {"id": "00000000-0000-4000-8000-000000000000"}


def test_only_examples_that_validate_are_used_and_the_rest_noted() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": UUID}}
    given = ({"id": 7}, {"id": "5b1c0a9e-8c0e-4e37-9d43-0d8b8f6a1a11"})
    made = Synthesizer().for_media(MediaType("application/json", FixedSchema(schema), given), "o")
    assert made.body == given[1]
    assert made.notes == ("1 of 2 examples contradict the schema: not used",)
    alone = MediaType("application/json", FixedSchema(schema), given[:1])
    made = Synthesizer().for_media(alone, "o")
    assert_valid(schema, made.body)
    assert made.notes == ("1 of 1 examples contradict the schema: not used",)


def test_example_choice_is_deterministic_per_seed_and_salt() -> None:
    media = MediaType("application/json", None, tuple(range(10)))
    picks = {Synthesizer(seed=s).for_media(media, "op").body for s in range(20)}
    assert len(picks) > 1
    assert Synthesizer(seed=4).for_media(media, "op") == Synthesizer(seed=4).for_media(media, "op")


def test_media_without_examples_is_generated() -> None:
    media = MediaType("application/json", FixedSchema(UUID))
    assert_valid(UUID, Synthesizer().for_media(media, "op").body)
    assert isinstance(Synthesizer().for_media(MediaType("text/plain", None), "op").body, str)


def test_recursive_schema_terminates_and_validates() -> None:
    uri = "urn:test:node"
    node = {
        "type": "object",
        "required": ["name", "children"],
        "properties": {
            "name": {"type": "string"},
            "parent": {"$ref": uri},
            "children": {"type": "array", "items": {"$ref": uri}},
        },
    }
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(node))
    schema = {"$ref": uri}
    value = Synthesizer(registry=registry).generate(schema, "tree")
    assert_valid(schema, value, registry)
    assert value["children"], "shallow levels should still be populated"


def test_unsatisfiable_recursion_is_reported() -> None:
    uri = "urn:test:loop"
    loop = {"type": "object", "required": ["next"], "properties": {"next": {"$ref": uri}}}
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(loop))
    with pytest.raises(ValueError, match="recursion"):
        Synthesizer(registry=registry).generate({"$ref": uri}, "x")


def test_impossible_pattern_names_the_pattern() -> None:
    with pytest.raises(ValueError, match=re.escape("'^ab$'")):
        Synthesizer().generate({"type": "string", "pattern": "^ab$", "minLength": 5}, "p")


def test_one_of_with_no_exclusive_branch_fails() -> None:
    with pytest.raises(ValueError, match="oneOf"):
        Synthesizer().generate({"oneOf": [{"const": 1}, {"const": 1}]}, "x")


def test_an_answer_leaves_out_optional_write_only_properties() -> None:
    """A password the client sends is never in an answer (OpenAPI: SHOULD NOT; schemathesis
    refuses it); a required one still is, as the schema demands."""
    secret = {"type": "string", "writeOnly": True}
    registry = Registry().with_resource("urn:secret", DRAFT202012.create_resource(secret))
    schema = {
        "type": "object",
        "required": ["id", "token"],
        "properties": {
            "id": {"type": "string"},
            "password": secret,
            "passphrase": {"$ref": "urn:secret"},
            "token": secret,
            "note": {"type": "string"},
        },
    }
    made = Synthesizer(registry=registry).generate(schema, "s")
    assert set(made) == {"id", "token", "note"}
