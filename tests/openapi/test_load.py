from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator

from emulator.errors import SpecError
from emulator.openapi import Operation, Spec, compile_validator, load_spec
from emulator.openapi import document as load_module
from emulator.openapi.document import Documents, Located, SchemaInliner
from tests.support import DATA, REPO

SPECS = DATA / "specs"
PETSTORE = SPECS / "petstore30.yaml"
TREES = SPECS / "tree31.json"
REFERENCE_SPECS = REPO.parent / "shared" / "reference-specs"
OSAPI_JOB = REFERENCE_SPECS / "osapi" / "job" / "gen" / "api.yaml"


def component(path: Path, name: str) -> tuple[Any, Validator]:
    """A component schema as load_spec would inline it, with its validator."""
    docs = Documents(path.resolve())
    inliner = SchemaInliner(docs)
    root = Located(docs.root, "", docs.root_document)
    schema = inliner.schema(root.child("components").child("schemas").child(name))
    return schema, compile_validator(schema, inliner.registry)


def ref_to(spec: Path, name: str) -> str:
    return f"{spec.as_uri()}/components/schemas/{name}"


def op(spec: Spec, ref: str) -> Operation:
    found = spec.operation(ref)
    assert found is not None, f"{ref} not in {[o.key for o in spec.operations]}"
    return found


def json_schema_of(operation: Operation, status: str) -> Validator:
    validator = operation.responses[status].content["application/json"].validator
    assert validator is not None
    return validator


@pytest.fixture(scope="module")
def petstore() -> Spec:
    return load_spec(PETSTORE)


@pytest.fixture(scope="module")
def trees() -> Spec:
    return load_spec(TREES)


# --- documents -----------------------------------------------------------------------------


def test_loads_openapi_30_yaml(petstore: Spec) -> None:
    assert petstore.openapi == "3.0.3"
    assert petstore.title == "Pet store (3.0)"
    assert petstore.path == PETSTORE.resolve()
    keys = [o.key for o in petstore.operations]
    assert keys == ["GET /pets", "createPet", "getPet"]  # the x- entry under paths is skipped


def test_loads_openapi_31_json(trees: Spec) -> None:
    assert trees.openapi == "3.1.0"
    assert [o.key for o in trees.operations] == ["putTree"]
    validator = json_schema_of(op(trees, "putTree"), "200")
    assert validator.is_valid({"trees": [{"value": 1, "label": None, "weight": 0.5}]})
    assert not validator.is_valid({"trees": [{"value": 1, "weight": 0}]})  # numeric exclusiveMin
    assert validator.is_valid({"legacy": None})  # 3.0's `nullable` in 3.1: honoured, warned
    assert not validator.is_valid({"legacy": 1})


def test_each_file_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Path] = []
    original = load_module.read_document

    def counting(path: Path) -> Any:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(load_module, "read_document", counting)
    load_spec(PETSTORE)
    # common/errors.yaml is the target of three $refs; common/defs/base.yaml of none in use.
    assert sorted(reads) == [SPECS / "common" / "errors.yaml", PETSTORE.resolve()]


def test_yaml_keeps_json_data_model(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        200:\n          description: ok\n          content:\n"
        "            application/json:\n              example: {at: 2025-06-14T10:00:00Z}\n"
    )
    response = op(load_spec(spec), "GET /a").responses["200"]
    assert response.content["application/json"].examples == ({"at": "2025-06-14T10:00:00Z"},)


# --- operations ----------------------------------------------------------------------------


def test_operation_without_operation_id_is_keyed_by_method_and_path(petstore: Spec) -> None:
    listing = op(petstore, "GET /pets")
    assert listing.operation_id is None
    assert listing.method == "GET"
    assert listing.path == "/pets"
    assert op(petstore, "POST /pets").key == "createPet"  # both names work
    assert petstore.operation("DELETE /pets") is None


def test_operation_pointer_is_in_root_document(petstore: Spec) -> None:
    assert op(petstore, "getPet").pointer == "/paths/~1pets~1{petId}/get"
    assert op(petstore, "createPet").pointer == "/paths/~1pets/post"


def test_path_level_parameters_merge_and_operation_wins(petstore: Spec) -> None:
    params = {(p.name, p.location): p for p in op(petstore, "getPet").parameters}
    # Authorization is governed by security schemes, so OpenAPI says the parameter is ignored.
    assert set(params) == {("petId", "path"), ("verbose", "query")}
    verbose = params[("verbose", "query")]
    assert verbose.required
    assert verbose.validator.is_valid("yes")
    assert not verbose.validator.is_valid(True)  # the path-level boolean one was overridden
    pet_id = params[("petId", "path")]  # reached through a chain of two $refs
    assert pet_id.validator.is_valid("550e8400-e29b-41d4-a716-446655440000")
    assert not pet_id.validator.is_valid("550e8400")


