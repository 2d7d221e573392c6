"""OpenAPI schema objects -> JSON Schema 2020-12.

OpenAPI 3.1 schemas already are 2020-12; 3.0 ones need ``nullable`` and the boolean
``exclusiveMinimum``/``exclusiveMaximum`` rewritten. Both lose their ``x-*`` extensions. The
functions here work on one schema node at a time; the ``$ref`` walk lives in ``load.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from emulator.yamlread import escape

__all__ = [
    "ANNOTATION_KEYS",
    "DESCENDING_KEYWORDS",
    "apply_nullable",
    "convert_node",
    "map_subschemas",
    "merge_ref_siblings",
    "subschemas",
    "to_2020_12",
]

# Keys that only describe a schema: next to a `$ref` they may overlay the target safely.
ANNOTATION_KEYS = frozenset(
    {
        "description",
        "summary",
        "title",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)

_ONE_SCHEMA = (
    "items",
    "additionalItems",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SHAPES = {
    **dict.fromkeys(_ONE_SCHEMA, "one"),
    **dict.fromkeys(_SCHEMA_MAPS, "map"),
    **dict.fromkeys(_SCHEMA_LISTS, "list"),
}
# Keywords whose subschemas apply to a *part* of the instance (or to nothing by themselves):
# a `$ref` cycle has to pass one of them, or validating it would never end.
DESCENDING_KEYWORDS = frozenset(
    {*_ONE_SCHEMA, *_SCHEMA_MAPS, "prefixItems"} - {"not", "if", "then", "else", "dependentSchemas"}
)
# With any of these present, adding "null" to `type` is not enough: they would still reject it.
_COMPOSITION_KEYS = ("allOf", "anyOf", "oneOf", "not", "$ref")


def map_subschemas(node: Mapping[str, Any], fn: Callable[[Any, str], Any]) -> dict[str, Any]:
    """A shallow copy of ``node`` with ``fn(subschema, relative_pointer)`` applied to every
    position that holds a schema; everything else (``enum``, ``example``...) is data and kept."""
    out = dict(node)
    for key in _ONE_SCHEMA:
        if key in node:
            value = node[key]
            if isinstance(value, list):  # draft-04 style tuple `items`
                out[key] = [fn(v, f"/{key}/{i}") for i, v in enumerate(value)]
            elif isinstance(value, dict | bool):
                out[key] = fn(value, f"/{key}")
    for key in _SCHEMA_MAPS:
        value = node.get(key)
        if isinstance(value, dict):
            out[key] = {k: fn(v, f"/{key}/{escape(k)}") for k, v in value.items()}
    for key in _SCHEMA_LISTS:
        value = node.get(key)
        if isinstance(value, list):
            out[key] = [fn(v, f"/{key}/{i}") for i, v in enumerate(value)]
    return out


def subschemas(node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(relative_pointer, subschema)`` for every position of ``node`` that holds a schema, in
    the node's own order, without copying anything: for walks that only read."""
    for key, value in node.items():
        shape = _SHAPES.get(key)
        if shape is None:
            continue
        if isinstance(value, list) and shape != "map":  # a list, or draft-04 tuple `items`
            for i, v in enumerate(value):
                yield f"/{key}/{i}", v
        elif shape == "one" and isinstance(value, dict | bool):
            yield f"/{key}", value
        elif shape == "map" and isinstance(value, dict):
            for name, v in value.items():
                yield f"/{key}/{escape(name)}", v


def apply_nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` widened so that JSON ``null`` is also accepted."""
    out = dict(schema)
    if any(key in out for key in _COMPOSITION_KEYS):
        return {"anyOf": [out, {"type": "null"}]}
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"] if "null" not in types else types
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def convert_node(node: Mapping[str, Any], *, openapi_30: bool) -> dict[str, Any]:
    """One schema object in 2020-12 terms; its subschemas are left as they are."""
    out = {k: v for k, v in node.items() if not (isinstance(k, str) and k.startswith("x-"))}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):  # 3.0 form: a modifier of minimum/maximum
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)
    # Swagger 2.0 has no `nullable`, but its documents say `x-nullable` (dropped above) to
    # mean it; 3.1 has none either, but specs converted from 3.0 keep it and mean it (repairs).
    if openapi_30 and node.get("x-nullable") is True and "nullable" not in out:
        out["nullable"] = True
    if "nullable" in out:
        nullable = out.pop("nullable")
        if nullable is True:
            return apply_nullable(out)
    return out


def merge_ref_siblings(target: Any, siblings: Mapping[str, Any]) -> Any:
    """The schema meaning ``{"$ref": target, **siblings}``, with the target already inlined."""
    if not siblings:
        return target
    if isinstance(target, dict) and set(siblings) <= ANNOTATION_KEYS:
        return {**target, **siblings}
    return {"allOf": [target], **siblings}


def to_2020_12(schema: Any, *, openapi_30: bool) -> Any:
    """Convert a whole ``$ref``-free schema tree (for schemas written inline, e.g. in tests)."""
    if not isinstance(schema, dict):
        return schema
    walked = map_subschemas(schema, lambda sub, _: to_2020_12(sub, openapi_30=openapi_30))
    return convert_node(walked, openapi_30=openapi_30)
