"""The package's layers, read from its import statements: lower layers never import higher ones,
and no module imports itself back through others."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.support import REPO

PACKAGE = REPO / "emulator"

# What each layer, and each room inside a layer, may import from the package besides itself (see
# each folder's docstring). A module belongs to the longest folder that names it.
SPEED = {"emulator.speed"}
BASE = {"emulator.errors", "emulator.yamlread", "emulator.settings"} | SPEED
LIFECYCLE = {"emulator.errors", "emulator.yamlread", "emulator.openapi"} | SPEED
ALLOWED: dict[str, set[str]] = {
    "emulator.speed": set(),
    "emulator.settings": set(),
    "emulator.openapi": {"emulator.errors", "emulator.yamlread"} | SPEED,
    "emulator.lifecycle": LIFECYCLE,
    "emulator.lifecycle.core": LIFECYCLE
    | {"emulator.lifecycle.render", "emulator.lifecycle.webhooks"},
    "emulator.lifecycle.render": SPEED | {"emulator.lifecycle.core"},
    "emulator.lifecycle.webhooks": SPEED | {"emulator.lifecycle.core", "emulator.lifecycle.render"},
    "emulator.lifecycle.load": LIFECYCLE | {"emulator.lifecycle"},
    "emulator.lifecycle.persistence": LIFECYCLE
    | {"emulator.lifecycle.core", "emulator.lifecycle.webhooks"},
    "emulator.checks": LIFECYCLE | {"emulator.lifecycle"},
    # A draft is text read from the spec alone; it is proven by loading it like any profile.
    "emulator.drafting": {"emulator.errors", "emulator.yamlread", "emulator.openapi"},
    "emulator.dashboard": {"emulator.errors", "emulator.openapi", "emulator.lifecycle"},
    "emulator.http": BASE
    | {
        "emulator.openapi",
        "emulator.lifecycle",
        "emulator.dashboard",
        "emulator.http.control",
        "emulator.http.delivery",
    },
    "emulator.http.control": BASE
    | {
        "emulator.openapi",
        "emulator.lifecycle",
        "emulator.dashboard",
        "emulator.http",
        "emulator.http.delivery",
    },
    "emulator.http.delivery": BASE | {"emulator.openapi", "emulator.lifecycle", "emulator.checks"},
    "emulator.testing": BASE
    | {
        "emulator.checks",
        "emulator.openapi",
        "emulator.lifecycle",
        "emulator.http",
        "emulator.bundle",
        "emulator.dashboard",
    },
    "emulator.contract": BASE
    | {
        "emulator.checks",
        "emulator.openapi",
        "emulator.lifecycle",
        "emulator.http",
        "emulator.bundle",
    },
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The package modules ``path`` imports, at any depth of its code (lazy imports count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "emulator" or name.startswith("emulator.")}


@functools.cache
def package_graph() -> dict[str, set[str]]:
    """Every package module and the package modules it imports: read when a test asks (parsing
    every module is a second of each test process's collection otherwise)."""
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return module


def forbidden_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, imported in graph.items():
        layer = layer_of(module)
        if layer not in ALLOWED:
            continue
        for name in sorted(imported):
            target = layer_of(name)
            if target != layer and not any(
                name == ok or name.startswith(ok + ".") for ok in ALLOWED[layer]
            ):
                wrong.append(f"{module} imports {name}")
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import circles among the package's modules (type-checking-only imports count too)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_every_layer_imports_only_what_it_may() -> None:
    assert forbidden_imports(package_graph()) == []


def test_the_check_catches_the_lifecycle_importing_http() -> None:
    broken = {**package_graph(), "emulator.lifecycle.core.engine": {"emulator.http.pipeline"}}
    assert forbidden_imports(broken) == [
        "emulator.lifecycle.core.engine imports emulator.http.pipeline"
    ]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_says_what_it_may_import(layer: str) -> None:
    doc = ast.get_docstring(ast.parse((REPO / Path(*layer.split(".")) / "__init__.py").read_text()))
    assert doc and "May import" in doc


def test_no_import_circles() -> None:
    # The package root re-exports the public names, so it is left out of the circle search.
    graph = {m: {n for n in deps if n != "emulator"} for m, deps in package_graph().items()}
    assert cycles(graph) == []


def test_the_circle_search_finds_a_circle() -> None:
    broken = {**package_graph(), "emulator.http.routing": {"emulator.http.app"}}
    graph = {m: {n for n in deps if n != "emulator"} for m, deps in broken.items()}
    (circle,) = cycles(graph)
    assert circle[0] == circle[-1] and {"emulator.http.app", "emulator.http.routing"} <= set(circle)


def test_no_two_modules_share_a_name() -> None:
    """A name finds one file: ``webhooks`` or ``delivery`` in a traceback or a grep is never two
    modules (packages count as modules, their ``__init__`` aside)."""
    by_name: dict[str, list[str]] = {}
    for module in package_graph():
        by_name.setdefault(module.rsplit(".", 1)[-1], []).append(module)
    assert {name: found for name, found in by_name.items() if len(found) > 1} == {}
