"""The emulator's exceptions.

    EmulatorError
    ├── LoadError               a file the user gave us is unusable (spec, profile, scenario)
    │   ├── SpecError
    │   ├── ProfileError
    │   ├── ScenarioError
    │   └── StateFileError      a --state-file that cannot be used (locked, damaged, ...)
    └── ContractViolationError  served traffic broke the spec (raised by the pytest plugin)

Every LoadError names the file, the JSON pointer inside it and what is wrong, because the
user has to open that file and fix that spot.
"""

from __future__ import annotations

__all__ = [
    "ContractViolationError",
    "EmulatorError",
    "LoadError",
    "ProfileError",
    "ScenarioError",
    "SpecError",
    "StateFileError",
]


class EmulatorError(Exception):
    """Base of every error the emulator raises on purpose."""


class LoadError(EmulatorError):
    """A file is refused at load time: ``file: pointer: reason``."""

    def __init__(self, file: str, pointer: str, reason: str) -> None:
        self.file = file
        self.pointer = pointer or "/"
        self.reason = reason
        super().__init__(f"{file}: {self.pointer}: {reason}")


class SpecError(LoadError):
    """An OpenAPI document cannot be served."""


class ProfileError(LoadError):
    """A provider profile is inconsistent with itself or with its spec."""


class ScenarioError(LoadError):
    """A scenario file is malformed or would make the emulator break the spec."""


class StateFileError(LoadError):
    """A state file cannot be opened, locked or read back."""


class ContractViolationError(EmulatorError, AssertionError):
    """Traffic served during a test broke the contract; raised in the test's thread."""
