"""Response bodies for operations the lifecycle engine does not own.

A body is one of the spec's examples that validates against the (repaired) schema when it gives
any, else a value generated from the JSON Schema; an example that contradicts its schema is
never used (vendors' examples often do), and ``Made.notes`` says so. Generation is a pure
function of (seed, salt, schema): each call seeds its own ``random.Random(f"{seed}:{salt}")``,
so reruns of a test see the same bodies while different salts (say, operation key and status)
still get different values.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.exceptions import Unresolvable

from emulator.openapi.formats import FORMAT_CHECKER
from emulator.openapi.model import MediaType
from emulator.openapi.strings import string_value

__all__ = ["Made", "Synthesizer", "Unservable"]

# Past this nesting depth objects get only required properties and arrays only minItems, which
# is what makes recursive schemas terminate.
SHALLOW_DEPTH = 3
# A schema whose *required* properties recurse has no finite instance; stop instead of looping.
MAX_DEPTH = 64
_ATTEMPTS = 16
_NOT_DRAWS = 64
_TYPE_HINTS = (
    ("object", ("properties", "required", "additionalProperties", "minProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems")),
    ("string", ("format", "pattern", "minLength", "maxLength")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
_GIVEN = ("default", "examples", "example")
_MIN_KEYS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_MAX_KEYS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


@dataclass(frozen=True, slots=True)
class Made:
    """A body made for a media type, and what was repaired to make it (examples not used)."""

    body: Any
    notes: tuple[str, ...] = ()


class Unservable(Exception):
    """No answer the schema describes can be made for ``operation``: the flaw at ``pointer``
    (``reason``) could not be repaired, or no value satisfies the schema there."""

    def __init__(self, operation: str, pointer: str, reason: str) -> None:
        super().__init__(f"{operation}: {pointer}: {reason}")
        self.operation = operation
        self.pointer = pointer
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Synthesizer:
    """Makes response bodies from examples or schemas; same ``seed`` and salt, same body.

    ``registry`` resolves the ``$ref``s left in recursive schemas (``Spec.registry``).
    """

    seed: int = 0
    registry: Registry[Any] | None = None

    def for_media(self, media: MediaType, salt: str) -> Made:
        """One of ``media.examples`` that validates (picked by seed and salt), else a
        generated value. Raises ``ValueError`` when no value can be made."""
        validator = media.validator
        examples = media.examples
        usable = [e for e in examples if validator is None or validator.is_valid(e)]
        notes: list[str] = []
        if len(usable) < len(examples):
            skipped = len(examples) - len(usable)
            notes.append(f"{skipped} of {len(examples)} examples contradict the schema: not used")
        if usable:
            pick = random.Random(f"{self.seed}:{salt}:example").choice(usable)
            return Made(copy.deepcopy(pick), tuple(notes))
        run = self._run(salt)
        body = copy.deepcopy(run.value(media.schema or {}, 0))
        return Made(body, (*notes, *run.notes()))

    def generate(self, schema: Mapping[str, Any], salt: str) -> Any:
        """A value valid against ``schema``, deterministic for (seed, salt, schema).

        Raises ``ValueError`` when the schema has no instance this generator can find.
        """
        value = self._run(salt).value(schema, 0)
        # Consts, enums and examples are the spec's own objects; callers may mutate the body.
        return copy.deepcopy(value)

    def _run(self, salt: str) -> _Run:
        registry: Registry[Any] = self.registry if self.registry is not None else Registry()
        return _Run(random.Random(f"{self.seed}:{salt}"), registry)


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The conjunction of two schemas, for allOf and for a oneOf/anyOf branch plus its parent."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "type":
            mine, theirs = _types(out[key]), _types(value)
            both = [t for t in mine if t in theirs or (t == "integer" and "number" in theirs)]
            both += [t for t in theirs if t == "integer" and "number" in mine and t not in both]
            if not both:
                raise ValueError(f"allOf branches disagree on type: {out[key]} vs {value}")
            out[key] = both
        elif key == "enum":
            out[key] = [v for v in out[key] if v in value]
        elif key in _MIN_KEYS:
            out[key] = max(out[key], value)
        elif key in _MAX_KEYS:
            out[key] = min(out[key], value)
        # Any other clash keeps the first value: good enough for the specs we serve.
    return out


def _types(declared: str | list[str]) -> list[str]:
    return [declared] if isinstance(declared, str) else list(declared)


def _step(multiple_of: float | None, integer: bool) -> float | None:
    """The spacing of the values a number schema allows, or None for any number.

    An integer with a fractional ``multipleOf`` steps by the least integer multiple of it
    (``2.5`` steps by 5), so no draw lands between integers.
    """
    if multiple_of is None:
        return 1 if integer else None
    if integer and multiple_of != int(multiple_of):
        return Fraction(str(multiple_of)).numerator
    return multiple_of


def _is_multiple(value: float, step: float) -> bool:
    # The same arithmetic as jsonschema's multipleOf, so "valid here" means "valid there".
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return value % step == 0


class _Run:
    """One generate() call: its RNG, and the registry for recursive $refs."""

    def __init__(self, rng: random.Random, registry: Registry[Any]) -> None:
        self.rng = rng
        self.registry = registry
        self.contradicting = 0  # examples and defaults inside the schema that break it

    def notes(self) -> tuple[str, ...]:
        if not self.contradicting:
            return ()
        what = f"{self.contradicting} example or default values inside the schema"
        return (f"{what} contradict it: synthesized instead",)

    def fits(self, schema: Mapping[str, Any], value: Any) -> bool:
        """Whether one of the schema's own values (a default, an example) satisfies it."""
        if self.valid({k: v for k, v in schema.items() if k not in _GIVEN}, value):
            return True
        self.contradicting += 1
        return False

    def valid(self, schema: Any, value: Any) -> bool:
        # The self-check's own format checks: "valid here" must mean "valid there".
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=FORMAT_CHECKER
        )
        return validator.is_valid(value)

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        """A mapping with no top-level ``$ref`` or ``allOf``; boolean schemas become mappings."""
        if schema is True:
            return {}
        if schema is False:
            raise ValueError("no value satisfies the schema `false`")
        if "$ref" in schema:
            uri = schema["$ref"]
            try:
                target = self.registry.resolver().lookup(uri).contents
            except Unresolvable as exc:
                raise ValueError(f"cannot resolve $ref {uri!r}") from exc
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return _merge(self.resolve(target), self.resolve(rest))
        if "allOf" in schema:
            merged: Mapping[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for sub in schema["allOf"]:
                merged = _merge(merged, self.resolve(sub))
            return self.resolve(merged)
        return dict(schema)

    def value(self, raw: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"schema recursion deeper than {MAX_DEPTH} levels has no end")
        schema = self.resolve(raw)
        if "const" in schema:
            return schema["const"]
        # The spec's own values first, as a vendor's mock would: an SDK older than the spec may
        # know only the values its examples show.
        if "default" in schema and self.fits(schema, schema["default"]):
            return schema["default"]
        examples = schema.get("examples")
        usable = [e for e in examples if self.fits(schema, e)] if examples else []
        if usable:
            return self.rng.choice(usable)
        if "example" in schema and self.fits(schema, schema["example"]):
            return schema["example"]
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.branch(schema, key, depth)
        if "not" in schema:
            # Redraws only: a `not` we cannot dodge this way is not "trivial". Enough of them
            # that a `not` excluding half the values (a boolean's one) fails for no seed we
            # will meet (2**-64), where 16 failed about one seed in 65,000.
            rest = {k: v for k, v in schema.items() if k != "not"}
            for _ in range(_NOT_DRAWS):
                value = self.value(rest, depth)
                if not self.valid(schema["not"], value):
                    return value
            raise ValueError(f"could not avoid `not`: {schema['not']}")
        return self.typed(schema, depth)

    def branch(self, schema: Mapping[str, Any], key: str, depth: int) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        failures: list[str] = []
        for option in schema[key]:
            try:
                value = self.value(_merge(rest, self.resolve(option)), depth)
            except ValueError as exc:
                failures.append(str(exc))
                continue
            if key == "anyOf" or sum(self.valid(o, value) for o in schema[key]) == 1:
                return value
            failures.append(f"{value!r} matches more than one oneOf branch")
        raise ValueError(f"no {key} branch could be generated: {failures}")

    def typed(self, schema: Mapping[str, Any], depth: int) -> Any:
        if "type" in schema:
            declared = _types(schema["type"])
            kind = next((t for t in declared if t != "null"), "null")
        else:
            kind = next((k for k, keys in _TYPE_HINTS if any(x in schema for x in keys)), "string")
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind in ("integer", "number"):
            return self.number(schema, integer=kind == "integer")
        if kind == "string":
            return self.string(schema)
        if kind == "array":
            return self.array(schema, depth)
        if kind == "object":
            return self.object(schema, depth)
        raise ValueError(f"unknown type {kind!r}")

    def number(self, schema: Mapping[str, Any], integer: bool) -> float:
        xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        lows = [v for v in (schema.get("minimum"), xlo) if v is not None]
        highs = [v for v in (schema.get("maximum"), xhi) if v is not None]
        lo = max(lows) if lows else (min(highs) - 100 if highs and min(highs) < 0 else 0)
        hi = min(highs) if highs else lo + 100

        def fits(v: float) -> bool:
            inside = lo <= v <= hi and (xlo is None or v > xlo) and (xhi is None or v < xhi)
            return inside and ("multipleOf" not in schema or _is_multiple(v, schema["multipleOf"]))

        step = _step(schema.get("multipleOf"), integer)
        for _ in range(_ATTEMPTS):
            if step is not None:
                # Draw k from exactly the multiples inside the bounds, exclusive ends left out:
                # drawing them too and rejecting made about one seed in a thousand miss every
                # time (an integer strictly between 0 and 2: two draws in three are rejected).
                k_lo, k_hi = math.ceil(lo / step), math.floor(hi / step)
                if xlo is not None and k_lo * step <= xlo:
                    k_lo += 1
                if xhi is not None and k_hi * step >= xhi:
                    k_hi -= 1
                if k_lo > k_hi:
                    break
                v: float = self.rng.randint(k_lo, k_hi) * step
                v = int(v) if integer else v
            else:
                raw = self.rng.uniform(lo, hi)
                v = round(raw, 2) if fits(round(raw, 2)) else raw
            # Still checked: a float multipleOf is tested by division, as jsonschema does.
            if fits(v):
                return v
        raise ValueError(f"no {'integer' if integer else 'number'} fits {dict(schema)}")

    def string(self, schema: Mapping[str, Any]) -> str:
        bounds = schema.get("minLength", 0), schema.get("maxLength")
        return string_value(self.rng, schema.get("format"), schema.get("pattern"), *bounds)

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items", True)
        want = schema.get("minItems", 0)
        if depth <= SHALLOW_DEPTH:
            # Every prefix item, else one item: an empty list would exercise too little.
            want = max(want, len(prefix) or int(items is not False))
        if "maxItems" in schema:
            want = min(want, schema["maxItems"])
        out: list[Any] = []
        seen: set[str] = set()
        draws = 0
        while len(out) < want:
            draws += 1
            if draws > _ATTEMPTS * (want + 1):
                raise ValueError(f"could not draw {want} unique items")
            sub = prefix[len(out)] if len(out) < len(prefix) else items
            value = self.value(sub, depth + 1)
            if schema.get("uniqueItems"):
                key = json.dumps(value, sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
            out.append(value)
        return out

    def write_only(self, schema: Any) -> bool:
        if not isinstance(schema, Mapping):
            return False
        try:
            return self.resolve(schema).get("writeOnly") is True
        except ValueError:  # what cannot be resolved is left for `value` to report
            return False

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props: Mapping[str, Any] = schema.get("properties", {})
        required: list[str] = list(schema.get("required", []))
        least = schema.get("minProperties", 0)
        shallow = depth <= SHALLOW_DEPTH
        # An answer leaves out what only requests carry (`writeOnly`: a password, a secret):
        # OpenAPI says it SHOULD NOT be in a response, and schemathesis refuses it there.
        optional = [n for n in props if n not in required and not self.write_only(props[n])]
        # Deep down, only the optional properties minProperties forces: recursion bottoms out.
        names = required + optional[: len(optional) if shallow else max(0, least - len(required))]
        if "maxProperties" in schema:
            names = names[: max(len(required), schema["maxProperties"])]
        extra = schema.get("additionalProperties", True)
        out = {n: self.value(props.get(n, extra), depth + 1) for n in names}
        # A bare map (no properties, an additionalProperties schema) gets one entry to show it.
        if not props and shallow and schema.get("additionalProperties", False) is not False:
            least = max(least, 1)
        if least > len(out) and extra is False:
            raise ValueError(f"minProperties {least} needs properties the schema forbids")
        keys = _merge({"type": "string"}, self.resolve(schema.get("propertyNames", True)))
        for _ in range(_ATTEMPTS * (least + 1)):
            if len(out) >= least:
                break
            key = self.value(keys, depth + 1)
            if key not in out:
                out[key] = self.value(extra, depth + 1)
        if len(out) < least:
            raise ValueError(f"could not draw {least} distinct property names")
        return out
