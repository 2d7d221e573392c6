"""Discovery documents (the ``discovery#restDescription`` format a whole family of public REST
APIs publishes, with client libraries generated from it) read as OpenAPI 3.0, at load, so the
rest of the emulator serves them like any 3.0 spec and profiles bind their methods unchanged.

A method becomes an operation at its ``flatPath`` (``v1/projects/{projectsId}/operations``:
one parameter per segment, as clients send them) or its ``path`` (``{+name}`` read as
``{name}``), its ``id`` the ``operationId``; its ``parameters`` and the document's common ones
become query and path parameters; ``request`` and ``response`` the JSON body and the 200
answer, and every method answers errors in the family's envelope (``{"error": {code,
message, status}}``, AIP-193), which the document leaves unsaid. ``schemas`` become
components (``$ref: Name`` -> ``#/components/schemas/Name``, type ``any`` -> any value). The
JSON a discovery document describes is proto3's JSON mapping, whose readers take an enum by
its name or its number: enums read so, and clients that send numbers (``enum-encoding=int``)
are not refused. ``auth.oauth2`` becomes an OAuth 2.0 scheme, which on the wire is a bearer
token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["convert", "is_discovery"]

_RESERVED = re.compile(r"\{\+([^{}]+)\}")
_VARIABLE = re.compile(r"\{([^{}]+)\}")
_SCHEMA_KEYS = (
    "description",
    "format",
    "pattern",
    "readOnly",
    "deprecated",
)
_JSON = "application/json"
_SCHEME = "oauth2"
# The document describes no errors: the APIs that publish discovery documents answer them in
# one envelope, a google.rpc.Status under "error" (AIP-193), which every method declares here.
_ERROR = "DiscoveryErrorEnvelope"
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer", "description": "The HTTP status."},
                "message": {"type": "string"},
                "status": {"type": "string", "description": "The canonical code's name."},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
_ERROR_ANSWER: dict[str, Any] = {
    "description": "An error",
    "content": {_JSON: {"schema": {"$ref": f"#/components/schemas/{_ERROR}"}}},
}


def is_discovery(document: Any) -> bool:
    return isinstance(document, dict) and document.get("kind") == "discovery#restDescription"


def convert(document: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.0.3 reading of the discovery ``document``."""
    root = str(document.get("rootUrl", "")) + str(document.get("servicePath", ""))
    out: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": str(document.get("title") or document.get("name") or ""),
            "version": str(document.get("version", "")),
            "description": str(document.get("description", "")),
        },
        "x-discovery": {
            key: document[key] for key in ("id", "name", "version", "revision") if key in document
        },
    }
    if root:
        out["servers"] = [{"url": root.rstrip("/") or "/"}]
    common = _parameters(document.get("parameters"), set())
    paths: dict[str, Any] = {}
    for method in _methods(document):
        path, operation = _operation(method, common)
        paths.setdefault(path, {})[str(method.get("httpMethod", "GET")).lower()] = operation
    out["paths"] = paths
    schemas = document.get("schemas")
    components: dict[str, Any] = {}
    if isinstance(schemas, Mapping):
        components["schemas"] = {name: _schema(s) for name, s in schemas.items()}
    scopes = document.get("auth", {}).get("oauth2", {}).get("scopes")
    if isinstance(scopes, Mapping):
        components["securitySchemes"] = {
            _SCHEME: {
                "type": "oauth2",
                # The document names no endpoint of its own; the flow's scopes are what it says.
                "flows": {
                    "implicit": {
                        "authorizationUrl": root or "/",
                        "scopes": {
                            str(k): str(v.get("description", "")) if isinstance(v, Mapping) else ""
                            for k, v in scopes.items()
                        },
                    }
                },
            }
        }
    components.setdefault("schemas", {})[_ERROR] = _ERROR_SCHEMA
    out["components"] = components
    return out


