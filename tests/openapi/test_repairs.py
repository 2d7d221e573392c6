"""Each flaw class found in published specs: a schema with the flaw loads without a profile,
the repaired schema still validates the rest (a body that breaks it is refused, an answer that
breaks it is a violation), and `check` names the flaw, where it is and the repair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import build
from emulator.cli import main
from emulator.openapi import load_spec
from emulator.openapi.validation import check_response

OPTIONAL = {"type": "object", "properties": {"speaker_labels": {"type": "boolean"}}}
FILTER = {
    "$recursiveAnchor": True,
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "and": {"type": "array", "items": {"$recursiveRef": "#"}},
    },
}


def _object(prop: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"p": prop},
        **({"required": ["p"]} if required else {}),
    }


# kind -> (openapi version, the flawed schema, its pointer, a valid body, a body it refuses)
CASES: dict[str, tuple[str, Any, str, Any, Any]] = {
    "duplicate-required": (
        "3.0.3",
        {"type": "object", "required": ["p", "p"], "properties": {"p": {"type": "string"}}},
        "/components/schemas/Thing/required",
        {"p": "a"},
        {},
    ),
    "duplicate-enum": (
        "3.1.0",
        _object({"enum": ["a", "a", "b"]}),
        "/components/schemas/Thing/properties/p/enum",
        {"p": "a"},
        {"p": "c"},
    ),
    "boolean-required": (
        "3.0.3",
        _object({"type": "string", "required": True}, required=False),
        "/components/schemas/Thing/properties/p/required",
        {"p": "a"},
        {},
    ),
    "file-type": (
        "3.0.3",
        _object({"type": "file"}),
        "/components/schemas/Thing/properties/p/type",
        {"p": "bytes"},
        {"p": 1},
    ),
    "2019-09-recursion": (
        "3.1.0",
        _object({"$ref": "#/components/schemas/Filter"}),
        "/components/schemas/Filter/$recursiveAnchor",
        {"p": {"and": [{"name": "x", "and": [{"name": "y"}]}]}},
        {"p": {"and": [{"and": [{"unknown": 1}]}]}},
    ),
    "nullable-in-3.1": (
        "3.1.0",
        _object({"type": "integer", "nullable": True}),
        "/components/schemas/Thing/properties/p/nullable",
        {"p": None},
        {"p": "x"},
    ),
    "boolean-exclusive-bound": (
        "3.1.0",
        _object({"type": "number", "minimum": 0, "exclusiveMinimum": True}),
        "/components/schemas/Thing/properties/p/exclusiveMinimum",
        {"p": 1},
        {"p": 0},
    ),
    "closed-allof-members": (
        "3.0.3",
        {
            "allOf": [
                {
                    "type": "object",
                    "required": ["audio_url"],
                    "properties": {"audio_url": {"type": "string"}},
                    "additionalProperties": False,
                },
                {"$ref": "#/components/schemas/Optional"},
            ],
            "additionalProperties": False,
        },
        "/components/schemas/Thing/allOf",
        {"audio_url": "https://example.com/a.mp3", "speaker_labels": True},
        {"audio_url": "https://example.com/a.mp3", "unknown": True},
    ),
    "unreadable-pattern": (
        "3.0.3",
        _object({"type": "string", "maxLength": 3, "pattern": "^\\p{L}+$"}),
        "/components/schemas/Thing/properties/p/pattern",
        {"p": "abc"},
        {"p": "abcd"},
    ),
    "overlapping-oneof": (
        "3.0.3",
        {
            "oneOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer"}}},
            ]
        },
        "/components/schemas/Thing/oneOf",
        {"b": 1},
        {"a": 1},
    ),
    "type-beside-branches": (
        "3.1.0",
        _object(
            {
                "type": "boolean",
                "oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["auto"]}],
            }
        ),
        "/components/schemas/Thing/properties/p/type",
        {"p": "auto"},
        {"p": "always"},
    ),
    "unmapped-discriminator": (
        "3.0.3",
        {
            "type": "object",
            "properties": {
                "data": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Base64Image"},
                        {"$ref": "#/components/schemas/UrlImage"},
                    ],
                    "discriminator": {"propertyName": "type"},
                }
            },
        },
        "/components/schemas/Thing/properties/data/discriminator",
        {"data": {"type": "b64_json", "b64_json": "aGk="}},
        {"data": {"type": "b64_json", "url": "https://example.com/a.png"}},
    ),
    "ref-as-properties": (
        "3.0.3",
        {"type": "object", "required": ["p"], "properties": {"$ref": "#/x-properties"}},
        "/components/schemas/Thing/properties/$ref",
        {"p": "a"},
        {"p": 1},
    ),
}


def _image(kind: str) -> dict[str, Any]:
    """A branch told apart by the value of its `type`, not by its schema's name."""
    return {
        "type": "object",
        "required": ["type", kind],
        "properties": {"type": {"type": "string", "enum": [kind]}, kind: {"type": "string"}},
        "additionalProperties": False,
    }


