"""The parts of an OpenAPI document the emulator serves, as typed values.

Schemas inside these values are plain JSON Schema 2020-12 dicts: every ``$ref`` is already
inlined, except a recursive one, which stays a ``$ref`` that ``Spec.registry`` resolves.
Validators are compiled once, on first use (``compiled.LazySchema``), never per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from referencing import Registry

if TYPE_CHECKING:
    from emulator.openapi.flaws import Flaw
    from emulator.openapi.schema_validator import SchemaValidator

__all__ = [
    "MediaType",
    "Operation",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "ResponseSpec",
    "SchemaSource",
    "SecurityRequirement",
    "SecurityScheme",
    "Spec",
]

ParameterLocation = Literal["path", "query", "header", "cookie"]

# One alternative of an operation's `security` list: scheme name -> required scopes.
SecurityRequirement = Mapping[str, tuple[str, ...]]


class SchemaSource(Protocol):
    """A schema and its validator, perhaps made only when first asked for (``compiled``)."""

    @property
    def schema(self) -> Any: ...
    @property
    def validator(self) -> SchemaValidator: ...
    @property
    def flaws(self) -> tuple[Flaw, ...]: ...
    @property
    def repairs(self) -> tuple[Flaw, ...]: ...
    def compile(self) -> tuple[Flaw, ...]: ...


@dataclass(frozen=True, slots=True)
class MediaType:
    """One entry of a `content` map: a schema and the examples the spec gives for it
    (``given``; without any, the schema's own ``example``/``examples``)."""

    media_type: str
    source: SchemaSource | None
    given: tuple[Any, ...] = ()

    @property
    def schema(self) -> Mapping[str, Any] | None:
        return None if self.source is None else self.source.schema

    @property
    def validator(self) -> SchemaValidator | None:
        return None if self.source is None else self.source.validator

    @property
    def examples(self) -> tuple[Any, ...]:
        schema = self.schema
        if self.given or not isinstance(schema, Mapping):
            return self.given
        found = [schema["example"]] if "example" in schema else []
        if isinstance(schema.get("examples"), list):
            found.extend(schema["examples"])
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: ParameterLocation
    required: bool
    source: SchemaSource
    style: str = "form"
    explode: bool = True

    @property
    def schema(self) -> Mapping[str, Any]:
        schema = self.source.schema
        return schema if isinstance(schema, Mapping) else {}

    @property
    def validator(self) -> SchemaValidator:
        return self.source.validator


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content: Mapping[str, MediaType]


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """A declared response; ``status`` is as written in the spec: '200', '4XX' or 'default'."""

    status: str
    description: str
    content: Mapping[str, MediaType]
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """``kind`` is the OpenAPI ``type``; ``scheme`` is set for ``http`` (bearer, basic);
    ``location`` and ``param_name`` for ``apiKey``."""

    name: str
    kind: str
    scheme: str | None = None
    location: ParameterLocation | None = None
    param_name: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path. ``key`` is the operationId, else ``"METHOD /path"``."""

    method: str
    path: str
    operation_id: str | None
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, ResponseSpec]
    security: tuple[SecurityRequirement, ...]
    pointer: str
    # What is wrong in its schemas that could not be repaired (left out of validation; an
    # answer made up from such a schema is a 500 naming it), and what was repaired.
    flaws: tuple[Flaw, ...] = ()
    repairs: tuple[Flaw, ...] = ()
    # Its structure is broken past repair (``flaws`` says how): every answer is a 500 naming it.
    broken: bool = False

    @property
    def key(self) -> str:
        return self.operation_id or f"{self.method} {self.path}"

    def matches(self, ref: str) -> bool:
        """True when ``ref`` names this operation, by operationId or by ``"METHOD /path"``."""
        return ref == self.operation_id or ref == f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Spec:
    path: Path
    openapi: str
    title: str
    operations: tuple[Operation, ...]
    security_schemes: Mapping[str, SecurityScheme]
    registry: Registry[Any]
    document: Mapping[str, Any]
    # Request bodies of the webhooks and callbacks it declares (see ``openapi.webhooks``).
    webhooks: Mapping[str, MediaType] = field(default_factory=dict)
    # Every flaw found at load, repaired or not, and operations that cannot be routed.
    warnings: tuple[Flaw, ...] = ()
    # ``(file, pointer)`` -> the pointer as the file's author wrote it: in a Swagger 2.0
    # file, where the 3.0 reading of it moved things (``swagger2.Origins``); else unchanged.
    as_written: Callable[[str, str], str] = field(default=lambda file, pointer: pointer)

    def operation(self, ref: str) -> Operation | None:
        """The operation named ``ref`` (operationId or ``"METHOD /path"``), if any."""
        for op in self.operations:
            if op.matches(ref):
                return op
        return None
