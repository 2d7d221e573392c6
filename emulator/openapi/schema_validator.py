"""``SchemaValidator``: jsonschema's validator for a schema, answering "is it valid?" from the
schema's compiled verdict (``verdict.compile_verdict``) where it has one.

It trusts only a "valid" verdict: an instance the verdict finds invalid is asked again of
jsonschema, whose answer stands and which says why (``iter_errors``). A verdict that wrongly
rejected would cost time, never a wrong answer; one that wrongly accepted would hide a
violation, which is what tests/openapi/test_verdict.py's differential check guards against.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from emulator.openapi.verdict import compile_verdict

__all__ = ["SchemaValidator"]


class SchemaValidator:
    """jsonschema's validator for a schema, with its compiled verdict (``verdict``, None where
    the schema needs jsonschema throughout) answering ``is_valid`` first."""

    __slots__ = ("full", "verdict")

    def __init__(self, full: Validator) -> None:
        self.full = full
        # Validator's protocol leaves format_checker out; every jsonschema validator class has it.
        formats = getattr(full, "format_checker", None)
        self.verdict = compile_verdict(full.schema, formats)

    @property
    def schema(self) -> Any:
        return self.full.schema

    def is_valid(self, instance: Any) -> bool:
        if self.verdict is not None and self.verdict(instance):
            return True
        return bool(self.full.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        return self.full.iter_errors(instance)
