"""jobs-emulator: emulate asynchronous job APIs from an OpenAPI spec, on a clock tests control."""

from emulator.bundle import BUNDLED_APIS, build, example_profile
from emulator.errors import (
    ContractViolationError,
    EmulatorError,
    LoadError,
    ProfileError,
    ScenarioError,
    SpecError,
    StateFileError,
)
from emulator.http.app import Emulator
from emulator.http.server import LiveServer
from emulator.lifecycle.clock import Clock, ManualClock, OffsetClock, SystemClock
from emulator.settings import DEFAULT_JWT_SECRET, Settings

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_JWT_SECRET",
    "Clock",
    "ContractViolationError",
    "Emulator",
    "EmulatorError",
    "LiveServer",
    "LoadError",
    "ManualClock",
    "OffsetClock",
    "ProfileError",
    "ScenarioError",
    "Settings",
    "SpecError",
    "StateFileError",
    "SystemClock",
    "build",
    "example_profile",
]

__version__ = "0.1.0"
