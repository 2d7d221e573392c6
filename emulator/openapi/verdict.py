"""Compiled verdicts: "is this instance valid?" answered by closures made once per schema.

jsonschema walks the schema anew for every instance: it evolves a validator per subschema,
looks each keyword up and builds an error generator even when nothing is wrong. That walk was
most of a create's cost, because the self-check validates every fresh job body in full.
``compile_verdict`` turns a schema into nested closures once, when its validator is made, for
schemas built only from the keywords handled here, each with Draft 2020-12's meaning and the
format checker of the jsonschema validator it stands in front of. A schema using any other
validation keyword (``$ref``, ``uniqueItems``, ``multipleOf``, ``patternProperties``, ...) gets
no verdict and keeps jsonschema. Keywords outside the 2020-12 vocabulary are ignored, as
jsonschema ignores them. ``schema_validator.SchemaValidator`` is where verdicts are used.
"""

from __future__ import annotations

import numbers
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

__all__ = ["Verdict", "compile_verdict"]

Verdict = Callable[[Any], bool]

_VOCABULARY = frozenset(Draft202012Validator.VALIDATORS)
_COMPILED = frozenset(
    {
        "type",
        "enum",
        "const",
        "format",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "propertyNames",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)


class _Unsupported(Exception):
    """A keyword (or a keyword's value) this compiler leaves to jsonschema."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


_TYPES: dict[str, Verdict] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "number": _is_number,
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


def compile_verdict(schema: Any, formats: FormatChecker | None) -> Verdict | None:
    """Closures giving jsonschema's verdict on ``schema`` (checking ``format`` with
    ``formats``, none: an annotation); None where a keyword is not handled."""
    try:
        return _compile(schema, formats)
    except (_Unsupported, AttributeError, TypeError, ValueError, RecursionError):
        return None  # a shape (or depth) left to jsonschema


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _all_of(checks: list[Verdict]) -> Verdict:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)

    def check(value: Any) -> bool:
        for each in checks:  # noqa: SIM110 - a loop costs less than all() over a generator
            if not each(value):
                return False
        return True

    return check


def _compile(schema: Any, formats: FormatChecker | None) -> Verdict:
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, Mapping):
        raise _Unsupported
    used = _VOCABULARY.intersection(schema)
    if not used <= _COMPILED:
        raise _Unsupported
    # ``type`` is checked first and the rest only once it passed: where it names one kind,
    # that kind's keywords need no guard and the other kinds' keywords can never apply.
    checks = [c for c in (_type(schema), _members(schema), _combined(schema, formats)) if c]
    declared = _declared(schema)
    for names, kind, group in (
        ({"object"}, dict, _object_checks(schema, formats)),
        ({"array"}, list, _array_checks(schema, formats)),
        ({"string"}, str, _string_checks(schema)),
        ({"integer", "number"}, None, _number_checks(schema)),
    ):
        if not group or (declared is not None and not declared & names):
            continue
        each = _all_of(group)
        if declared is not None and declared <= names:
            checks.append(each)
        elif kind is None:
            checks.append(_when_number(each))
        else:
            checks.append(_when(kind, each))
    return _all_of(checks)


def _declared(schema: Mapping[str, Any]) -> set[str] | None:
    kinds = schema.get("type")
    if kinds is None:
        return None
    return {kinds} if isinstance(kinds, str) else set(kinds)


def _when(kind: type, check: Verdict) -> Verdict:
    # Most keywords apply to one JSON type only; any other value passes them.
    return lambda value: not isinstance(value, kind) or check(value)


def _when_number(check: Verdict) -> Verdict:
    return lambda value: not _is_number(value) or check(value)


def _type(schema: Mapping[str, Any]) -> Verdict | None:
    if "type" not in schema:
        return None
    kinds = schema["type"]
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    if not all(isinstance(n, str) and n in _TYPES for n in names):
        raise _Unsupported
    tests = [_TYPES[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _members(schema: Mapping[str, Any]) -> Verdict | None:
    """``enum`` and ``const`` of strings and null only: jsonschema's equality of numbers,
    booleans and containers has corners (``True`` is not ``1``) not worth copying here."""
    allowed: list[Any] = []
    checks: list[Verdict] = []
    if "const" in schema:
        allowed.append([schema["const"]])
    if "enum" in schema:
        allowed.append(schema["enum"])
    for members in allowed:
        if not all(m is None or isinstance(m, str) for m in members):
            raise _Unsupported
        checks.append(_member_of(frozenset(m for m in members if m is not None), None in members))
    return _all_of(checks) if checks else None


def _member_of(texts: frozenset[str], null: bool) -> Verdict:
    return lambda value: value in texts if isinstance(value, str) else null and value is None


def _combined(schema: Mapping[str, Any], formats: FormatChecker | None) -> Verdict | None:
    checks: list[Verdict] = []
    if "allOf" in schema:
        checks.append(_all_of([_compile(s, formats) for s in schema["allOf"]]))
    if "anyOf" in schema:
        any_of = [_compile(s, formats) for s in schema["anyOf"]]
        checks.append(lambda value: any(each(value) for each in any_of))
    if "oneOf" in schema:
        one_of = [_compile(s, formats) for s in schema["oneOf"]]
        checks.append(lambda value: sum(1 for each in one_of if each(value)) == 1)
    if "not" in schema:
        negated = _compile(schema["not"], formats)
        checks.append(lambda value: not negated(value))
    if "format" in schema:
        checks.append(_format(schema["format"], formats))
    return _all_of(checks) if checks else None


def _format(name: Any, formats: FormatChecker | None) -> Verdict:
    if formats is None or not isinstance(name, str) or name not in formats.checkers:
        return _always  # an unknown format is an annotation, to jsonschema as well
    func, raises = formats.checkers[name]

    def conforms(value: Any) -> bool:  # FormatChecker.check's rule, without its FormatError
        try:
            return bool(func(value))
        except raises:
            return False

    return conforms


def _object_checks(schema: Mapping[str, Any], formats: FormatChecker | None) -> list[Verdict]:
    checks: list[Verdict] = []
    properties = {k: _compile(v, formats) for k, v in schema.get("properties", {}).items()}
    if properties:
        pairs = tuple(properties.items())

        def each_property(value: dict[str, Any]) -> bool:
            for name, check in pairs:  # noqa: SIM110 - as in _all_of
                if name in value and not check(value[name]):
                    return False
            return True

        checks.append(each_property)
    required = tuple(schema.get("required", ()))
    if required:
        checks.append(lambda value: all(name in value for name in required))
    if "additionalProperties" in schema:
        extra = _compile(schema["additionalProperties"], formats)
        known = frozenset(properties)
        checks.append(lambda value: all(extra(v) for k, v in value.items() if k not in known))
    if "propertyNames" in schema:
        names = _compile(schema["propertyNames"], formats)
        checks.append(lambda value: all(names(name) for name in value))
    checks += _size_bounds(schema, "minProperties", "maxProperties")
    return checks


def _array_checks(schema: Mapping[str, Any], formats: FormatChecker | None) -> list[Verdict]:
    checks: list[Verdict] = []
    if "items" in schema:
        item = _compile(schema["items"], formats)
        checks.append(lambda value: all(item(each) for each in value))
    checks += _size_bounds(schema, "minItems", "maxItems")
    return checks


def _size_bounds(schema: Mapping[str, Any], low_key: str, high_key: str) -> list[Verdict]:
    """``len`` bounds: members of an object or array, code points of a string."""
    checks: list[Verdict] = []
    low, high = schema.get(low_key), schema.get(high_key)
    if low is not None:
        checks.append(lambda value: len(value) >= low)
    if high is not None:
        checks.append(lambda value: len(value) <= high)
    return checks


def _string_checks(schema: Mapping[str, Any]) -> list[Verdict]:
    checks: list[Verdict] = []
    checks += _size_bounds(schema, "minLength", "maxLength")
    if "pattern" in schema:
        try:
            search = re.compile(schema["pattern"]).search
        except (re.error, TypeError):
            raise _Unsupported from None  # jsonschema's own handling stays the reference
        checks.append(lambda value: search(value) is not None)
    return checks


def _number_checks(schema: Mapping[str, Any]) -> list[Verdict]:
    checks: list[Verdict] = []
    for key, holds in (
        ("minimum", operator.ge),
        ("maximum", operator.le),
        ("exclusiveMinimum", operator.gt),
        ("exclusiveMaximum", operator.lt),
    ):
        if key in schema:
            bound = schema[key]
            if not _is_number(bound):
                raise _Unsupported
            checks.append(_bounded(holds, bound))
    return checks


def _bounded(holds: Callable[[Any, Any], Any], bound: Any) -> Verdict:
    return lambda value: bool(holds(value, bound))
