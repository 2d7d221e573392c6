"""A large spec made on the spot: ``operations`` operations over a deep graph of components
that refer to each other (chains, fan-out, cycles through properties), for the tolerance tests
and the load benchmark (bench/load.py). With ``broken``, one component only one unbound
operation reaches has an invalid schema (a ``required`` list with duplicates). Request bodies
reach the whole graph; responses stay near its end, so bodies made from them stay small."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BROKEN_POINTER = "/components/schemas/Broken/required"
BROKEN_OPERATION = "getThing7"
BOUND = ("createThing0", "getThing0", "listThings")


def _model(i: int, count: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid"},
        "size": {"type": "integer", "minimum": 0},
        "note": {"type": ["string", "null"]},
    }
    if i + 1 < count:  # a chain as deep as the graph, and fan-out further down it
        properties["next"] = {"$ref": f"#/components/schemas/Model{i + 1}"}
        properties["related"] = {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/Model{min(i + 2 + i % 5, count - 1)}"},
        }
    properties["parent"] = {"$ref": f"#/components/schemas/Model{i}"}  # a cycle
    return {"type": "object", "required": ["id"], "properties": properties}


def spec(operations: int = 1_000, models: int = 60, broken: bool = True) -> dict[str, Any]:
    schemas = {f"Model{i}": _model(i, models) for i in range(models)}
    schemas["Error"] = {"type": "object", "properties": {"message": {"type": "string"}}}
    schemas["Broken"] = {"type": "object", "required": ["a", "a"] if broken else ["a"]}
    paths: dict[str, Any] = {
        "/things": {
            "get": {
                "operationId": "listThings",
                "responses": {"200": _json({"type": "array", "items": _ref(f"Model{models - 1}")})},
            }
        }
    }
    for n in range(operations // 2):
        model = "Broken" if n == 7 else f"Model{models - 1 - n % models}"
        paths[f"/things/{n}"] = {
            "post": {
                "operationId": f"createThing{n}",
                "requestBody": {"required": True, "content": _json(_ref("Model0"))["content"]},
                "responses": {
                    "201": _json(_ref(f"Model{models - 1 - n % 3}")),
                    "400": _json(_ref("Error")),
                },
            },
            "get": {
                "operationId": f"getThing{n}",
                "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": _json(_ref(model)), "404": _json(_ref("Error"))},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Generated", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def write(path: Path, **options: Any) -> Path:
    path.write_text(json.dumps(spec(**options)), encoding="utf-8")
    return path


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}
