"""What the documentation states about the project, checked against the project: every link
lands on a file and a heading, every module, file and option it names exists, what it says is
bundled is what is bundled, and the option tables list every option with its default. (Its
examples run in ``tests/test_readme.py``.)"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import inspect
import io
import pkgutil
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

import emulator
from emulator.bundle import bundled_scenarios
from emulator.cli import _parser as cli_parser
from emulator.lifecycle.load.scenario_load import load_scenario
from emulator.settings import BUNDLED_APIS, Option, emulator_settings, options
from emulator.testing import pytest_plugin
from emulator.testing.handle import EmulatorHandle
from tests.doc_pages import (
    DOCS_DIR,
    PAGES,
    README,
    anchors,
    code_spans,
    prose,
    without_code_spans,
)
from tests.support import REPO

_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = ("http://", "https://", "mailto:")


def _links(doc: Path) -> list[tuple[int, str]]:
    return [
        (number, target)
        for number, text in prose(doc)
        for target in _LINK.findall(without_code_spans(text))
        if not target.startswith(_EXTERNAL)
    ]


def _pages_ids() -> list[str]:
    return [str(p.relative_to(REPO)) for p in PAGES]


@pytest.mark.parametrize("doc", PAGES, ids=_pages_ids())
def test_every_relative_link_lands_on_a_file_and_heading(doc: Path) -> None:
    broken = []
    for number, target in _links(doc):
        path, _, anchor = unquote(target).partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists():
            broken.append(f"{doc.relative_to(REPO)}:{number}: {target}: no file {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{doc.relative_to(REPO)}:{number}: {target}: no heading #{anchor}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_index_lists_every_page() -> None:
    index = DOCS_DIR / "README.md"
    listed = {(index.parent / target.partition("#")[0]).resolve() for _, target in _links(index)}
    pages = {p.resolve() for p in PAGES if p not in (README, index)}
    assert not pages - listed, f"docs/README.md does not list {sorted(pages - listed)}"


# -- what is bundled -----------------------------------------------------------------------------

_NUMBERS = dict(enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight")))


_BUNDLED_CLAIM = re.compile(r"\b(\w+) APIs (?:are bundled|come with the package)")


def _paragraphs(doc: Path) -> list[str]:
    text = "\n".join(line for _, line in prose(doc))
    return [p.replace("\n", " ") for p in re.split(r"\n\s*\n", text)]


def test_the_number_and_names_of_bundled_apis_are_what_is_bundled() -> None:
    """ "N APIs are bundled: **a**, **b**, ..." wherever the docs say it."""
    claims = 0
    for doc in PAGES:
        for paragraph in _paragraphs(doc):
            for said in re.finditer(
                r"\b(\w+) APIs (?:are bundled|come with the package)", paragraph
            ):
                claims += 1
                where = f"{doc.relative_to(REPO)}: {said.group(0)!r}"
                assert said.group(1).lower() == _NUMBERS[len(BUNDLED_APIS)], where
                named = re.findall(r"\*\*(\w+)\*\*", paragraph)
                if named:
                    assert sorted(named) == sorted(BUNDLED_APIS), f"{where} names {named}"
    assert claims >= 2, "the README and the bundled APIs page say how many APIs are bundled"


def _tables(doc: Path) -> list[list[list[str]]]:
    """The Markdown tables of ``doc``: rows of cells, header first, the rule row left out."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for _, line in prose(doc):
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _ticked(cell: str) -> list[str]:
    """The code spans of a table cell, outside any parentheses."""
    return code_spans(re.sub(r"\([^)]*\)", "", cell))


def test_the_bundled_apis_page_lists_each_api_and_its_scenarios() -> None:
    page = DOCS_DIR / "reference" / "bundled-apis.md"
    apis, scenarios = (t for t in _tables(page) if t[0][0].startswith(("API", "`--api`")))
    assert sorted(_ticked(row[0])[0] for row in apis[1:]) == sorted(BUNDLED_APIS)
    listed = {row[0]: sorted(_ticked(row[1])) for row in scenarios[1:]}
    bundled = {
        api: sorted(load_scenario(f).name for f in bundled_scenarios(api).glob("*.y*ml"))
        for api in BUNDLED_APIS
    }
    assert listed == bundled


# -- names of modules, files and attributes ------------------------------------------------------

