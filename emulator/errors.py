"""The emulator's exceptions.

    EmulatorError
    ├── LoadError               a file the user gave us is unusable (spec, profile, scenario)
    │   ├── SpecError
    │   ├── ProfileError
    │   ├── ScenarioError
    │   ├── StateFileError      a --state-file that cannot be used (locked, damaged, ...)
    │   └── StateError          a --state that cannot be used (a bad URL, another emulator's)
    ├── StateUnavailable        the shared state (--state redis://...) cannot be reached now
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
    "StateError",
    "StateFileError",
    "StateUnavailable",
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


class StateError(LoadError):
    """A ``--state`` URL that cannot be used: not a Redis URL, or kept for another emulator."""


class StateUnavailable(EmulatorError):
    """The shared state cannot be reached: requests are answered 503 until it is back.

    Raised through every layer on purpose (the request path lets it pass rather than answer a
    crash), and answered at the edge with the provider's own 503 envelope and the reason."""

    def __init__(self, where: str, reason: str, *, what: str = "is unreachable") -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where} {what}: {reason}")


class ContractViolationError(EmulatorError, AssertionError):
    """Traffic served during a test broke the contract; raised in the test's thread."""
