"""jobs-emulator: emulate asynchronous job APIs from an OpenAPI spec, on a clock tests control."""

from .app import Emulator
from .bundle import BUNDLED_APIS, build
from .clock import Clock, ManualClock, OffsetClock, SystemClock
from .errors import (
    ContractViolationError,
    EmulatorError,
    LoadError,
    ProfileError,
    ScenarioError,
    SpecError,
)
from .settings import DEFAULT_JWT_SECRET, Settings

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_JWT_SECRET",
    "Clock",
    "ContractViolationError",
    "Emulator",
    "EmulatorError",
    "LoadError",
    "ManualClock",
    "OffsetClock",
    "ProfileError",
    "ScenarioError",
    "Settings",
    "SpecError",
    "SystemClock",
    "build",
]

__version__ = "0.1.0"