_DOTTED = re.compile(r"(?<![\w./-])emulator(?:\.[A-Za-z_]\w*)+")
_PATH = re.compile(r"(?<![\w./-])(?:emulator|tests|bench|scripts|docs)/[\w./-]*\w")
_ROOM_PATH = re.compile(r"(?<![\w./-])(?:[a-z_]+/)+[a-z_]+\.py\b")


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module of the package, or something in one; a name that is
    no module (``emulator.clock.advance``) is taken as the pytest fixture's attribute."""
    parts = dotted.split(".")
    for cut in range(len(parts), 1, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        try:
            for part in parts[cut:]:
                found = getattr(found, part)
        except AttributeError:
            return False
        return True
    if hasattr(emulator, parts[1]):
        return True
    handle: object = EmulatorHandle("http://127.0.0.1:9/_ns/docs", "docs")
    try:
        for part in parts[1:]:  # looked up, never called: no property asks the server
            handle = inspect.getattr_static(handle, part)
    except AttributeError:
        return False
    return True


def _code_comments_and_docstrings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of the comments and docstrings of a Python file: what it says in words."""
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None:  # its doctest examples are code, not statements
                said = re.sub(r"^\s*>>>.*?(?=\n\s*\n|\Z)", "", docstring, flags=re.M | re.S)
                yield node.body[0].lineno, said


@functools.cache
def _statements() -> tuple[tuple[str, str], ...]:
    """(where, text) of everything the docs and the package's own words say."""
    found = [
        (f"{doc.relative_to(REPO)}:{number}", line) for doc in PAGES for number, line in prose(doc)
    ]
    for path in sorted((REPO / "emulator").rglob("*.py")):
        for number, text in _code_comments_and_docstrings(path):
            found.append((f"{path.relative_to(REPO)}:{number}", text))
    return tuple(found)


def test_every_module_and_attribute_named_exists() -> None:
    missing = [
        f"{where}: {name}"
        for where, text in _statements()
        for name in _DOTTED.findall(text)
        if not _resolves(name)
    ]
    assert not missing, "names that resolve to nothing:\n" + "\n".join(missing)


def _exists(text: str, found: re.Match[str]) -> bool:
    """Whether the path ``found`` in ``text`` names a file, or a placeholder path
    (``tests/data/corpus/NAME``, ``tests/corpus/test_*_sdk.py``) names some."""
    path = found.group(0)
    if (REPO / path).exists():
        return True
    pattern = re.sub(r"(?<=/)[A-Z][A-Z_]*(?=/|$)", "*", path)
    if text[found.end() : found.end() + 1] in ("*", "<", "{"):
        pattern += "*"
    return pattern != path and any(REPO.glob(pattern))


def test_every_file_named_exists() -> None:
    missing = []
    for where, text in _statements():
        for found in _PATH.finditer(text):
            if not _exists(text, found):
                missing.append(f"{where}: {found.group(0)}")
        for path in _ROOM_PATH.findall(text):  # http/app.py: a module of the package
            if not any((base / path).exists() for base in (REPO, REPO / "emulator")):
                missing.append(f"{where}: {path}")
    assert not missing, "files that do not exist:\n" + "\n".join(missing)


# -- options -------------------------------------------------------------------------------------


def _rows(doc: Path, heading: str) -> list[list[str]]:
    """The table rows (cells, header and rule rows left out) under ``heading`` in ``doc``, up to
    the next heading of the same level."""
    level = heading.split(" ")[0]
    rows: list[list[str]] = []
    inside = False
    for _, line in prose(doc):
        if line.startswith("#"):
            if line == heading:
                inside = True
            elif inside and line.split(" ")[0] == level:
                break
        elif inside and line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
    assert rows, f"{doc.relative_to(REPO)}: no table under {heading!r}"
    return rows[1:]


def _flags(cell: str, prefix: str = "--") -> list[str]:
    return [f for span in code_spans(cell) for f in re.findall(rf"{prefix}[a-z][\w-]*", span)]


def _default_documented(opt: Option, default: Any, cell: str, *, flags: bool) -> bool:
    """Whether ``cell`` shows ``default``: bools as the flag in force (``--no-strict``) or as
    ``true``/``false``, numbers by value, words as written; no default, or none, may say
    anything (``the API's``)."""
    spans = code_spans(cell)
    if opt.required:
        return "required" in cell
    if default is None or default == ():
        return True
    if opt.kind is bool and opt.choices is None:
        shown = (opt.flag if default else "--no-" + opt.flag[2:]) if flags else opt.word(default)
        return shown in spans
    if opt.kind in (int, float) and opt.choices is None:
        return any(re.fullmatch(r"[\d.]+", s) and float(s) == default for s in spans)
    return opt.word(default) in spans


def _choices_documented(opt: Option, row: list[str]) -> list[str]:
    text = " ".join(row)
    return [
        w for w in opt.choices or () if not re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)
    ]


def _commands() -> dict[str, set[str]]:
    """Each command of ``jobs-emulator`` and the flags its parser offers."""
    parser = cli_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {f for action in sub._actions for f in action.option_strings} - {"-h", "--help"}
        for name, sub in commands.choices.items()
    }


@pytest.mark.parametrize("command", sorted(_commands()))
def test_the_cli_reference_lists_every_option_with_its_default(command: str) -> None:
    page = DOCS_DIR / "reference" / "cli.md"
    rows = _rows(page, f"## `jobs-emulator {command}`")
    documented = {flag: row for row in rows for flag in _flags(row[0])}
    offered = _commands()[command]
    assert set(documented) == offered, (
        f"jobs-emulator {command}: undocumented {sorted(offered - set(documented))}, "
        f"documented but not offered {sorted(set(documented) - offered)}"
    )
    for opt in options(command):  # type: ignore[arg-type]
        row = documented[opt.flag]
        default = opt.default_in(command)  # type: ignore[arg-type]
        assert _default_documented(opt, default, row[1], flags=True), (
            f"{opt.flag}: the default is {opt.word(default)}, the page says {row[1]}"
        )
        assert not _choices_documented(opt, row), f"{opt.flag}: {row} lacks a choice"


