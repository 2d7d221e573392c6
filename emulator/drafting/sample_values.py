"""The smallest plain value a schema allows, for the fields a draft fixes to a constant and
for the results and errors its scenarios carry.

The spec's own ``const``, ``enum``, ``default`` or example comes first, then the least of the
type (``""``, ``0``, ``false``, an object of its required properties); the value is checked
against the schema and, where the least is not enough (patterns, bounds), made by
``emulator.openapi.synthesis`` instead.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from referencing import Registry

from emulator.openapi import compile_validator
from emulator.openapi.strings import string_value
from emulator.openapi.synthesis import Synthesizer

__all__ = ["SampleValues", "allows_null", "type_of"]

_FIXED_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "email": "user@example.com",
}


def type_of(schema: Any) -> str | None:
    """The schema's one non-null type (``string``, ``integer``, ...), through ``anyOf``."""
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if isinstance(declared, str) and declared != "null":
        return declared
    if isinstance(declared, list):
        rest = [t for t in declared if t != "null"]
        return rest[0] if len(rest) == 1 else None
    for key in ("anyOf", "oneOf"):
        members = [m for m in schema.get(key, ()) if type_of(m) is not None]
        if len(members) == 1:
            return type_of(members[0])
    for member in schema.get("allOf", ()):
        if (found := type_of(member)) is not None:
            return found
    if "properties" in schema:
        return "object"
    return None


def allows_null(schema: Any) -> bool:
    """Whether ``null`` is valid here (a ``type`` list with null, a null ``anyOf`` member)."""
    if not isinstance(schema, Mapping) or not schema:
        return True
    declared = schema.get("type")
    if declared == "null" or (isinstance(declared, list) and "null" in declared):
        return True
    if schema.get("nullable") is True:
        return True
    for key in ("anyOf", "oneOf"):
        if any(allows_null(m) for m in schema.get(key, ()) if isinstance(m, Mapping)):
            return True
    return "type" not in schema and not any(
        k in schema for k in ("anyOf", "oneOf", "allOf", "properties", "enum", "const", "$ref")
    )


class SampleValues:
    """Plain values for schemas of one spec (``registry`` resolves its recursive ``$ref``s)."""

    def __init__(self, registry: Registry[Any]) -> None:
        self._registry = registry
        self._synthesizer = Synthesizer(seed=0, registry=registry)

    def valid(self, schema: Any, value: Any) -> bool:
        try:
            return compile_validator(schema, self._registry, checked=True).is_valid(value)
        except Exception:  # a schema the validator cannot compile: nothing is proven
            return False

    def least(self, schema: Any, hint: str = "") -> Any:
        """A small non-null value valid against ``schema`` (None when none can be found)."""
        value = self._least(schema, hint, 0)
        if self.valid(schema, value):
            return value
        try:
            return self._synthesizer.generate(schema, salt=hint)
        except ValueError:
            return None

    def _resolve(self, schema: Any) -> Any:
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            try:
                return self._registry.resolver().lookup(schema["$ref"]).contents
            except Exception:  # an unresolvable reference: the type is unknown
                return {}
        return schema

    def _least(self, schema: Any, hint: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping) or depth > 8:
            return None
        for key in ("const", "default"):
            if key in schema and schema[key] is not None:
                return schema[key]
        if isinstance(schema.get("enum"), list):
            return next((v for v in schema["enum"] if v is not None), None)
        examples = schema.get("examples")
        if isinstance(examples, list) and examples and examples[0] is not None:
            return examples[0]
        if schema.get("example") is not None:
            return schema["example"]
        for key in ("anyOf", "oneOf"):
            members = [m for m in schema.get(key, ()) if not _is_null(self._resolve(m))]
            if members:
                return self._least(members[0], hint, depth + 1)
        kind = type_of(schema)
        if kind == "object" or (kind is None and "allOf" in schema):
            return self._object(schema, hint, depth)
        if kind == "array":
            count = schema.get("minItems", 0)
            return [self._least(schema.get("items", {}), hint, depth + 1) for _ in range(count)]
        if kind == "string":
            return self._string(schema, hint)
        if kind in ("integer", "number"):
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            return int(low) + (1 if "exclusiveMinimum" in schema else 0)
        if kind == "boolean":
            return False
        return None

    def _object(self, schema: Mapping[str, Any], hint: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for member in schema.get("allOf", ()):
            part = self._least(member, hint, depth + 1)
            if isinstance(part, dict):
                out.update(part)
        props = schema.get("properties", {})
        for name in schema.get("required", ()):
            out[name] = self._least(props.get(name, {}), name, depth + 1)
        return out

    def _string(self, schema: Mapping[str, Any], hint: str) -> str:
        fmt = schema.get("format")
        if fmt in _FIXED_FORMATS:
            return _FIXED_FORMATS[fmt]
        if fmt or schema.get("pattern"):
            rng = random.Random(hint)
            return string_value(rng, fmt, schema.get("pattern"), schema.get("minLength", 0))
        text = hint or "text"
        if text.lower().endswith("url"):
            text = f"https://example.com/{text}"
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        text = text.ljust(low, "x")
        return text[:high] if high is not None else text


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null"
