"""Whether two ``oneOf`` branches can describe the same value, told from their own keywords.

A ``oneOf`` refuses a value that more than one branch describes. Authors mean "one of these
shapes", and when their branches overlap (``{type: string}`` beside ``{type: string, enum:
[auto]}``, two open objects, two arrays that both take ``[]``) the values in the overlap are
refused although each is plainly one of the shapes. ``branches_overlap`` finds such pairs for
the ``overlapping-oneof`` repair, which reads the ``oneOf`` as ``anyOf``.

It answers yes only where a shared value is certain: every value of a listed set that the other
branch accepts, a scalar kind the other branch leaves unconstrained or constrains to ranges that
meet, two arrays that both take ``[]``, an open object whose required names the other's include
and whose listed values no property tells apart. Branches it cannot read (a composition, a
``$ref`` it was not given, a ``pattern`` against a ``format``) count as apart: the author's
``oneOf`` stands.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from emulator.openapi.formats import FORMAT_CHECKER

__all__ = ["branches_overlap"]

Schema = Mapping[str, Any]

_KINDS = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
_OPAQUE = ("oneOf", "anyOf", "allOf", "not", "$ref", "if", "$recursiveRef", "$dynamicRef")
_STRING_RULES = ("minLength", "maxLength", "pattern", "format")
_NUMBER_RULES = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_ARRAY_RULES = ("minItems", "contains", "minContains")
_HINTS = (
    (frozenset({"object"}), ("properties", "required", "additionalProperties", "minProperties")),
    (frozenset({"array"}), ("items", "prefixItems", "minItems", "maxItems")),
    (frozenset({"string"}), _STRING_RULES),
    (frozenset({"number", "integer"}), _NUMBER_RULES),
)


def branches_overlap(branches: list[Schema | None]) -> bool:
    """Whether some value is certainly described by two of ``branches`` (``$ref``s followed;
    None where a branch could not be read)."""
    readable = [b for b in branches if b is not None and _readable(b)]
    return any(
        _overlap(one, other) for i, one in enumerate(readable) for other in readable[i + 1 :]
    )


def _readable(schema: Schema) -> bool:
    return isinstance(schema, Mapping) and not any(key in schema for key in _OPAQUE)


def _overlap(one: Schema, other: Schema) -> bool:
    for listed, rest in ((one, other), (other, one)):
        values = _values(listed)
        if values is not None:
            return any(_accepts(rest, value) for value in values if _accepts(listed, value))
    return any(_kind_shared(one, other, kind) for kind in _shared_kinds(one, other))


def _values(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _kinds(schema: Schema) -> frozenset[str]:
    declared = schema.get("type")
    if declared is None:
        # Read as its author meant: `properties` alone describes objects, though JSON Schema
        # lets such a schema take a string as well.
        hinted = [kinds for kinds, keys in _HINTS if any(key in schema for key in keys)]
        kinds = frozenset().union(*hinted) if hinted else _KINDS
    elif isinstance(declared, str):
        kinds = frozenset({declared})
    elif isinstance(declared, list):
        kinds = frozenset(k for k in declared if isinstance(k, str))
    else:
        kinds = frozenset()
    if schema.get("nullable") is True:  # OpenAPI 3.0's way of adding null
        kinds |= {"null"}
    return kinds


def _shared_kinds(one: Schema, other: Schema) -> set[str]:
    mine, theirs = _kinds(one), _kinds(other)
    shared = set(mine & theirs)
    if ("integer" in mine and "number" in theirs) or ("number" in mine and "integer" in theirs):
        shared.add("integer")
    return shared


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _accepts(schema: Schema, value: Any) -> bool:
    """Whether ``schema`` (its own keywords; nested schemas are not read) takes ``value``."""
    kind = _kind_of(value)
    kinds = _kinds(schema)
    if kind not in kinds and not (kind == "integer" and "number" in kinds):
        return False
    values = _values(schema)
    if values is not None and not any(value == v and _kind_of(v) == kind for v in values):
        return False
    if kind == "string":
        return _string_accepts(schema, value)
    if kind in ("integer", "number"):
        step = _number(schema.get("multipleOf"))
        on_step = step is None or step <= 0 or float(value / step).is_integer()
        return _in_range(_range(schema), value) and on_step
    return True


def _string_accepts(schema: Schema, value: str) -> bool:
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength", math.inf)
    if not (isinstance(shortest, int) and shortest <= len(value) <= longest):
        return False
    pattern = schema.get("pattern")
    try:
        if isinstance(pattern, str) and re.search(pattern, value) is None:
            return False
    except re.error:
        return False
    fmt = schema.get("format")
    return not isinstance(fmt, str) or FORMAT_CHECKER.conforms(value, fmt)


def _kind_shared(one: Schema, other: Schema, kind: str) -> bool:
    if kind in ("null", "boolean"):
        return True
    if kind == "string":
        return _strings_shared(one, other)
    if kind in ("number", "integer"):
        return _numbers_shared(one, other, integer=kind == "integer")
    if kind == "array":
        return all(not any(_positive(s, key) for key in _ARRAY_RULES) for s in (one, other))
    return _objects_shared(one, other)


def _positive(schema: Schema, key: str) -> bool:
    value = schema.get(key)
    return value is not None and (not isinstance(value, int | float) or value > 0)


def _strings_shared(one: Schema, other: Schema) -> bool:
    """Two string branches share a value when one leaves strings unconstrained, or both
    constrain them the same way (same pattern, same format) to lengths that meet."""
    if any(not any(key in b for key in _STRING_RULES) for b in (one, other)):
        return True  # one takes every string, so whatever string the other takes
    if one.get("pattern") != other.get("pattern") or one.get("format") != other.get("format"):
        return False  # told apart by pattern or format, as the author evidently meant
    shortest = max(one.get("minLength", 0), other.get("minLength", 0))
    longest = min(one.get("maxLength", math.inf), other.get("maxLength", math.inf))
    return bool(shortest <= longest)


# A range of numbers: (low, low inclusive, high, high inclusive); infinite ends are open.
_Range = tuple[float, bool, float, bool]


def _range(schema: Schema) -> _Range:
    low, low_in = _end(schema, "minimum", "exclusiveMinimum", -math.inf, max)
    high, high_in = _end(schema, "maximum", "exclusiveMaximum", math.inf, min)
    return low, low_in, high, high_in


def _end(
    schema: Schema, inclusive_key: str, exclusive_key: str, open_end: float, tighter: Any
) -> tuple[float, bool]:
    inclusive = _number(schema.get(inclusive_key))
    if schema.get(exclusive_key) is True and inclusive is not None:  # OpenAPI 3.0's modifier
        return inclusive, False
    exclusive = _number(schema.get(exclusive_key))
    ends = [(open_end, True)]
    if inclusive is not None:
        ends.append((inclusive, True))
    if exclusive is not None:
        ends.append((exclusive, False))
    value = tighter(v for v, _ in ends)
    # At the same value, an exclusive end is the tighter one.
    return value, all(closed for v, closed in ends if v == value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _in_range(span: _Range, number: float) -> bool:
    low, low_in, high, high_in = span
    above = number > low or (low_in and number == low)
    return above and (number < high or (high_in and number == high))


def _numbers_shared(one: Schema, other: Schema, integer: bool) -> bool:
    """Whether the two ranges meet (in an integer, where one branch takes integers only); with
    a ``multipleOf``, only where the meeting range is unbounded (it holds every step then)."""
    (low_a, low_a_in, high_a, high_a_in), (low_b, low_b_in, high_b, high_b_in) = (
        _range(one),
        _range(other),
    )
    low = max(low_a, low_b)
    low_in = (low_a != low or low_a_in) and (low_b != low or low_b_in)
    high = min(high_a, high_b)
    high_in = (high_a != high or high_a_in) and (high_b != high or high_b_in)
    if "multipleOf" in one or "multipleOf" in other:
        return math.isinf(low) or math.isinf(high)
    if integer:
        if math.isinf(low) or math.isinf(high):
            return low < high
        first = math.floor(low) + 1 if low == math.floor(low) and not low_in else math.ceil(low)
        return _in_range((low, low_in, high, high_in), first)
    return low < high or (low == high and low_in and high_in)


def _objects_shared(one: Schema, other: Schema) -> bool:
    """One branch is open (no ``additionalProperties: false``), its required names are a subset
    of the other's, and no property both declare lists values that differ."""
    for a, b in ((one, other), (other, one)):
        if b.get("additionalProperties") is False:
            continue
        if set(_required(b)) <= set(_required(a)) and not _told_apart(a, b):
            return True
    return False


def _required(schema: Schema) -> list[Any]:
    names = schema.get("required")
    return names if isinstance(names, list) else []


def _told_apart(one: Schema, other: Schema) -> bool:
    mine, theirs = one.get("properties"), other.get("properties")
    if not isinstance(mine, Mapping) or not isinstance(theirs, Mapping):
        return False
    for name in set(mine) & set(theirs):
        a, b = mine[name], theirs[name]
        listed_a = _values(a) if isinstance(a, Mapping) else None
        listed_b = _values(b) if isinstance(b, Mapping) else None
        if (
            listed_a is not None
            and listed_b is not None
            and not any(v in listed_b for v in listed_a)
        ):
            return True
    return False
