"""jobs-emulator: emulate asynchronous job APIs from an OpenAPI spec, on a clock tests control.

The names below are imported on first use (PEP 562), so ``import emulator.settings`` or the
pytest plugin's start does not load the HTTP stack, and ``serve`` loads only what it serves.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from emulator import errors as _errors

if _TYPE_CHECKING:
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
    from emulator.lifecycle.core.clock import Clock, ManualClock, OffsetClock, SystemClock
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

_HOMES = {
    "emulator.bundle": ("BUNDLED_APIS", "build", "example_profile"),
    "emulator.errors": tuple(_errors.__all__),  # a small module with no imports
    "emulator.http.app": ("Emulator",),
    "emulator.http.server": ("LiveServer",),
    "emulator.lifecycle.core.clock": ("Clock", "ManualClock", "OffsetClock", "SystemClock"),
    "emulator.settings": ("DEFAULT_JWT_SECRET", "Settings"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> _Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
