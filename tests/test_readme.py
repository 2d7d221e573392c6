"""The user documentation's examples, run as tests: a broken example fails the suite.

Fenced blocks in README.md and every page under docs/ (``tests/doc_pages.py``) run by their
language:

- ``python``: a block with ``def test_`` functions runs as a pytest module; any other block runs
  as a script. Either way it must pass.
- ``console``: every block of a document is one terminal session, in order, in a scratch
  directory. ``$ jobs-emulator ...`` runs the CLI (``serve ... &`` serves the app it builds on a
  free port, ``$ kill %1`` stops it), ``$ curl ...`` is sent to that server (piped into a
  small ``jq``, or saved with ``-o FILE``), ``$ pytest`` runs pytest, ``$ python`` runs
  Python, ``$ echo $?`` prints the last exit status. The output must match the lines after the
  command; ``...`` matches anything and runs of whitespace compare equal (doctest's ELLIPSIS
  and NORMALIZE_WHITESPACE).
- ``yaml``: a scenario (it has ``attempts:``) is loaded and checked against the bundled API the
  ``api:`` directive names (writer by default; ``none``: checked by a console example instead);
  a fragment under a ``profile: NAME`` directive is laid over that bundled profile and built.

HTML comments on the lines right above a fence are directives, separated by ``;``:
``<!-- no-test -->`` skips the block; ``<!-- file: PATH -->`` writes it to PATH in the scratch
directory, for the examples after it, instead of running it; ``<!-- refused -->`` marks a
scenario shown as a mistake (loading it must fail); ``api:`` and ``profile:`` as above.

Nested pytest runs use ``pytest.main`` in this process, not pytester: pytester forgets every
module a run imported, and lazily imported modules (httpcore) would come back as new copies
whose exceptions other libraries no longer recognise.
"""

from __future__ import annotations

import contextlib
import doctest
import gc
import io
import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

import emulator.http.server
from emulator.bundle import build, bundled_profile, bundled_scenarios
from emulator.checks.naming import resolve_faults
from emulator.checks.profile_check import check_scenarios
from emulator.cli import main as cli_main
from emulator.errors import LoadError
from emulator.http.server import LiveServer
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.load.scenario_load import load_scenario
from emulator.openapi import load_spec
from tests.doc_pages import PAGES, Block, parse
from tests.support import REPO, make_hostile, own_config

ROOT = REPO
BIN = Path(sys.executable).parent
DOCS = PAGES
# osapi's own spec, unmodified, for the examples that bind it (skipped where it is absent).
UPSTREAM_OSAPI = ROOT.parent / "shared" / "reference-specs" / "osapi"


class _DocumentedPort:
    """What ``serve`` binds in a documented session: the port the docs show, no socket."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)

    def getsockname(self) -> tuple[str, int]:
        return self.address

    def close(self) -> None:
        pass


ALL = [block for doc in DOCS for block in parse(doc)]


def _ids(blocks: list[Block]) -> list[str]:
    return [b.where for b in blocks]


def write_file(block: Block, into: Path) -> None:
    target = into / block.directives["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.text, encoding="utf-8")


def files_before(block: Block) -> list[Block]:
    """The ``file:`` blocks of ``block``'s document that come before it."""
    return [b for b in ALL if b.doc == block.doc and b.line < block.line and "file" in b.directives]


def run_pytest(args: list[str], cwd: Path) -> tuple[int, str]:
    """pytest in this process, in ``cwd``, configured by ``cwd`` alone: (exit status, output)."""
    out = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        # This process imported ``emulator`` from the checkout already, which a user's fresh pytest
        # has not: the rewrite warning that causes is this harness's, not the README's.
        rewrite = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
        # pytest-asyncio, installed for the suite, warns in a run whose ini leaves its loop
        # scope unset: the examples that use it show the setting in their own ini file.
        loop_scope = ["-o", "asyncio_default_fixture_loop_scope=function"]
        pinned = [*own_config(cwd), "-p", "no:cacheprovider", "--import-mode=importlib"]
        # A nested session ends with full garbage collections (pytest's unraisable-exception
        # plugin), which walk everything this worker holds: seconds per example once the suite
        # has loaded large specs. Frozen, the suite's objects are left out of those walks.
        gc.freeze()
        try:
            status = pytest.main([*args, *pinned, *rewrite, *loop_scope])
        finally:
            gc.unfreeze()
    # The run imported the folder's test modules: forget them, so that a later run of a file of
    # the same name (a page that edits its example and runs it again) imports the new one.
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").is_relative_to(cwd):
            del sys.modules[name]
    return int(status), out.getvalue()


