"""``compile_validator``: how every validator of the emulator is built, and the ``format``
checks it uses.

jsonschema checks few formats on its own, and silently passes ``date-time`` unless an optional
package is installed. Schemathesis, the judge every answer here must satisfy, checks formats
with jsonschema-rs; so the formats JSON Schema defines are checked here by jsonschema-rs's own
checks, each on its own: "valid here" means "valid there". That is strict: ``uri`` is an
absolute RFC 3986 URI (a relative URL is a ``uri-reference``), ``email`` and ``hostname``
follow their RFCs. A spec's example that breaks them contradicts its schema and is never
served. ``int32``/``int64`` (OpenAPI's) are range checks written here. A value of another JSON
type passes a format check, as JSON Schema requires (``format: uuid`` says nothing about a
number); a format nobody defines is not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry

from emulator.openapi.schema_validator import SchemaValidator

__all__ = ["CHECKED_FORMATS", "FORMAT_CHECKER", "compile_validator"]

FORMAT_CHECKER = FormatChecker(formats=())

# The formats of JSON Schema 2020-12 that jsonschema-rs validates (and so schemathesis).
_STANDARD = (
    "date",
    "date-time",
    "duration",
    "email",
    "hostname",
    "idn-email",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri",
    "uri-reference",
    "uri-template",
    "uuid",
)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _standard(name: str) -> Callable[[object], bool]:
    # A validator of `{"format": name}` alone: strings are checked, other values pass.
    check: Callable[[object], bool] = jsonschema_rs.Draft202012Validator(
        {"format": name}, validate_formats=True
    ).is_valid
    return check


for _name in _STANDARD:
    FORMAT_CHECKER.checks(_name)(_standard(_name))


def _in_range(instance: object, bounds: tuple[int, int]) -> bool:
    if isinstance(instance, bool) or not isinstance(instance, int | float):
        return True
    if isinstance(instance, float) and not instance.is_integer():
        return True  # not an integer at all: `type` reports that, not `format`
    return bounds[0] <= instance <= bounds[1]


@FORMAT_CHECKER.checks("int32")
def is_int32(instance: object) -> bool:
    """A number within the signed 32-bit range."""
    return _in_range(instance, _INT32)


@FORMAT_CHECKER.checks("int64")
def is_int64(instance: object) -> bool:
    """A number within the signed 64-bit range."""
    return _in_range(instance, _INT64)


CHECKED_FORMATS = frozenset(FORMAT_CHECKER.checkers)
"""Every format a value is checked against; any other is an annotation only."""


def compile_validator(
    schema: Any, registry: Registry[Any], *, checked: bool = False
) -> SchemaValidator:
    """A 2020-12 validator for ``schema`` (``$ref`` placeholders resolve through ``registry``)
    with ``FORMAT_CHECKER``, answering ``is_valid`` from its compiled verdict where it has one.
    Raises ``jsonschema.exceptions.SchemaError`` for a schema the 2020-12 metaschema rejects,
    unless the caller ``checked`` it already (a spec's schemas are checked once each at load,
    never again per operation that reaches them)."""
    if not checked:
        Draft202012Validator.check_schema(schema)
    full = Draft202012Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)
    return SchemaValidator(full)