def _methods(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every method of the document, its resources' (nested) included."""
    methods = node.get("methods")
    if isinstance(methods, Mapping):
        yield from (m for m in methods.values() if isinstance(m, Mapping))
    resources = node.get("resources")
    if isinstance(resources, Mapping):
        for resource in resources.values():
            if isinstance(resource, Mapping):
                yield from _methods(resource)


def _operation(method: Mapping[str, Any], common: list[dict[str, Any]]) -> tuple[str, Any]:
    template = str(method.get("flatPath") or method.get("path", ""))
    template = "/" + _RESERVED.sub(r"{\1}", template).lstrip("/")
    in_path = _VARIABLE.findall(template)
    declared = method.get("parameters")
    declared = declared if isinstance(declared, Mapping) else {}
    parameters = [_path_parameter(name, declared.get(name)) for name in in_path]
    parameters += _parameters(declared, set(in_path))
    own = {p["name"] for p in parameters}
    parameters += [p for p in common if p["name"] not in own]
    operation: dict[str, Any] = {
        "operationId": str(method.get("id", f"{method.get('httpMethod')} {template}")),
        "parameters": parameters,
    }
    if "description" in method:
        operation["description"] = str(method["description"])
    request = method.get("request")
    if isinstance(request, Mapping) and "$ref" in request:
        # An empty body reads as the empty message (clients send none for one without
        # fields, like a cancel's).
        operation["requestBody"] = {
            "required": False,
            "content": {_JSON: {"schema": _ref(str(request["$ref"]))}},
        }
    response = method.get("response")
    answer: dict[str, Any] = {"description": "Successful response"}
    if isinstance(response, Mapping) and "$ref" in response:
        answer["content"] = {_JSON: {"schema": _ref(str(response["$ref"]))}}
    operation["responses"] = {"200": answer, "default": _ERROR_ANSWER}
    scopes = method.get("scopes")
    if isinstance(scopes, list) and scopes:
        operation["security"] = [{_SCHEME: [str(s) for s in scopes]}]
    return template, operation


def _path_parameter(name: str, declared: Any) -> dict[str, Any]:
    """A path parameter of the template; a ``flatPath``'s own (``projectsId``) are declared
    nowhere else: text, one segment."""
    schema: dict[str, Any] = {"type": "string"}
    if isinstance(declared, Mapping) and declared.get("location") == "path":
        schema = _parameter_schema(declared)
        # A declared pattern spans segments (``^projects/[^/]+$``); a segment is one of them.
        schema.pop("pattern", None)
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _parameters(declared: Any, skip: set[str]) -> list[dict[str, Any]]:
    """The query parameters of ``declared`` (path ones are the template's)."""
    if not isinstance(declared, Mapping):
        return []
    out = []
    for name, param in declared.items():
        if not isinstance(param, Mapping) or name in skip or param.get("location") != "query":
            continue
        item: dict[str, Any] = {"name": str(name), "in": "query"}
        schema = _parameter_schema(param)
        if param.get("repeated"):
            schema = {"type": "array", "items": schema}
            item.update(style="form", explode=True)
        if param.get("required"):
            item["required"] = True
        if "description" in param:
            item["description"] = str(param["description"])
        item["schema"] = schema
        out.append(item)
    return out


def _parameter_schema(param: Mapping[str, Any]) -> dict[str, Any]:
    schema = _schema({k: v for k, v in param.items() if k not in ("location", "required")})
    schema.pop("description", None)
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema(node: Any) -> dict[str, Any]:
    """One discovery schema as JSON Schema (OpenAPI 3.0's dialect)."""
    if not isinstance(node, Mapping):
        return {}
    if "$ref" in node:
        # An output-only reference says so beside it (read as 3.1 reads $ref siblings).
        return {**_ref(str(node["$ref"])), **({"readOnly": True} if node.get("readOnly") else {})}
    out: dict[str, Any] = {key: node[key] for key in _SCHEMA_KEYS if key in node}
    kind = node.get("type")
    if kind == "any" or (kind is None and "properties" not in node):
        return out  # any value
    if isinstance(kind, str):
        out["type"] = kind
    for bound in ("minimum", "maximum"):
        if bound in node:
            out[bound] = _number(node[bound])
    if "default" in node:
        out["default"] = _default(node["default"], kind)
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        out["type"] = "object"
        out["properties"] = {name: _schema(sub) for name, sub in properties.items()}
    if "additionalProperties" in node:
        out["additionalProperties"] = _schema(node["additionalProperties"])
    if "items" in node:
        out["items"] = _schema(node["items"])
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        named = {**out, "enum": list(enum)}
        out = {"anyOf": [named, {"type": "integer"}]}
        if "description" in named:
            out["description"] = named.pop("description")
    return out


def _number(value: Any) -> Any:
    """Bounds are written as text (``"0"``); JSON Schema wants numbers."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return float(value)
    return value


def _default(value: Any, kind: Any) -> Any:
    """Defaults are written as text whatever the type (``"true"``, ``"50"``)."""
    if not isinstance(value, str):
        return value
    if kind == "boolean":
        return value == "true"
    if kind in ("integer", "number"):
        try:
            return _number(value)
        except ValueError:
            return value
    return value
