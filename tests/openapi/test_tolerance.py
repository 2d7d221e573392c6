"""A large generated spec (1,000+ operations, a deep graph of components referring to each
other) with one flawed schema: it loads, lists the flaw with file, pointer and repair,
compiles only what is bound, and serves the repaired schema; only --strict-spec refuses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import Emulator, Settings
from emulator.errors import SpecError
from emulator.openapi import compiled, load_spec
from tests.openapi import generated

UUID = "5b1c0a9e-8c0e-4e37-9d43-0d8b8f6a1a11"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated.write(tmp_path_factory.mktemp("big") / "big.json")


def test_a_flaw_is_repaired_and_listed_with_file_pointer_and_repair(big: Path) -> None:
    spec = load_spec(big, bound=generated.BOUND)
    assert len(spec.operations) > 1_000
    assert [(w.file, w.pointer) for w in spec.warnings] == [(str(big), generated.BROKEN_POINTER)]
    (flaw,) = spec.warnings
    assert (flaw.kind, flaw.repaired) == ("duplicate-required", True)
    assert "once" in flaw.reason and "dropped" in str(flaw.repair)
    flawed = spec.operation(generated.BROKEN_OPERATION)
    assert flawed is not None and flawed.repairs == spec.warnings and flawed.flaws == ()


@pytest.mark.parametrize("bound", ["bound", "none bound"])
def test_a_flaw_never_refuses_the_spec_bound_or_not(big: Path, bound: str) -> None:
    names = {"bound": [*generated.BOUND, generated.BROKEN_OPERATION], "none bound": []}
    spec = load_spec(big, bound=names[bound])
    assert [w.pointer for w in spec.warnings] == [generated.BROKEN_POINTER]


def test_strict_refuses_the_same_flaw(big: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(big, bound=generated.BOUND, strict=True)
    assert (caught.value.file, caught.value.pointer) == (str(big), generated.BROKEN_POINTER)


def test_only_bound_operations_are_compiled_at_load(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled_schemas: list[object] = []
    real = compiled.compile_validator

    def counting(schema: object, *args: object, **kwargs: object) -> object:
        compiled_schemas.append(schema)
        return real(schema, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compiled, "compile_validator", counting)
    spec = load_spec(big, bound=generated.BOUND)
    at_load = len(compiled_schemas)
    assert 0 < at_load < 10  # the bound operations' schemas, not a thousand operations' worth
    op = spec.operation("getThing3")
    assert op is not None
    media = op.responses["200"].content["application/json"]
    assert media.validator is not None and media.validator.is_valid({"id": "x"}) is False
    assert len(compiled_schemas) == at_load + 1  # on first use, then cached
    assert media.validator is media.validator


def test_bound_operations_are_served_and_checked(big: Path) -> None:
    spec = load_spec(big, bound=generated.BOUND)
    app = Emulator(spec, settings=Settings(strict=True, manual_clock=True))
    c = TestClient(app)
    listed = c.get("/things")
    assert listed.status_code == 200, listed.text
    assert "x-emulator-violations" not in listed.headers
    refused = c.post("/things/0", json={"size": -1})
    assert refused.status_code == 400  # the bound request body is checked: `id` is required
    thing = c.post("/things/0", json={"id": "5b1c0a9e-8c0e-4e37-9d43-0d8b8f6a1a11"})
    assert thing.status_code == 201, thing.text


def test_the_repaired_operation_is_served_checked_and_marked(big: Path) -> None:
    spec = load_spec(big, bound=generated.BOUND)
    app = Emulator(spec, settings=Settings(strict=True, manual_clock=True))
    c = TestClient(app)
    r = c.get("/things/7")
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), dict) and "a" in r.json()  # shaped by the repaired schema
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert entry["operation"] == generated.BROKEN_OPERATION
    assert entry["spec_flaws"] == [spec.warnings[0].mark()]
    assert "repaired: " in entry["spec_flaws"][0]
    healthy = c.get("/things/3")
    assert c.get("/_emulator/journal").json()["entries"][-1]["spec_flaws"] == []
    assert healthy.status_code == 200


def test_a_legacy_nullable_in_31_is_honoured_as_a_repair(tmp_path: Path) -> None:
    doc = generated.spec(operations=2, models=2, broken=False)
    doc["components"]["schemas"]["Model1"]["properties"]["size"]["nullable"] = True
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(doc))
    spec = load_spec(path, bound=[])
    pointer = "/components/schemas/Model1/properties/size/nullable"
    assert [(w.pointer, w.kind, w.repaired) for w in spec.warnings] == [
        (pointer, "nullable-in-3.1", True)
    ]
    assert "OpenAPI 3.0 keyword" in spec.warnings[0].reason
    op = spec.operation("listThings")
    assert op is not None
    validator = op.responses["200"].content["application/json"].validator
    assert validator is not None and validator.is_valid([{"id": UUID, "size": None}])
    with pytest.raises(SpecError, match=r"OpenAPI 3\.0 keyword"):
        load_spec(path, bound=[], strict=True)


def test_an_operation_with_a_method_openapi_does_not_list_is_a_warning(tmp_path: Path) -> None:
    doc = generated.spec(operations=2, models=2, broken=False)
    doc["paths"]["/things"]["query"] = {"responses": {"200": {"description": "ok"}}}
    path = tmp_path / "query.json"
    path.write_text(json.dumps(doc))
    spec = load_spec(path, bound=[])
    assert [w.pointer for w in spec.warnings] == ["/paths/~1things/query"]
    assert "'query' is not an HTTP method OpenAPI 3.1 lists" in spec.warnings[0].reason
    assert "cannot be served" in spec.warnings[0].reason


# -- structural flaws: not a schema, but the objects around it ---------------------------------

STRUCTURAL = {
    # path, method -> the broken part, the pointer and the reason the warning gives
    ("/broken/parameter", "get"): (
        {"parameters": [{"in": "query"}]},
        "/paths/~1broken~1parameter/get/parameters/0",
        "a parameter needs a non-empty string `name`",
    ),
    ("/broken/response", "get"): (
        {"responses": {"200": "ok"}},
        "/paths/~1broken~1response/get/responses/200",
        "a response must be a mapping",
    ),
    ("/broken/ref", "get"): (
        {"parameters": [{"$ref": "#/components/parameters/Nope"}]},
        "/paths/~1broken~1ref/get/parameters/0/$ref",
        "$ref '#/components/parameters/Nope': {file} has nothing at '/components/parameters/Nope' "
        "(no 'parameters')",
    ),
}


def structurally_flawed(tmp_path: Path) -> Path:
    doc = generated.spec(operations=2, models=2, broken=False)
    for (template, method), (part, _, _) in STRUCTURAL.items():
        operation = {
            "operationId": template.replace("/", "_"),
            "responses": {"200": {"description": "ok"}},
            **part,
        }
        doc["paths"][template] = {method: operation}
    path = tmp_path / "structural.json"
    path.write_text(json.dumps(doc))
    return path


def test_structural_flaws_never_refuse_and_never_make_up_an_answer(tmp_path: Path) -> None:
    path = structurally_flawed(tmp_path)
    spec = load_spec(path, bound=generated.BOUND)
    expected = [
        (str(path), pointer, reason.format(file=path)) for _, pointer, reason in STRUCTURAL.values()
    ]
    assert [(w.file, w.pointer, w.reason) for w in spec.warnings] == expected
    assert not any(w.repaired for w in spec.warnings)
    c = TestClient(Emulator(spec, settings=Settings(strict=True, manual_clock=True)))
    # A parameter that cannot be read goes unchecked; the operation is otherwise whole.
    assert c.get("/broken/parameter", params={"anything": "goes"}).status_code == 200
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert entry["spec_flaws"] == [
        f"{expected[0][1]}: {expected[0][2]} (not repaired: left "
        "out of validation; answers made up from it are a 500)"
    ]
    # A response object that cannot be read: a 500 that names it, never a made-up value.
    broken = c.get("/broken/response")
    assert broken.status_code == 500
    assert broken.headers["content-type"].startswith("application/problem+json")
    assert broken.json()["operation"] == "_broken_response"
    assert broken.json()["pointer"] == expected[1][1]
    assert broken.json()["reason"] == expected[1][2]
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert entry["spec_gap"] == {"status": 500, "operation": "_broken_response"}
    assert c.get("/things").status_code == 200  # the bound operations are whole and checked


def test_a_structural_flaw_refuses_the_spec_only_when_strict(tmp_path: Path) -> None:
    path = structurally_flawed(tmp_path)
    load_spec(path, bound=[*generated.BOUND, "_broken_response"])
    with pytest.raises(SpecError) as info:
        load_spec(path, bound=generated.BOUND, strict=True)
    assert info.value.pointer == "/paths/~1broken~1parameter/get/parameters/0"


def test_a_broken_path_item_parameter_flaws_each_operation_under_it(tmp_path: Path) -> None:
    doc = generated.spec(operations=2, models=2, broken=False)
    ok = {"responses": {"200": {"description": "ok"}}}
    doc["paths"]["/shared/{id}"] = {"parameters": ["id"], "get": ok, "delete": ok}
    path = tmp_path / "shared.json"
    path.write_text(json.dumps(doc))
    spec = load_spec(path, bound=generated.BOUND)
    assert [(w.pointer, w.kind) for w in spec.warnings] == [
        ("/paths/~1shared~1{id}/parameters/0", "bad-parameter"),
        ("/paths/~1shared~1{id}/get", "missing-path-parameter"),
        ("/paths/~1shared~1{id}/delete", "missing-path-parameter"),
    ]
    assert {op.key for op in spec.operations if op.flaws} == {
        "GET /shared/{id}",
        "DELETE /shared/{id}",
    }
