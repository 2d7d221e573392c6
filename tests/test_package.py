"""The package as users see it: its public names, its modules, its docstring examples."""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import subprocess
import sys
import types
from pathlib import Path

import pytest

import emulator

PACKAGE = Path(emulator.__file__).resolve().parent
# Running ``python -m emulator`` is the CLI; importing it would run it.
ENTRY_POINT = "emulator.__main__"


def module_files() -> dict[str, Path]:
    """Every module of the package, by dotted name, found on disk (namespace packages too)."""
    found = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = file
    return found


FILES = module_files()
MODULES = [name for name in FILES if name != ENTRY_POINT]
WITH_EXAMPLES = [name for name in MODULES if ">>>" in FILES[name].read_text("utf-8")]


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, name


def test_all_is_sorted() -> None:
    assert emulator.__all__ == sorted(emulator.__all__, key=_isort_key)
    assert len(set(emulator.__all__)) == len(emulator.__all__)


def test_every_exported_name_imports() -> None:
    namespace: dict[str, object] = {}
    exec("from emulator import *", namespace)
    for name in emulator.__all__:
        assert namespace[name] is getattr(emulator, name)


def test_every_public_member_is_exported() -> None:
    for name in emulator.__all__:  # imported on first use: load them all first
        getattr(emulator, name)
    public = {
        name
        for name, value in vars(emulator).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(emulator.__all__)


def test_version_matches_the_distribution() -> None:
    assert emulator.__version__ == importlib.metadata.version("jobs-emulator")


def test_every_directory_of_the_package_is_a_regular_package() -> None:
    # Namespace packages are skipped by pkgutil, doc tools and packaging helpers.
    folders = {file.parent for file in PACKAGE.rglob("*.py")}
    assert sorted(str(f) for f in folders if not (f / "__init__.py").exists()) == []


@pytest.mark.parametrize("name", MODULES)
def test_every_module_imports(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout


def test_some_modules_have_examples() -> None:
    assert {
        "emulator.lifecycle.core.clock",
        "emulator.openapi.path_template",
        "emulator.lifecycle.render.template",
    } <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