def _spec(tmp_path: Path, version: str, schema: Any) -> Path:
    thing = {"$ref": "#/components/schemas/Thing"}
    body = {"content": {"application/json": {"schema": thing}}, "required": True}
    ok = {"description": "ok", "content": {"application/json": {"schema": thing}}}
    doc = {
        "openapi": version,
        "info": {"title": "flawed", "version": "1"},
        "paths": {"/things": {"post": {"requestBody": body, "responses": {"200": ok}}}},
        "components": {
            "schemas": {
                "Thing": schema,
                "Optional": OPTIONAL,
                "Filter": FILTER,
                "Base64Image": _image("b64_json"),
                "UrlImage": _image("url"),
            }
        },
        "x-properties": {"p": {"type": "string"}},
    }
    path = tmp_path / "flawed.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("kind", list(CASES))
def test_a_flaw_is_repaired_and_the_rest_still_validates(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    version, schema, pointer, valid, invalid = CASES[kind]
    path = _spec(tmp_path, version, schema)
    spec = load_spec(path)
    found = [w for w in spec.warnings if w.kind == kind]
    assert pointer in [w.pointer for w in found] and all(w.repaired for w in found), found
    c = TestClient(build(api=None, spec=path))
    accepted = c.post("/things", json=valid)
    assert accepted.status_code == 200, accepted.text
    assert "x-emulator-violations" not in accepted.headers
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert any(mark.startswith(pointer) and "repaired: " in mark for mark in entry["spec_flaws"])
    assert c.post("/things", json=invalid).status_code == 400
    op = spec.operation("POST /things")
    assert op is not None
    assert check_response(op, 200, "application/json", valid) == []
    assert check_response(op, 200, "application/json", invalid) != []
    assert main(["check", "--spec", str(path)]) == 0
    listed = capsys.readouterr().out
    assert f"{path}: {pointer}: [{kind}]" in listed
    assert all(f"repaired: {w.repair}" in listed for w in found)


def test_the_answer_is_shaped_by_the_repaired_schema(tmp_path: Path) -> None:
    """The flaw that once dropped a whole response schema (a random bare string came back)."""
    version, schema, *_ = CASES["duplicate-required"]
    answer = TestClient(build(api=None, spec=_spec(tmp_path, version, schema))).post(
        "/things", json={"p": "a"}
    )
    assert isinstance(answer.json(), dict) and isinstance(answer.json()["p"], str)


UNREPAIRABLE = {
    "unresolvable-ref": (
        {
            "type": "object",
            "required": ["p"],
            "properties": {"p": {"type": "string"}, "bad": {"$ref": "#/components/schemas/Nope"}},
        },
        "/components/schemas/Thing/properties/bad/$ref",
    ),
    "unusable-ref-cycle": (
        {"allOf": [{"$ref": "#/components/schemas/Thing"}], "required": ["p"]},
        "/components/schemas/Thing/allOf/0/$ref",
    ),
}


@pytest.mark.parametrize("kind", list(UNREPAIRABLE))
def test_a_dropped_schema_is_impossible_the_answer_is_a_500_naming_the_flaw(
    tmp_path: Path, kind: str
) -> None:
    schema, pointer = UNREPAIRABLE[kind]
    path = _spec(tmp_path, "3.0.3", schema)
    c = TestClient(build(api=None, spec=path))
    if kind == "unresolvable-ref":  # what the schema still says is still checked
        assert c.post("/things", json={"p": 1}).status_code == 400
    answer = c.post("/things", json={"p": "a"})
    assert answer.status_code == 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert (problem["operation"], problem["pointer"]) == ("POST /things", pointer)
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert entry["spec_gap"] == {"status": 500, "operation": "POST /things"}
    assert any(pointer in mark for mark in entry["spec_flaws"])
    # `check` lists it, not repaired, and so does --strict-spec by refusing.
    spec = build(api=None, spec=path, exhaustive=True).warnings
    assert [(w.kind, w.pointer, w.repaired) for w in spec if w.kind == kind] == [
        (kind, pointer, False)
    ]


# oneOf shapes: (branches, whether they overlap, a value valid as the author meant (in the
# overlap, where there is one), a value no branch takes or None). Overlapping ones are read as
# anyOf; apart ones keep their oneOf.
ONE_OF_SHAPES: dict[str, tuple[list[Any], bool, Any, Any]] = {
    "string and an enum of strings": (
        [{"type": "string"}, {"type": "string", "enum": ["auto", "none"]}],
        True,
        "auto",
        1,
    ),
    "integer and number": ([{"type": "integer"}, {"type": "number"}], True, 3, "3"),
    "two arrays, both taking []": (
        [
            {"type": "array", "items": {"type": "string"}},
            {"type": "array", "items": {"type": "integer"}},
        ],
        True,
        [],
        ["a", 1],
    ),
    "ranges that meet": (
        [{"type": "number", "maximum": 10}, {"type": "number", "minimum": 5}],
        True,
        7,
        "7",
    ),
    "nullable branches": (
        [{"type": "string", "nullable": True}, {"type": "integer", "nullable": True}],
        True,
        None,
        True,
    ),
    "a schema that takes anything": ([{}, {"type": "boolean"}], True, True, None),
    "open objects": (
        [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer"}}},
        ],
        True,
        {"b": 1},
        {"a": 1},
    ),
    "consts apart": ([{"const": "low"}, {"const": "high"}], False, "low", "mid"),
    "types apart": (
        [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        False,
        ["a"],
        1,
    ),
    "ranges apart": (
        [{"type": "integer", "maximum": 4}, {"type": "integer", "exclusiveMinimum": 4}],
        False,
        5,
        "4",
    ),
    "integers between bounds that hold none": (
        [{"type": "integer"}, {"type": "number", "minimum": 0.2, "maximum": 0.8}],
        False,
        0.5,
        "x",
    ),
    "patterns apart": (
        [{"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}],
        False,
        "bc",
        1,
    ),
    "an enum the other branch refuses": (
        [{"type": "string", "enum": ["a", "b"]}, {"type": "string", "minLength": 2}],
        False,
        "abc",
        "c",
    ),
    "objects told apart by a const": (
        [
            {"type": "object", "properties": {"kind": {"const": "a"}}},
            {"type": "object", "properties": {"kind": {"const": "b"}}},
        ],
        False,
        {"kind": "b"},
        "not an object",
    ),
}


@pytest.mark.parametrize("shape", list(ONE_OF_SHAPES))
def test_overlapping_one_of_branches_are_read_as_any_of(tmp_path: Path, shape: str) -> None:
    branches, overlap, valid, refused = ONE_OF_SHAPES[shape]
    path = _spec(tmp_path, "3.0.3", _object({"oneOf": branches}))
    listed = [w.pointer for w in load_spec(path).warnings if w.kind == "overlapping-oneof"]
    assert listed == (["/components/schemas/Thing/properties/p/oneOf"] if overlap else [])
    c = TestClient(build(api=None, spec=path))
    accepted = c.post("/things", json={"p": valid})
    assert accepted.status_code == 200, accepted.text
    if refused is not None:  # what no branch takes is still refused
        assert c.post("/things", json={"p": refused}).status_code == 400


def test_a_path_with_a_fragment_is_requested_without_it(tmp_path: Path) -> None:
    """Box's spec tells operations on one path apart by a fragment (`/shared_items#folders`),
    which no request carries: where no other operation has that path and method the fragment's
    operation is routed there (repaired); where one has, that one answers and the other is
    listed as shadowed (not repaired: no request can mean it)."""

    def answering(kind: str) -> dict[str, Any]:
        schema = {"type": "object", "required": ["type"], "properties": {"type": {"const": kind}}}
        ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
        return {"responses": {"200": ok}}

    doc = {
        "openapi": "3.0.3",
        "info": {"title": "fragments", "version": "1"},
        "paths": {
            "/shared_items#folders": {"get": answering("folder")},
            "/shared_items": {"get": answering("file")},
            "/archives#v2": {"post": answering("archive")},
        },
    }
    path = tmp_path / "fragments.json"
    path.write_text(json.dumps(doc))
    listed = {(w.kind, w.pointer, w.repaired) for w in load_spec(path).warnings}
    assert listed == {
        ("shadowed-operation", "/paths/~1shared_items#folders/get", False),
        ("path-fragment", "/paths/~1archives#v2/post", True),
    }
    c = TestClient(build(api=None, spec=path))
    assert c.get("/shared_items").json() == {"type": "file"}
    assert c.post("/archives").json() == {"type": "archive"}