# -- python ------------------------------------------------------------------------------------

PYTHON = [b for b in ALL if b.lang == "python" and b.runs]


@pytest.mark.parametrize("block", PYTHON, ids=_ids(PYTHON))
def test_python_example(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for earlier in files_before(block):
        write_file(earlier, tmp_path)
    name = f"{block.doc.stem.lower().replace('-', '_')}_{block.line}"
    if "def test_" in block.text:
        module = tmp_path / f"test_{name}.py"
        module.write_text(block.text, encoding="utf-8")
        status, output = run_pytest([str(module), "-q", "-rs", "--strict-markers"], tmp_path)
        assert status == 0 and " skipped" not in output, (
            f"{block.where}: the example's tests did not all pass:\n{output}"
        )
    else:
        script = tmp_path / f"example_{name}.py"
        script.write_text(block.text, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        runpy.run_path(str(script), run_name="__main__")


# -- yaml --------------------------------------------------------------------------------------

YAML = [b for b in ALL if b.lang in ("yaml", "yml") and "no-test" not in b.directives]


@pytest.mark.parametrize("block", YAML, ids=_ids(YAML))
def test_yaml_example(block: Block, tmp_path: Path) -> None:
    data = yaml.safe_load(block.text)
    api = block.directives.get("api", "writer")
    if isinstance(data, dict) and "attempts" in data and api != "none":
        file = tmp_path / Path(block.directives.get("file", "example.yaml")).name
        file.write_text(block.text, encoding="utf-8")
        profile = load_profile(bundled_profile(api))
        assert profile.spec_path is not None
        spec = load_spec(profile.spec_path)
        if "refused" in block.directives:  # an example of a mistake: it must stay one
            with pytest.raises(LoadError):
                named = resolve_faults(profile, spec, {"example": load_scenario(file)})
                check_scenarios(profile, spec, named)
        else:
            scenario = load_scenario(file)
            check_scenarios(profile, spec, resolve_faults(profile, spec, {scenario.name: scenario}))
    elif "profile" in block.directives:
        name = block.directives["profile"]
        base = yaml.safe_load(bundled_profile(name).read_text(encoding="utf-8"))
        merged = {**base, **data, "spec": str(bundled_profile(name).with_name(base["spec"]))}
        file = tmp_path / "profile.yaml"
        file.write_text(yaml.safe_dump(merged), encoding="utf-8")
        build(api=None, profile=file, scenarios=bundled_scenarios(name))
    elif "file" not in block.directives:
        pytest.fail(f"{block.where}: a yaml block must be a scenario, say `profile:` or be a file")


# -- console -----------------------------------------------------------------------------------


@dataclass
class Session:
    """A terminal session: its scratch directory, its servers and the last exit status."""

    cwd: Path
    servers: dict[int, LiveServer] = field(default_factory=dict)
    status: int = 0

    def run(self, command: str) -> str:
        if command.strip() == "echo $?":
            return f"{self.status}\n"
        line, _, pipe = command.partition(" | ")
        words = shlex.split(line)
        if words[0] == "jobs-emulator":
            return self.cli(words[1:])
        if words[0] == "pytest":
            self.status, output = run_pytest(words[1:], self.cwd)
            return output
        if words[0] in ("python", "python3"):
            return self.process([sys.executable, *words[1:]])
        if words[0] == "curl":
            return self.curl(words[1:], pipe.strip())
        if words == ["kill", "%1"]:  # stops the servers `serve &` started
            for server in self.servers.values():
                server.stop()
            self.servers.clear()
            return ""
        raise AssertionError(f"the README test cannot run {command!r}: mark the block no-test")

    def process(self, argv: list[str]) -> str:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        done = subprocess.run(
            argv,
            cwd=self.cwd,
            env=env,
            check=False,
            text=True,
            timeout=120,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.status = done.returncode
        return done.stdout

    def cli(self, argv: list[str]) -> str:
        """``jobs-emulator ...`` in-process; ``serve`` hands its app to a LiveServer and returns."""
        argv = [self.local(a) for a in argv if a != "&"]

        def serve_forever(app: Any, host: str, port: int, sock: Any = None) -> None:
            if sock is not None:
                sock.close()
            if port in self.servers:
                self.servers.pop(port).stop()
            self.servers[port] = LiveServer(app, host).start()

        def bind(host: str, port: int) -> _DocumentedPort:
            # The documented port may be taken on a shared machine: the LiveServer listens on a
            # free one, and the startup line still shows the documented one.
            return _DocumentedPort(host, port)

        out = io.StringIO()
        real, real_bind = emulator.http.server.serve_forever, emulator.http.server.bind
        emulator.http.server.serve_forever = serve_forever
        emulator.http.server.bind = bind  # type: ignore[assignment]
        try:
            with (
                contextlib.chdir(self.cwd),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(out),
            ):
                self.status = cli_main(argv)
        except SystemExit as exc:  # argparse refusing the arguments
            self.status = exc.code if isinstance(exc.code, int) else 1
        finally:
            emulator.http.server.serve_forever = real
            emulator.http.server.bind = real_bind  # type: ignore[assignment]
        return out.getvalue()

    def local(self, arg: str) -> str:
        """A documented ``http://127.0.0.1:4010`` as the URL its ``serve &`` really listens on
        (``contract --base-url``, ``record``), so a command meets the server the docs started."""
        for port, server in self.servers.items():
            for host in ("http://127.0.0.1", "http://localhost"):
                if arg == f"{host}:{port}" or arg.startswith(f"{host}:{port}/"):
                    return server.url + arg[len(f"{host}:{port}") :]
        return arg

    def curl(self, args: list[str], pipe: str) -> str:
        method, headers, data, url, output = None, {}, None, None, None
        include, show_errors = False, True
        items = iter(args)
        for arg in items:
            if arg.startswith("-") and not arg.startswith("--") and set(arg[1:]) <= set("sSi"):
                include = include or "i" in arg
                show_errors = "S" in arg or "s" not in arg
            elif arg == "-X":
                method = next(items)
            elif arg == "-o":
                output = next(items)
            elif arg == "-H":
                name, _, value = next(items).partition(":")
                headers[name.strip()] = value.strip()
            elif arg in ("-d", "--data"):
                data = next(items)
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            elif arg == "--json":
                data = next(items)
                headers.setdefault("Content-Type", "application/json")
                headers.setdefault("Accept", "application/json")
            elif arg.startswith("-"):
                raise AssertionError(f"the README test does not know curl's {arg}")
            else:
                url = arg
        assert url is not None, f"no URL in curl {args}"
        parts = urlsplit(url if "://" in url else f"http://{url}")
        server = self.servers.get(parts.port or 80)
        assert server is not None, f"no `jobs-emulator serve &` on port {parts.port} before curl"
        target = server.url + parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            response = httpx.request(
                method or ("POST" if data is not None else "GET"),
                target,
                headers=headers,
                content=data,
                timeout=10,
            )
        except httpx.RemoteProtocolError:  # a dropped connection, as curl reports it
            self.status = 52
            return "curl: (52) Empty reply from server\n" if show_errors else ""
        if output is not None:  # curl -o FILE: the body goes to the file, nothing is shown
            (self.cwd / output).write_text(response.text, encoding="utf-8")
            self.status = 0
            return ""
        body = jq(pipe, response.json()) if pipe else response.text
        if include:
            head = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
            head += [f"{k.decode()}: {v.decode()}" for k, v in response.headers.raw]
            body = "\n".join(head) + "\n\n" + body
        self.status = 0
        return body + "\n"

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()


def jq(pipe: str, value: Any) -> str:
    """The jq the docs use: stages joined by ``|``, each ``.``, a path (``.a.b[0]``),
    ``{a, b}`` or ``del(.a)``; flags ``-r`` (raw strings) and ``-c`` (compact)."""
    words = shlex.split(pipe)
    assert words[0] == "jq", f"the README test only pipes into jq, not {pipe!r}"
    flags = {w for w in words[1:] if w.startswith("-")}
    program = next((w for w in words[1:] if not w.startswith("-")), ".")
    for stage in (part.strip() for part in program.split("|")):
        if stage.startswith("{"):
            value = {key.strip(): value[key.strip()] for key in stage.strip("{}").split(",")}
        elif stage.startswith("del(") and stage.endswith(")"):
            *parents, last = _jq_path(stage[4:-1])
            value = json.loads(json.dumps(value))
            target = value
            for step in parents:
                target = target[step]
            del target[last]
        else:
            for step in _jq_path(stage):
                value = value[step]
    if "-r" in flags and isinstance(value, str):
        return value
    if "-c" in flags:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(value, indent=2, ensure_ascii=False)


def _jq_path(path: str) -> list[str | int]:
    steps = re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", path)
    return [key if key else int(index) for key, index in steps]


def commands(block: Block) -> Iterator[tuple[int, str, str]]:
    """(line, command, expected output) for each ``$ `` prompt of a console block."""
    current: tuple[int, str] | None = None
    expected: list[str] = []
    for offset, text in enumerate(block.text.splitlines()):
        if text.startswith("$ "):
            if current is not None:
                yield current[0], current[1], "\n".join(expected)
            current, expected = (block.line + 1 + offset, text[2:]), []
        elif current is not None:
            expected.append(text)
    if current is not None:
        yield current[0], current[1], "\n".join(expected)


CONSOLE_DOCS = sorted({b.doc for b in ALL if b.lang == "console" and b.runs})


@pytest.mark.parametrize("doc", CONSOLE_DOCS, ids=[str(d.relative_to(ROOT)) for d in CONSOLE_DOCS])
def test_console_session(doc: Path, tmp_path: Path) -> None:
    blocks = [b for b in ALL if b.doc == doc]
    upstream = UPSTREAM_OSAPI.is_dir()
    if upstream:
        shutil.copytree(UPSTREAM_OSAPI, tmp_path / "osapi")
    session = Session(tmp_path)
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    try:
        for block in blocks:
            if "file" in block.directives:
                write_file(block, tmp_path)
            if block.lang != "console" or not block.runs:
                continue
            for line, command, want in commands(block):
                if "osapi/" in command and not upstream:
                    continue  # osapi's own spec is absent here: skip just these commands
                got = session.run(command)
                if not checker.check_output(want.strip() + "\n", got.strip() + "\n", flags):
                    pytest.fail(
                        f"{doc.relative_to(ROOT)}:{line}: $ {command}\n"
                        f"--- documented\n{want}\n--- actual\n{got}"
                    )
    finally:
        session.close()


# -- the Quick start, the installed command, unmarked blocks -----------------------------------


def test_quick_start_is_what_ci_runs() -> None:
    """Exactly two one-line commands; the second is the one `.ci/run` runs, byte for byte."""
    readme = ROOT / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines()
    headings = [n for n, text in enumerate(lines, 1) if text.startswith("## ")]
    start = next(n for n in headings if lines[n - 1] == "## Quick start")
    end = min((n for n in headings if n > start), default=len(lines) + 1)
    commands = [b.text.strip() for b in parse(readme) if start < b.line < end]
    assert len(commands) == 2 and all("\n" not in c for c in commands), (
        f"the Quick start must be exactly two one-line commands, found {commands}"
    )
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, f".ci/run must run the Quick start's second command: {commands[1]}"


def test_console_script_is_installed() -> None:
    """The console examples call the CLI in-process; this runs the installed command."""
    done = subprocess.run(
        [str(BIN / "jobs-emulator"), "check", "--api", "writer"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: writer: 4 operations; scenarios: ")


def test_every_block_is_run_or_marked() -> None:
    """A block in a language the test cannot run must say so: nothing is skipped silently."""
    runnable = {"python", "console", "yaml", "yml", "text", "json", ""}
    silent = [b.where for b in ALL if b.lang not in runnable and b.runs]
    assert not silent, f"mark these blocks <!-- no-test --> or <!-- file: ... -->: {silent}"


def test_nested_runs_ignore_a_hostile_parent_folder(tmp_path: Path) -> None:
    """A stray pyproject.toml, pytest.ini or conftest.py above the scratch folder would be found
    by a nested pytest that looks upwards for its configuration; the examples' runs read only
    the scratch folder's own."""
    make_hostile(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "test_example.py").write_text("def test_it():\n    pass\n")
    unpinned = io.StringIO()
    with (
        contextlib.chdir(scratch),
        contextlib.redirect_stdout(unpinned),
        contextlib.redirect_stderr(unpinned),
    ):
        assert pytest.main(["-q", "-p", "no:cacheprovider", "test_example.py"]) != 0
    # What the parent holds got read: its conftest.py, or its pytest.ini's options.
    assert re.search(r"above the project was loaded|no-such-option", unpinned.getvalue())
    status, output = run_pytest(["-q", "test_example.py"], scratch)
    assert status == 0, output
    (scratch / "pyproject.toml").write_text('[tool.pytest.ini_options]\nemulator_api = "retab"\n')
    (scratch / "test_example.py").write_text(
        "def test_it(pytestconfig):\n    assert pytestconfig.getini('emulator_api') == 'retab'\n"
    )
    status, output = run_pytest(["-q", "test_example.py"], scratch)
    assert status == 0, output  # the folder's own configuration is the one read