def test_parameter_refs_and_style_defaults(petstore: Spec) -> None:
    params = {p.name: p for p in op(petstore, "GET /pets").parameters}
    assert (params["limit"].style, params["limit"].explode) == ("form", True)
    assert (params["X-Trace-Id"].style, params["X-Trace-Id"].explode) == ("simple", False)
    assert params["X-Trace-Id"].location == "header"
    path_param = op(petstore, "getPet").parameters[0]
    assert (path_param.style, path_param.explode) == ("simple", False)


def test_security_inherits_overrides_and_opts_out(petstore: Spec) -> None:
    assert op(petstore, "GET /pets").security == ({"ApiKey": ()},)
    assert op(petstore, "createPet").security == ()  # `security: []` means no auth
    assert op(petstore, "getPet").security == ({"Bearer": ("pets:read",)},)
    schemes = petstore.security_schemes
    assert (schemes["ApiKey"].kind, schemes["ApiKey"].location) == ("apiKey", "header")
    assert schemes["ApiKey"].param_name == "X-Api-Key"
    assert (schemes["Bearer"].kind, schemes["Bearer"].scheme) == ("http", "bearer")
    assert schemes["Basic"].scheme == "basic"
    assert (schemes["Cookie"].location, schemes["Cookie"].param_name) == ("cookie", "session")
    assert (schemes["OAuth"].kind, schemes["OAuth"].scheme) == ("oauth2", "bearer")


def test_request_body_from_components(petstore: Spec) -> None:
    body = op(petstore, "createPet").request_body
    assert body is not None and body.required
    media = body.content["application/json"]
    assert media.validator is not None
    assert media.validator.is_valid({"name": "Rex"})
    assert not media.validator.is_valid({})
    assert media.examples == ({"name": "Rex"},)  # the schema's own example, as media has none


def test_response_from_components_with_cross_file_schema(petstore: Spec) -> None:
    listing = op(petstore, "GET /pets")
    assert listing.responses["default"].description == "A problem."
    validator = json_schema_of(listing, "default")
    assert validator.is_valid({"error": "boom", "code": None})
    assert not validator.is_valid({"code": 1})
    assert set(op(petstore, "getPet").responses) == {"200", "404"}


def test_media_examples_in_order(petstore: Spec) -> None:
    response = op(petstore, "createPet").responses["201"]
    assert response.content["application/json"].examples == (
        {"id": 1, "name": "Rex", "tag": None},
        {"id": 2, "name": "Tom"},
        {"id": 3, "name": "Shared"},
    )
    location = response.headers["Location"]
    assert location["required"] is True
    assert location["validator"].is_valid("/pets/1")
    assert not location["validator"].is_valid(1)


# --- references ----------------------------------------------------------------------------


def test_local_ref_is_inlined_and_independent(petstore: Spec) -> None:
    created = op(petstore, "createPet").responses["201"].content["application/json"].schema
    fetched = op(petstore, "getPet").responses["200"].content["application/json"].schema
    assert created == fetched
    assert created is not fetched
    assert created is not None and fetched is not None
    assert "$ref" not in str(created)
    assert created["allOf"][0] is not fetched["allOf"][0]  # deep copies, not shared parts


def test_cross_file_chain_resolves_relative_to_each_file() -> None:
    # petstore -> common/errors.yaml (ErrorAlias) -> common/defs/base.yaml, a bare schema file
    schema, validator = component(PETSTORE, "ErrorAlias")
    assert schema["required"] == ["message"]
    assert validator.is_valid({"message": "m"})
    assert not validator.is_valid({"message": ""})


def test_bare_cross_file_component_is_followed() -> None:
    schema, validator = component(PETSTORE, "Error")
    assert schema["properties"]["code"] == {"type": ["integer", "null"]}
    assert validator.is_valid({"error": "x"})


def test_ref_with_annotation_siblings_merges_over_target() -> None:
    schema, _ = component(PETSTORE, "Described")
    assert schema == {"type": "string", "description": "A described string."}


def test_ref_with_constraining_siblings_becomes_all_of() -> None:
    schema, validator = component(PETSTORE, "Extended")
    assert schema == {
        "allOf": [{"type": "object", "additionalProperties": {"type": "string"}}],
        "maxProperties": 1,
    }
    assert validator.is_valid({"a": "b"})
    assert not validator.is_valid({"a": "b", "c": "d"})


