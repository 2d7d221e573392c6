"""How one emulator instance runs: the options of ``jobs-emulator serve`` as a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_JWT_SECRET", "Settings"]

# Documented in the README: tests sign their JWTs with it unless --jwt-secret says otherwise.
DEFAULT_JWT_SECRET = "jobs-emulator-secret"


@dataclass(frozen=True, slots=True)
class Settings:
    seed: int = 0
    strict: bool = True
    manual_clock: bool = False
    jwt_secret: str = DEFAULT_JWT_SECRET
    fallback: Literal["none", "examples"] = "none"
    journal_limit: int = 10_000
    # The path the API is served under; None: the path of the spec's first ``servers`` URL.
    base_path: str | None = None
