"""Discovery documents are read as the OpenAPI 3.0 they convert to, at load: methods of nested
resources at their flat paths, common and own query parameters, request and response bodies,
schemas with their references, enums as proto3's JSON reads them, OAuth 2.0 scopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from emulator import build
from emulator.openapi import load_spec
from emulator.openapi.discovery import convert, is_discovery

EXPORTS: dict[str, Any] = {
    "kind": "discovery#restDescription",
    "discoveryVersion": "v1",
    "id": "exports:v1",
    "name": "exports",
    "version": "v1",
    "revision": "20260101",
    "title": "Exports API",
    "rootUrl": "https://exports.example.com/",
    "servicePath": "",
    "auth": {"oauth2": {"scopes": {"https://example.com/auth/all": {"description": "All"}}}},
    "parameters": {
        "alt": {"type": "string", "location": "query", "enum": ["json", "proto"]},
        "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
    },
    "resources": {
        "projects": {
            "resources": {
                "exports": {
                    "methods": {
                        "create": {
                            "id": "exports.projects.exports.create",
                            "path": "v1/{+parent}/exports",
                            "flatPath": "v1/projects/{projectsId}/exports",
                            "httpMethod": "POST",
                            "parameters": {
                                "parent": {
                                    "location": "path",
                                    "required": True,
                                    "type": "string",
                                    "pattern": "^projects/[^/]+$",
                                },
                                "tags": {"location": "query", "type": "string", "repeated": True},
                            },
                            "request": {"$ref": "Export"},
                            "response": {"$ref": "Export"},
                            "scopes": ["https://example.com/auth/all"],
                        },
                        "get": {
                            "id": "exports.projects.exports.get",
                            "path": "v1/{+name}",
                            "httpMethod": "GET",
                            "parameters": {
                                "name": {"location": "path", "required": True, "type": "string"}
                            },
                            "response": {"$ref": "Export"},
                        },
                        "cancel": {
                            "id": "exports.projects.exports.cancel",
                            "flatPath": "v1/projects/{projectsId}/exports/{exportsId}:cancel",
                            "path": "v1/{+name}:cancel",
                            "httpMethod": "POST",
                        },
                    }
                }
            }
        }
    },
    "schemas": {
        "Export": {
            "id": "Export",
            "type": "object",
            "properties": {
                "name": {"type": "string", "readOnly": True},
                "state": {"type": "string", "enum": ["RUNNING", "DONE"]},
                "rows": {"type": "string", "format": "int64"},
                "pages": {"type": "integer", "minimum": "1", "maximum": "100"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "parts": {"type": "array", "items": {"$ref": "Part"}},
                "extra": {"type": "any"},
            },
        },
        "Part": {"id": "Part", "type": "object", "properties": {"size": {"type": "integer"}}},
    },
}


def test_a_discovery_document_is_recognised_by_its_kind() -> None:
    assert is_discovery(EXPORTS)
    assert not is_discovery({"openapi": "3.0.3"}) and not is_discovery([])


def test_methods_become_operations_at_their_flat_paths() -> None:
    doc = convert(EXPORTS)
    assert doc["servers"] == [{"url": "https://exports.example.com"}]
    assert sorted(doc["paths"]) == [
        "/v1/projects/{projectsId}/exports",
        "/v1/projects/{projectsId}/exports/{exportsId}:cancel",
        "/v1/{name}",  # no flatPath: the path, its reserved expansion read as a parameter
    ]
    create = doc["paths"]["/v1/projects/{projectsId}/exports"]["post"]
    assert create["operationId"] == "exports.projects.exports.create"
    params = {(p["in"], p["name"]): p for p in create["parameters"]}
    assert sorted(params) == [
        ("path", "projectsId"),
        ("query", "alt"),
        ("query", "prettyPrint"),
        ("query", "tags"),
    ]
    assert params[("query", "tags")]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert params[("query", "prettyPrint")]["schema"] == {"type": "boolean", "default": True}
    body = {"schema": {"$ref": "#/components/schemas/Export"}}
    assert create["requestBody"]["content"]["application/json"] == body
    assert create["responses"]["200"]["content"]["application/json"] == body
    assert create["security"] == [{"oauth2": ["https://example.com/auth/all"]}]
    cancel = doc["paths"]["/v1/projects/{projectsId}/exports/{exportsId}:cancel"]["post"]
    assert "content" not in cancel["responses"]["200"]  # no response: no body
    # Errors come in the family's envelope (AIP-193), which the document leaves unsaid.
    envelope = {"$ref": "#/components/schemas/DiscoveryErrorEnvelope"}
    assert cancel["responses"]["default"]["content"]["application/json"]["schema"] == envelope
    error = doc["components"]["schemas"]["DiscoveryErrorEnvelope"]["properties"]["error"]
    assert sorted(error["properties"]) == ["code", "details", "message", "status"]


def test_schemas_become_json_schema() -> None:
    export = convert(EXPORTS)["components"]["schemas"]["Export"]["properties"]
    assert export["rows"] == {"format": "int64", "type": "string"}
    assert export["pages"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert export["parts"] == {"type": "array", "items": {"$ref": "#/components/schemas/Part"}}
    assert export["labels"]["additionalProperties"] == {"type": "string"}
    assert export["extra"] == {}  # any value
    # proto3's JSON mapping reads an enum from its name or its number
    assert export["state"] == {
        "anyOf": [{"type": "string", "enum": ["RUNNING", "DONE"]}, {"type": "integer"}]
    }


def test_a_discovery_file_loads_and_is_served_statelessly(tmp_path: Path) -> None:
    path = tmp_path / "exports.v1.json"
    path.write_text(json.dumps(EXPORTS))
    spec = load_spec(path)
    assert spec.title == "Exports API"
    assert spec.security_schemes["oauth2"].scheme == "bearer"
    app = build(api=None, spec=path)
    with TestClient(app) as client:
        auth = {"Authorization": "Bearer k"}
        created = client.post(
            "/v1/projects/p1/exports", json={"state": 1, "rows": "12"}, headers=auth
        )
        assert created.status_code == 200, created.text
        refused = client.post("/v1/projects/p1/exports", json={"state": "LATER"}, headers=auth)
        assert refused.status_code == 400
        assert client.post("/v1/projects/p1/exports/e1:cancel", headers=auth).status_code == 200