def test_json_pointer_escaping_in_refs() -> None:
    assert component(PETSTORE, "Escaped")[0] == {"type": "integer"}  # ~1, ~0 and %20
    from_path, _ = component(PETSTORE, "FromPath")  # through /paths/~1pets~1%7BpetId%7D
    assert from_path == component(PETSTORE, "Pet")[0]


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("Pet", {"id": 1, "name": "a"}, {"name": "a"}),
        ("Shape", {"radius": 1}, {"radius": 1, "side": 2}),
        ("Scalar", 3, 3.5),
        ("Labels", {"a": "b"}, {"a": 1}),
    ],
)
def test_compositions_and_maps_survive(name: str, good: Any, bad: Any) -> None:
    _, validator = component(PETSTORE, name)
    assert validator.is_valid(good)
    assert not validator.is_valid(bad)


def test_vendor_extensions_dropped_but_property_names_kept() -> None:
    schema, _ = component(PETSTORE, "NewPet")
    assert not [key for key in schema if key.startswith("x-")]
    assert "x-literal" in schema["properties"]  # a property name, not an extension


def test_recursive_schema_stays_a_ref_resolvable_through_registry(trees: Spec) -> None:
    body = op(trees, "putTree").request_body
    assert body is not None
    media = body.content["application/json"]
    assert media.schema is not None and media.validator is not None
    ref = media.schema["properties"]["children"]["items"]["$ref"]
    assert ref.startswith("file://")
    resolved = trees.registry.resolver().lookup(ref).contents
    assert resolved["properties"]["value"] == {"type": "integer"}

    def tree(leaf: Any) -> dict[str, Any]:
        return {"value": 1, "children": [{"value": 2, "children": [leaf]}]}

    assert media.validator.is_valid(tree({"value": 3}))
    assert not media.validator.is_valid(tree({"value": "three"}))


def test_mutually_recursive_schemas(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}\n"
        "    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}, n: {}}}\n"
    )
    _, validator = component(spec, "A")
    assert validator.is_valid({"b": {"a": {"b": {"n": 1}}}})
    assert not validator.is_valid({"b": {"a": {"b": {"a": 1}}}})
    # One inliner for both, as load_spec has: what it reuses from A must still fit B.
    docs = Documents(spec)
    inliner = SchemaInliner(docs)
    schemas = Located(spec, "", docs.root_document).child("components").child("schemas")
    a_schema, b_schema = inliner.schema(schemas.child("A")), inliner.schema(schemas.child("B"))
    assert a_schema["properties"]["b"]["properties"]["a"] == {"$ref": ref_to(spec, "A")}
    assert b_schema["properties"]["a"]["properties"]["b"] == {"$ref": ref_to(spec, "B")}
    b_validator = compile_validator(b_schema, inliner.registry)
    assert b_validator.is_valid({"a": {"b": {"a": {"b": {"n": 2}}}}})
    assert not b_validator.is_valid({"a": {"b": {"a": {"b": {"n": 2, "a": 3}}}}})


@pytest.mark.parametrize(
    "schemas",
    [
        "    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
        "    A: {allOf: [{$ref: '#/components/schemas/A'}]}\n",
    ],
)
def test_cycles_that_never_descend_are_refused(tmp_path: Path, schemas: str) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        + schemas
    )
    with pytest.raises(SpecError, match="circular"):
        component(spec, "A")


# --- broken specs --------------------------------------------------------------------------

REF_POINTER = "/paths/~1things/get/responses/200/content/application~1json/schema/$ref"


@pytest.mark.parametrize(
    ("name", "pointer", "reason"),
    [
        ("dangling_local.yaml", REF_POINTER, "/components/schemas/Missing"),
        ("dangling_cross.yaml", REF_POINTER, "/components/schemas/Nope"),
        ("missing_file.yaml", REF_POINTER, "no-such-file.yaml"),
        ("invalid.yaml", "/", "line 4, column 11"),
        ("path_param_missing.yaml", "/paths/~1things~1{thingId}/get", "{thingId}"),
    ],
)
def test_broken_specs_name_file_and_pointer(name: str, pointer: str, reason: str) -> None:
    path = SPECS / "broken" / name
    with pytest.raises(SpecError) as caught:
        load_spec(path, strict=True)
    assert caught.value.file == str(path.resolve())
    assert caught.value.pointer == pointer
    assert reason in caught.value.reason
    assert name in str(caught.value) and pointer in str(caught.value)


def test_missing_root_file() -> None:
    with pytest.raises(SpecError, match="cannot read file") as caught:
        load_spec(SPECS / "nope.yaml")
    assert "nope.yaml" in str(caught.value)


def test_dangling_ref_inside_referenced_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        '200':\n          $ref: 'other.yaml#/Ok'\n"
    )
    (tmp_path / "other.yaml").write_text(
        "Ok:\n  description: ok\n  content:\n    text/plain:\n      schema: {$ref: '#/Nope'}\n"
    )
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "api.yaml", strict=True)
    assert caught.value.file == str(tmp_path / "other.yaml")
    assert caught.value.pointer == "/Ok/content/text~1plain/schema/$ref"
    # Without --strict-spec the spec loads and lists the same flaw, not repaired.
    (flaw,) = load_spec(tmp_path / "api.yaml").warnings
    assert (flaw.file, flaw.pointer, flaw.repaired) == (
        str(tmp_path / "other.yaml"),
        "/Ok/content/text~1plain/schema/$ref",
        False,
    )


