"""A large generated spec (1,000+ operations, a deep graph of components referring to each
other) with one broken schema only an unbound operation reaches: it loads, warns with file and
pointer, compiles only what is bound, and serves; bound or strict, the same flaw refuses it."""

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


def test_an_unbound_flaw_is_a_warning_with_file_and_pointer(big: Path) -> None:
    spec = load_spec(big, bound=generated.BOUND)
    assert len(spec.operations) > 1_000
    assert [(w.file, w.pointer) for w in spec.warnings] == [(str(big), generated.BROKEN_POINTER)]
    assert "has non-unique elements" in spec.warnings[0].reason
    flawed = spec.operation(generated.BROKEN_OPERATION)
    assert flawed is not None and flawed.flaws == spec.warnings


@pytest.mark.parametrize("how", ["bound", "every operation bound", "strict"])
def test_the_same_flaw_refuses_the_spec_when_bound_or_strict(big: Path, how: str) -> None:
    bound = {"bound": [*generated.BOUND, generated.BROKEN_OPERATION], "strict": generated.BOUND}
    with pytest.raises(SpecError) as caught:
        load_spec(big, bound=bound.get(how), strict=how == "strict")
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


def test_the_flawed_operation_is_served_unchecked_and_marked(big: Path) -> None:
    spec = load_spec(big, bound=generated.BOUND)
    app = Emulator(spec, settings=Settings(strict=True, manual_clock=True))
    c = TestClient(app)
    r = c.get("/things/7")
    assert r.status_code == 200, r.text
    entry = c.get("/_emulator/journal").json()["entries"][-1]
    assert entry["operation"] == generated.BROKEN_OPERATION
    assert entry["spec_flaws"] == [f"{generated.BROKEN_POINTER}: {spec.warnings[0].reason}"]
    healthy = c.get("/things/3")
    assert c.get("/_emulator/journal").json()["entries"][-1]["spec_flaws"] == []
    assert healthy.status_code == 200


def test_a_legacy_nullable_in_31_is_honoured_with_a_warning(tmp_path: Path) -> None:
    doc = generated.spec(operations=2, models=2, broken=False)
    doc["components"]["schemas"]["Model1"]["properties"]["size"]["nullable"] = True
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(doc))
    spec = load_spec(path, bound=[])
    pointer = "/components/schemas/Model1/properties/size/nullable"
    assert [(w.pointer, w.fatal) for w in spec.warnings] == [(pointer, False)]
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
