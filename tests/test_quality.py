"""The quality gates run inside the suite, so the one test command enforces them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import REPO

ROOT = REPO
BIN = Path(sys.executable).parent


def _run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


# Early: on a fresh clone mypy runs cold, the longest test of the suite.
@pytest.mark.early
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


# How the suite runs pytest inside pytest: pytester's runs, pytest.main, ``python -m pytest``.
_PYTESTER_RUNS = {"runpytest", "runpytest_subprocess", "runpytest_inprocess", "inline_run"}


def _runs_pytest(call: ast.Call) -> bool:
    called = ast.unparse(call.func)
    if called == "pytest.main" or called.rpartition(".")[2] in _PYTESTER_RUNS:
        return True
    words = [n.value for n in ast.walk(call) if isinstance(n, ast.Constant)]
    return called.startswith("subprocess.") and "-m" in words and "pytest" in words


def _nested_pytest_runs(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.FunctionDef]]:
    """Each call in ``tree`` that runs pytest, with the function it is in."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for call in ast.walk(function):
                if isinstance(call, ast.Call) and _runs_pytest(call):
                    yield call, function


def test_nested_pytest_runs_are_pinned_to_their_folder() -> None:
    """A pytest run inside the suite passes ``tests.support.own_config`` (its rootdir and its
    own ini file), so a stray configuration file above its temp folder cannot change it; the
    tests that show an unpinned run breaking pin theirs beside it."""
    unpinned = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in (ROOT / "tests").rglob("*.py")
        for call, function in _nested_pytest_runs(ast.parse(path.read_text(encoding="utf-8")))
        if not {"own_config", "run_pytest"} & set(re.findall(r"\w+", ast.unparse(function)))
    ]
    assert not unpinned, f"pass *own_config(folder) to these nested pytest runs: {unpinned}"
