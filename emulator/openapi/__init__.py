"""OpenAPI, the lowest layer: the document the emulator serves and everything that reads it.

``load`` reads YAML/JSON files and resolves ``$ref`` (across files too); ``dialect`` turns 3.0
schemas into JSON Schema 2020-12; ``build`` makes the typed ``Spec`` of ``model`` (its
``load_spec``: a file in, a ``Spec`` out); ``formats`` compiles validators; ``validation``
checks requests and responses into ``Violation`` values; ``synthesis`` (with ``strings``) makes
deterministic bodies from schemas and examples.

May import: ``emulator.errors``, ``emulator.yamlread`` and ``emulator.speed`` (its memo). Nothing
of lifecycles, HTTP or testing.
"""

from emulator.openapi.formats import FORMAT_CHECKER, compile_validator
from emulator.openapi.model import (
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    ResponseSpec,
    SecurityRequirement,
    SecurityScheme,
    Spec,
)
from emulator.openapi.spec_file import load_spec

__all__ = [
    "FORMAT_CHECKER",
    "MediaType",
    "Operation",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "ResponseSpec",
    "SecurityRequirement",
    "SecurityScheme",
    "Spec",
    "compile_validator",
    "load_spec",
]
