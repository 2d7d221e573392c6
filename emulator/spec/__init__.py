"""The OpenAPI document the emulator serves: ``load_spec`` and the typed values it returns."""

from emulator.spec.formats import FORMAT_CHECKER, compile_validator
from emulator.spec.load import load_spec
from emulator.spec.model import (
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
