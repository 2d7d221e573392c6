"""``compile_validator``: how every validator of the emulator is built, and the ``format``
checks it uses.

jsonschema's own ``date-time`` check silently passes everything unless the optional
``rfc3339-validator`` is installed, so the checks that matter for job APIs are written here,
strictly and without optional dependencies. A value of another JSON type passes a format
check, as JSON Schema requires (``format: uuid`` says nothing about a number).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry

from emulator.openapi.schema_validator import SchemaValidator
from emulator.speed.memo import memoized

__all__ = ["FORMAT_CHECKER", "compile_validator"]

FORMAT_CHECKER = FormatChecker(formats=())

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _is_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    try:
        dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def _is_time(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if match is None:
        return False
    hour, minute, second, _, off_hour, off_minute = match.groups()
    # RFC 3339 allows second 60 for leap seconds.
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:
        return False
    return off_hour is None or (int(off_hour) <= 23 and int(off_minute) <= 59)


@FORMAT_CHECKER.checks("date-time")
def is_date_time(instance: object) -> bool:
    """RFC 3339 ``date-time``: ``2025-06-14T10:00:00Z``, offset or ``Z`` required."""
    return not isinstance(instance, str) or _is_date_time(instance)


# The self-check meets the same timestamps again and again (a job's created_at on every poll,
# one instant for every job under a manual clock): a bounded memo answers those.
@memoized(1024)
def _is_date_time(text: str) -> bool:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_hour, off_minute = match.groups()
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:  # 60: a leap second
        return False
    if off_hour is not None and (int(off_hour) > 23 or int(off_minute) > 59):
        return False
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("date")
def is_date(instance: object) -> bool:
    """RFC 3339 ``full-date``: ``2025-06-14``."""
    return not isinstance(instance, str) or _is_date(instance)


@FORMAT_CHECKER.checks("time")
def is_time(instance: object) -> bool:
    """RFC 3339 ``full-time``: ``10:00:00Z``."""
    return not isinstance(instance, str) or _is_time(instance)


@FORMAT_CHECKER.checks("uuid")
def is_uuid(instance: object) -> bool:
    """The hyphenated 8-4-4-4-12 hex form only (``uuid.UUID`` would accept more)."""
    return not isinstance(instance, str) or _UUID.fullmatch(instance) is not None


@FORMAT_CHECKER.checks("email")
def is_email(instance: object) -> bool:
    """One ``@`` with something on each side, no whitespace."""
    return not isinstance(instance, str) or _EMAIL.fullmatch(instance) is not None


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


@FORMAT_CHECKER.checks("ipv4")
def is_ipv4(instance: object) -> bool:
    """Dotted-quad IPv4 address."""
    if not isinstance(instance, str):
        return True
    try:
        ipaddress.IPv4Address(instance)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("ipv6")
def is_ipv6(instance: object) -> bool:
    """IPv6 address (no zone id)."""
    if not isinstance(instance, str):
        return True
    if "%" in instance:
        return False
    try:
        ipaddress.IPv6Address(instance)
    except ValueError:
        return False
    return True


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
