"""The headers a declared response promises: each ``required`` one sent, each value valid.

A header arrives as text, so its value is read by its schema's type first, as a request's
header parameter is (``retry-after: 2`` is the integer 2 for ``type: integer``). Headers the
response does not declare are not checked: a provider sends many a spec never mentions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import best_match

from emulator.openapi.model import Operation
from emulator.openapi.validation import response_for, scalar_reader
from emulator.openapi.violation import Violation

__all__ = ["check_response_headers"]


def check_response_headers(
    operation: Operation, status: int, headers: Mapping[str, str]
) -> list[Violation]:
    """The violations of ``headers`` (names in any case) as ``operation``'s ``status`` answer."""
    declared = response_for(operation, status)
    if declared is None or not declared.headers:
        return []
    sent = {name.lower(): value for name, value in headers.items()}
    found: list[Violation] = []
    for name, header in declared.headers.items():
        where = ("header", name.lower())
        value = sent.get(name.lower())
        if value is None:
            if header.get("required") is True:
                text = f"response header {name!r} is required for {operation.key} {status}, "
                found.append(Violation("response", where, "required", text + "but was not sent"))
            continue
        violation = _invalid(header, value)
        if violation is not None:
            rule, message = violation
            text = f"response header {name!r}: {message}"
            found.append(Violation("response", where, rule, text))
    return found


def _invalid(header: Mapping[str, Any], value: str) -> tuple[str, str] | None:
    """The failed rule and message when ``value`` breaks the header's schema, else None."""
    validator = header.get("validator")
    schema = header.get("schema")
    if validator is None or not isinstance(schema, Mapping):
        return None
    read = scalar_reader(schema)(value)
    if validator.is_valid(read):
        return None
    error = best_match(validator.iter_errors(read))
    return None if error is None else (str(error.validator), error.message)
