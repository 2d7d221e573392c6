"""A schema of the spec and its validator, made when first asked for and kept.

Loading a vendor's spec must not inline and compile a thousand operations' schemas that no
test will touch: ``LazySchema`` does that work for one schema position on first use. Its
meta-schema check already happened at load (``flaws.SchemaScan``), so compiling skips it.
A flawed schema is served repaired; what could not be repaired is left out of validation
(``flaws``), and a schema whose inlining fails late (a cycle that never descends) accepts
anything and says so in ``flaws``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from referencing import Registry

from emulator.errors import SpecError
from emulator.openapi.document import Located, SchemaInliner
from emulator.openapi.flaws import Flaw
from emulator.openapi.formats import compile_validator
from emulator.openapi.model import SchemaSource
from emulator.openapi.schema_validator import SchemaValidator

__all__ = ["FixedSchema", "HeaderSpec", "LazySchema"]


class LazySchema:
    """The schema at ``at`` (every ``$ref`` inlined) and its validator, both made once."""

    __slots__ = ("_at", "_inliner", "_schema", "_validator", "flaws", "repairs")

    def __init__(self, at: Located, inliner: SchemaInliner, flaws: tuple[Flaw, ...]) -> None:
        self._at = at
        self._inliner = inliner
        self._schema: Any = None
        self._validator: SchemaValidator | None = None
        self.flaws = tuple(f for f in flaws if not f.repaired)
        self.repairs = tuple(f for f in flaws if f.repaired)

    @property
    def schema(self) -> Any:
        if self._schema is None:
            schema: Any = {}
            try:
                schema = self._inliner.schema(self._at)
            except SpecError as exc:  # e.g. a cycle that never descends: only seen here
                self.flaws = (*self.flaws, Flaw.of(exc, "unusable-ref-cycle"))
            self._schema = schema
        return self._schema

    @property
    def validator(self) -> SchemaValidator:
        if self._validator is None:
            schema = self.schema
            self._validator = compile_validator(schema, self._inliner.registry, checked=True)
        return self._validator

    def compile(self) -> tuple[Flaw, ...]:
        """Do the work now (bound operations, ``check --all``) and say what was wrong."""
        _ = self.validator
        return self.flaws


class FixedSchema:
    """A schema known in full already (tests, and positions the spec leaves without one)."""

    __slots__ = ("flaws", "repairs", "schema", "validator")

    def __init__(self, schema: Any, registry: Registry[Any] | None = None) -> None:
        self.schema = schema
        self.validator = compile_validator(schema, registry or Registry(), checked=True)
        self.flaws: tuple[Flaw, ...] = ()
        self.repairs: tuple[Flaw, ...] = ()

    def compile(self) -> tuple[Flaw, ...]:
        return ()


class HeaderSpec(Mapping[str, Any]):
    """A response header as a mapping: ``required``, ``description``, and (made on first
    read) ``schema`` and ``validator``."""

    def __init__(self, required: bool, description: Any, source: SchemaSource) -> None:
        self._fixed = {"required": required, "description": description}
        self.source = source

    def __getitem__(self, key: str) -> Any:
        if key in ("schema", "validator"):
            return getattr(self.source, key)
        return self._fixed[key]

    def __iter__(self) -> Iterator[str]:
        return iter(("required", "description", "schema", "validator"))

    def __len__(self) -> int:
        return 4
