"""The quality gates run inside the suite, so the one test command enforces them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

ROOT = REPO
BIN = Path(sys.executable).parent


def _run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "emulator", "tests", "bench"),
        ("ruff", "format", "--check", "emulator", "tests", "bench"),
        ("mypy", "--strict", "emulator"),
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_gate(command: tuple[str, ...]) -> None:
    _run(str(BIN / command[0]), *command[1:])


def test_modules_stay_small() -> None:
    """One noun per module: a module past ~300 lines is doing more than one thing."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "emulator").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 300
    }
    assert not too_long, f"split these modules: {too_long}"