HEAD = "info: {title: t, version: '1'}\n"
GET_A = "paths:\n  /a:\n    get:\n"
OK = "      responses: {'200': {description: ok}}\n"


@pytest.mark.parametrize(
    ("text", "pointer", "reason"),
    [
        (HEAD + "paths: {}\n", "/openapi", "no `openapi` field"),
        ("openapi: 4.0.0\n" + HEAD + "paths: {}\n", "/openapi", "unsupported OpenAPI version"),
        ("openapi: banana\n" + HEAD, "/openapi", "unsupported OpenAPI version"),
        ("openapi: 3.0\n" + HEAD, "/openapi", "unsupported OpenAPI version"),
        ("- just\n- a list\n", "/", "mapping at the top level"),
        ("openapi: 3.0.3\n" + HEAD + "paths: [a]\n", "/paths", "`paths` must be a mapping"),
        ("openapi: 3.0.3\n" + HEAD + "paths:\n  /a:\n    get: 1\n", "/paths/~1a/get", "mapping"),
        (
            "openapi: 3.0.3\n" + HEAD + GET_A + "      parameters: [{in: query}]\n" + OK,
            "/paths/~1a/get/parameters/0",
            "`name`",
        ),
        (
            "openapi: 3.0.3\n" + HEAD + GET_A + "      parameters: [{name: q}]\n" + OK,
            "/paths/~1a/get/parameters/0",
            "`in`",
        ),
        (
            "openapi: 3.0.3\n" + HEAD + "paths:\n  /a/{x}:\n    get:\n"
            "      parameters: [{name: x, in: path}]\n" + OK,
            "/paths/~1a~1{x}/get/parameters/0/required",
            "required: true",
        ),
        (
            "openapi: 3.0.3\n" + HEAD + GET_A + "      security: [{Nope: []}]\n" + OK,
            "/paths/~1a/get/security/0/Nope",
            "unknown security scheme",
        ),
        (
            "openapi: 3.0.3\n"
            + HEAD
            + GET_A
            + "      operationId: x\n"
            + OK
            + "    put:\n      operationId: x\n"
            + OK,
            "/paths/~1a/put",
            "duplicate operationId",
        ),
    ],
)
def test_structural_errors(tmp_path: Path, text: str, pointer: str, reason: str) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(spec, strict=True)
    assert (caught.value.pointer, caught.value.file) == (pointer, str(spec))
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "pointer", "kind", "repaired"),
    [
        ("paths:\n  /a:\n    get: 1\n", "/paths/~1a/get", "broken", False),
        (
            GET_A + "      parameters: [{in: query}]\n" + OK,
            "/paths/~1a/get/parameters/0",
            "bad-parameter",
            False,
        ),
        (
            "paths:\n  /a/{x}:\n    get:\n      parameters: [{name: x, in: path}]\n" + OK,
            "/paths/~1a~1{x}/get/parameters/0/required",
            "optional-path-parameter",
            True,
        ),
        (
            GET_A + "      security: [{Nope: []}]\n" + OK,
            "/paths/~1a/get/security/0/Nope",
            "unknown-security-scheme",
            True,
        ),
        (
            GET_A + "      operationId: x\n" + OK + "    put:\n      operationId: x\n" + OK,
            "/paths/~1a/put",
            "duplicate-operation-id",
            True,
        ),
    ],
)
def test_structural_flaws_inside_an_operation_never_refuse_the_spec(
    tmp_path: Path, text: str, pointer: str, kind: str, repaired: bool
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.0.3\n" + HEAD + text)
    loaded = load_spec(spec)
    (flaw,) = [w for w in loaded.warnings if w.pointer == pointer]
    assert (flaw.kind, flaw.repaired, flaw.file) == (kind, repaired, str(spec))


# --- the reference spec --------------------------------------------------------------------


@pytest.mark.skipif(not OSAPI_JOB.is_file(), reason=f"reference specs not present at {OSAPI_JOB}")
def test_osapi_reference_spec_loads_unmodified() -> None:
    spec = load_spec(OSAPI_JOB)
    get_job = op(spec, "GET /job/{id}")
    assert get_job.operation_id == "GetJobByID"
    assert op(spec, "POST /job").operation_id is None
    assert op(spec, "GET /job/status").operation_id is None
    validator = json_schema_of(get_job, "400")
    assert validator.is_valid({"error": "x"})
    assert not validator.is_valid({"error": 1})
    assert get_job.security == ({"BearerAuth": ("job:read",)},)