class _Recorder:
    """What the plugin's ``pytest_addoption`` declares: its flags and its ini keys."""

    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.ini: set[str] = set()

    def getgroup(self, *_: Any) -> _Recorder:
        return self

    def addoption(self, *names: str, **_: Any) -> None:
        self.flags.update(names)

    def addini(self, name: str, *_: Any, **__: Any) -> None:
        self.ini.add(name)


def test_the_pytest_reference_lists_every_option_with_its_default() -> None:
    page = DOCS_DIR / "reference" / "pytest.md"
    plugin = _Recorder()
    pytest_plugin.pytest_addoption(plugin)  # type: ignore[arg-type]
    rows = _rows(page, "## Options")
    assert {f for row in rows for f in _flags(row[2], "--emulator-")} == plugin.flags
    assert {k for row in rows for k in code_spans(row[1])} == plugin.ini
    by_ini = {code_spans(row[1])[0]: row for row in rows}
    for opt in (*options("pytest"), *options("session")):
        row = by_ini[f"emulator_{opt.key}"]
        marker = code_spans(row[0])
        assert marker == ([] if opt in options("session") else [opt.key]), row
        assert f"--emulator-{opt.flag[2:]}" in _flags(row[2], "--emulator-"), row
        default = opt.default_in("pytest")
        assert _default_documented(opt, default, row[3], flags=False), (
            f"{opt.key}: the default is {opt.word(default)}, the page says {row[3]}"
        )
        assert not _choices_documented(opt, row), f"{opt.key}: {row} lacks a choice"
    per_test = {code_spans(row[0])[0] for row in _rows(page, "## The marker")}
    assert per_test == set(pytest_plugin.MARKER_KWARGS) - {o.key for o in options("pytest")}


def test_every_option_named_exists() -> None:
    """A ``--flag`` the docs name in passing is an option of ``jobs-emulator`` or the plugin."""
    plugin = _Recorder()
    pytest_plugin.pytest_addoption(plugin)  # type: ignore[arg-type]
    ours = set().union(*_commands().values()) | plugin.flags
    ini = plugin.ini | {"emulator_pool"}  # the session fixture shares the prefix
    unknown = []
    for where, text in _statements():
        for span in code_spans(text):
            for flag in re.findall(r"(?<![\w-])--emulator-[a-z][\w-]*", span):
                if flag not in plugin.flags:
                    unknown.append(f"{where}: {flag}")
            for key in re.findall(r"(?<![\w./])emulator_[a-z_]+(?![\w.])", span):
                if key not in ini and key not in _MODULE_NAMES:
                    unknown.append(f"{where}: {key}")
        for flag in _flags(text):
            if not flag.startswith("--emulator-") and flag not in ours and flag not in _OTHER_TOOLS:
                unknown.append(f"{where}: {flag}")
    assert not unknown, "options that do not exist:\n" + "\n".join(unknown)


_MODULE_NAMES = {p.stem for p in (REPO / "emulator").rglob("*.py")}
# Flags of the other tools the docs show (pytest, curl, bench/run.py, bench/wild.py and the
# other bench scripts that write their results): not ours to check.
_OTHER_TOOLS = {
    "--help",
    "--strict-markers",
    "--json",
    "--data",
    "--rootdir",
    "--update-docs",
    "--update",
}


# -- what the words say of the code --------------------------------------------------------------


def _classes() -> dict[str, list[type]]:
    """Every class the package defines, by name."""
    found: dict[str, list[type]] = {}
    for info in pkgutil.walk_packages(emulator.__path__, "emulator."):
        if info.name.endswith("__main__"):  # runs the command line
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == info.name:
                found.setdefault(name, []).append(value)
    return found


_FROZEN = re.compile(r"frozen `(\w+)`|`(\w+)`(?:,? and `(\w+)`)? (?:is|are) frozen")


def test_what_the_docs_call_frozen_is_frozen() -> None:
    classes = _classes()
    wrong = []
    for where, text in _statements():
        for names in _FROZEN.findall(text):
            for name in filter(None, names):
                for cls in classes.get(name, []):
                    params = getattr(cls, "__dataclass_params__", None)
                    if params is None or not params.frozen:
                        wrong.append(f"{where}: {name} ({cls.__module__}) is not frozen")
    assert not wrong, "\n".join(wrong)


def test_the_settings_docstring_names_every_group_of_options() -> None:
    said = emulator_settings.__doc__ or ""
    missing = [g.__name__ for g in emulator_settings._GROUPS if f"``{g.__name__}``" not in said]
    assert not missing, f"emulator/settings/emulator_settings.py's docstring omits {missing}"
