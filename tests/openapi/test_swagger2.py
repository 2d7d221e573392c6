"""Swagger 2.0 documents are read as the OpenAPI 3.0 they convert to, at load: definitions,
body and formData parameters, consumes/produces, securityDefinitions, host + basePath, and
`$ref`s across files, in JSON and YAML; a profile binds their operations unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from emulator import build
from emulator.openapi import load_spec
from emulator.openapi.spec_facts import base_path
from emulator.openapi.swagger2 import convert
from emulator.yamlread import escape
from tests.support import node_at

PETS = {
    "swagger": "2.0",
    "info": {"title": "Pets", "version": "1"},
    "host": "api.example.com",
    "basePath": "/v2",
    "schemes": ["https"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "securityDefinitions": {
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "basic": {"type": "basic"},
        "oauth": {
            "type": "oauth2",
            "flow": "accessCode",
            "authorizationUrl": "https://example.com/a",
            "tokenUrl": "https://example.com/t",
            "scopes": {"read": "read"},
        },
    },
    "security": [{"key": []}],
    "parameters": {"Limit": {"name": "limit", "in": "query", "type": "integer", "maximum": 50}},
    "responses": {"NotFound": {"description": "gone", "schema": {"$ref": "errors.yaml#/Error"}}},
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [
                    {"$ref": "#/parameters/Limit"},
                    {
                        "name": "tags",
                        "in": "query",
                        "type": "array",
                        "items": {"type": "string"},
                        "collectionFormat": "multi",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "pets",
                        "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
                        "headers": {"X-Total": {"type": "integer"}},
                    }
                },
            },
            "post": {
                "operationId": "createPet",
                "parameters": [
                    {
                        "name": "pet",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Pet"},
                    }
                ],
                "responses": {
                    "201": {
                        "description": "made",
                        "schema": {"$ref": "#/definitions/Pet"},
                        "examples": {"application/json": {"id": 7, "name": "Rex", "tag": None}},
                    }
                },
            },
        },
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
            "get": {
                "operationId": "showPet",
                "responses": {
                    "200": {"description": "pet", "schema": {"$ref": "#/definitions/Pet"}},
                    "404": {"$ref": "#/responses/NotFound"},
                },
            },
        },
        "/pets/{petId}/photo": {
            "post": {
                "operationId": "uploadPhoto",
                "consumes": ["multipart/form-data"],
                "security": [{"basic": []}],
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "type": "integer"},
                    {"name": "file", "in": "formData", "type": "file", "required": True},
                    {"name": "caption", "in": "formData", "type": "string"},
                ],
                "responses": {"204": {"description": "stored"}},
            }
        },
    },
    "definitions": {
        "Pet": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer", "format": "int64"},
                "name": {"type": "string"},
                "tag": {"type": "string", "x-nullable": True},
            },
        }
    },
}
ERRORS = (
    "Error:\n  type: object\n  required: [message]\n  properties:\n    message: {type: string}\n"
)


def _write(tmp_path: Path, *, as_yaml: bool = False) -> Path:
    (tmp_path / "errors.yaml").write_text(ERRORS)
    path = tmp_path / ("pets.yaml" if as_yaml else "pets.json")
    path.write_text(yaml.safe_dump(PETS) if as_yaml else json.dumps(PETS))
    return path


def test_the_constructs_that_matter_convert() -> None:
    doc, _ = convert(PETS, lambda ref: PETS["parameters"]["Limit"])
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": "https://api.example.com/v2"}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["key"] == {"type": "apiKey", "name": "X-Key", "in": "header"}
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    assert set(schemes["oauth"]["flows"]) == {"authorizationCode"}
    listing = doc["paths"]["/pets"]["get"]
    assert listing["parameters"][0]["schema"] == {"type": "integer", "maximum": 50}
    assert listing["parameters"][1]["style"] == "form" and listing["parameters"][1]["explode"]
    assert listing["responses"]["200"]["headers"]["X-Total"]["schema"] == {"type": "integer"}
    create = doc["paths"]["/pets"]["post"]
    assert create["requestBody"]["required"] is True
    assert set(create["requestBody"]["content"]) == {"application/json"}
    made = create["responses"]["201"]["content"]["application/json"]
    assert made["example"] == {"id": 7, "name": "Rex", "tag": None}
    upload = doc["paths"]["/pets/{petId}/photo"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["file"]
    path_param = doc["paths"]["/pets/{petId}"]["get"]["parameters"][0]
    assert path_param["schema"] == {"type": "integer"} and path_param["required"] is True


def test_a_2_0_spec_in_json_or_yaml_with_cross_file_refs_is_served_like_3_0(
    tmp_path: Path,
) -> None:
    for as_yaml in (False, True):
        path = _write(tmp_path, as_yaml=as_yaml)
        spec = load_spec(path)
        assert spec.openapi == "3.0.3" and spec.warnings == ()
        assert [op.key for op in spec.operations] == [
            "listPets",
            "createPet",
            "showPet",
            "uploadPhoto",
        ]
        c = TestClient(build(api=None, spec=path), headers={"X-Key": "k"})
        made = c.post("/v2/pets", json={"id": 1, "name": "Rex"})
        assert made.status_code == 201 and made.json() == {"id": 7, "name": "Rex", "tag": None}
        assert c.post("/v2/pets", json={"name": "Rex"}).status_code == 400  # id is required
        assert c.get("/v2/pets", params={"limit": 51}).status_code == 400
        listed = c.get("/v2/pets", params={"limit": 5})
        assert listed.status_code == 200 and "x-emulator-violations" not in listed.headers
        assert c.get("/v2/pets").status_code == 200
        assert TestClient(build(api=None, spec=path)).get("/v2/pets").status_code == 401
        op = spec.operation("showPet")
        assert op is not None
        missing = op.responses["404"].content["application/json"].validator
        assert missing is not None and not missing.is_valid({})  # errors.yaml#/Error, required


def test_a_profile_binds_a_2_0_specs_operations_unchanged(tmp_path: Path) -> None:
    path = _write(tmp_path)
    profile = tmp_path / "pets.profile.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "name": "pets",
                "spec": str(path),
                "operations": {"create": "createPet", "retrieve": "showPet"},
                "statuses": {"terminal": ["completed", "failed"]},
            }
        )
    )
    app = build(profile=profile)
    assert app.profile is not None and app.jobs.action_of == {
        "createPet": "create",
        "showPet": "retrieve",
    }


def test_flaws_of_a_2_0_file_point_into_it_not_into_its_3_0_reading(tmp_path: Path) -> None:
    """Each flaw is named where the 2.0 file has it: a response's `schema` (not its 3.0
    `content/application~1json/schema`), a query parameter itself (its type keywords are its
    schema), a `$ref`'d parameter where it is defined, a body parameter's `schema`, a form
    field, a response header, a response example under `examples`."""
    doc = copy.deepcopy(PETS)
    doc["parameters"]["Limit"]["enum"] = [5, 5]
    listing = doc["paths"]["/pets"]["get"]
    listing["parameters"][1]["items"]["enum"] = ["a", "a"]
    listing["responses"]["200"]["schema"]["required"] = []  # an array: not read, no flaw
    listing["responses"]["200"]["schema"]["maxItems"] = 3
    listing["responses"]["200"]["schema"]["uniqueItems"] = True
    listing["responses"]["200"]["headers"]["X-Total"]["enum"] = [1, 1]
    create = doc["paths"]["/pets"]["post"]
    create["parameters"][0]["schema"] = {
        "type": "object",
        "required": ["name", "name"],
        "properties": {"name": {"type": "string"}},
    }
    create["responses"]["201"]["examples"]["application/json"] = {"id": "seven"}
    upload = doc["paths"]["/pets/{petId}/photo"]["post"]
    upload["parameters"][2]["enum"] = ["x", "x"]
    shown = doc["paths"]["/pets/{petId}"]["get"]["responses"]["200"]
    shown["schema"] = {"type": "object", "required": ["id", "id"]}
    (tmp_path / "errors.yaml").write_text(ERRORS)
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(doc))
    flaws = build(api=None, spec=path, exhaustive=True).warnings
    found = {(f.kind, f.pointer) for f in flaws}
    get, post = "/paths/~1pets/get", "/paths/~1pets/post"
    show, photo = "/paths/~1pets~1{petId}/get", "/paths/~1pets~1{petId}~1photo/post"
    assert found == {
        ("duplicate-enum", "/parameters/Limit/enum"),
        ("duplicate-enum", f"{get}/parameters/1/items/enum"),
        ("duplicate-enum", f"{get}/responses/200/headers/X-Total/enum"),
        ("duplicate-required", f"{post}/parameters/0/schema/required"),
        ("example-contradicts-schema", f"{post}/responses/201"),
        ("duplicate-enum", f"{photo}/parameters/2/enum"),
        ("duplicate-required", f"{show}/responses/200/schema/required"),
    }
    for flaw in flaws:
        node_at(doc, flaw.pointer)  # every pointer names a node of the 2.0 file
    assert f"{escape('application/json')}" not in "".join(p for _, p in found)


def test_an_azure_parameterized_host_is_the_server_and_its_path_the_base_path() -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "x-ms-parameterized-host": {
            "hostTemplate": "{endpoint}/translator/batch/v1.0",
            "useSchemePrefix": False,
            "parameters": [{"$ref": "#/parameters/Endpoint"}],
        },
        "parameters": {"Endpoint": {"name": "endpoint", "in": "path", "type": "string"}},
        "paths": {},
    }
    converted, _ = convert(document, lambda ref: document["parameters"]["Endpoint"])
    assert converted["servers"] == [
        {
            "url": "{endpoint}/translator/batch/v1.0",
            "variables": {"endpoint": {"default": "https://localhost"}},
        }
    ]
    assert base_path(converted) == "/translator/batch/v1.0"
