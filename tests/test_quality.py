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


SOURCES = ("emulator", "tests", "bench", "scripts")
# Spelled in two parts so this file does not match itself.
SQUEEZE_MARKS = ("# fmt: " + "skip", "# fmt: " + "off")


def test_no_code_is_squeezed_past_the_formatter() -> None:
    """Code is formatted normally: a module is as long as its one concept needs, never
    hand-compressed behind a formatter pragma to look shorter."""
    squeezed = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in SOURCES
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(mark in line for mark in SQUEEZE_MARKS)
    ]
    assert not squeezed, f"format these lines normally: {squeezed}"


def test_modules_hold_one_concept() -> None:
    """Past ~600 lines a module nearly always holds two concepts: split it by concept."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "emulator").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not too_long, f"split these modules by concept: {too_long}"
