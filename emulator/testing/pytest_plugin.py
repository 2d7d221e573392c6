"""pytest fixtures for the jobs emulator (loaded through the ``pytest11`` entry point).

Each test gets its own namespace of a session-wide emulator: its own jobs, clock, journal and
scenario, so tests never see each other and ``pytest -n auto`` just works. The clock is manual
unless a test asks otherwise, and any contract violation the emulator recorded fails the test
at teardown with the request, the rule and the JSON path.

    import pytest
    import writerai

    @pytest.mark.emulator(api="writer", scenario="fail-then-retry")
    def test_retries_a_failed_job(emulator):
        client = writerai.Writer(api_key="My API Key", base_url=emulator.url)
        job = client.applications.jobs.create(
            application_id="app", inputs=[{"id": "topic", "value": ["shoes"]}]
        )
        while client.applications.jobs.retrieve(job.id).status == "in_progress":
            emulator.clock.advance(30)
        client.applications.jobs.retry(job.id)
        while (status := client.applications.jobs.retrieve(job.id).status) == "in_progress":
            emulator.clock.advance(30)
        assert status == "completed"
        emulator.journal.assert_called("retry", exactly=1)
        emulator.journal.assert_called("retrieve", at_most=10)

Options, first found wins: the ``@pytest.mark.emulator(...)`` marker (``api``, ``scenario``,
``clock``, ``spec``, ``profile``, ``scenarios``, ``strict``, ``seed``, ``jwt_secret``,
``fallback``, ``in_process``), the command line (``--emulator-api``, ``--emulator-spec``,
``--emulator-profile``, ``--emulator-scenarios``, ``--emulator-clock``, ``--emulator-strict`` /
``--emulator-no-strict``), the ini file (``emulator_api``, ``emulator_spec``, ...,
``emulator_strict``), then the defaults: the writer API (when no spec or profile is named),
strict, manual clock. Relative paths start from the rootdir (command line: the working
directory). With ``in_process=True`` nothing listens on a socket: give the SDK
``http_client=emulator.client()`` as well as ``base_url=emulator.url``.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.bundle import BUNDLED_APIS, DEFAULT_API
from emulator.errors import EmulatorError
from emulator.settings import DEFAULT_JWT_SECRET
from emulator.testing.handle import EmulatorHandle, check_violations
from emulator.testing.pool import EmulatorPool, ServerConfig, TestOptions

__all__ = ["EmulatorPool", "ServerConfig", "TestOptions", "emulator", "emulator_pool"]

MARKER_KWARGS = frozenset(
    {"api", "spec", "profile", "scenarios", "strict", "seed", "jwt_secret", "fallback",
     "clock", "scenario", "in_process"}
)  # fmt: skip
# Options set on the command line and in the ini file: (name, help).
_SHARED = (
    ("api", f"bundled API ({', '.join(BUNDLED_APIS)}), or none to serve a spec statelessly"),
    ("spec", "OpenAPI file to serve (relative paths: ini to the rootdir, CLI to the cwd)"),
    ("profile", "provider profile file"),
    ("scenarios", "folder of scenario files"),
    ("clock", "manual (the default: time moves when the test says) or real"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("emulator", "jobs-emulator fixtures")
    for name, help_text in _SHARED:
        group.addoption(f"--emulator-{name}", dest=f"emulator_{name}", default=None, help=help_text)
        parser.addini(f"emulator_{name}", help_text, default="")
    strict = "record request and response violations; answer 500 for a bad response (default)"
    lenient = "record response violations only, and serve those responses anyway"
    group.addoption(
        "--emulator-strict", dest="emulator_strict", action="store_true", default=None, help=strict
    )
    group.addoption(
        "--emulator-no-strict", dest="emulator_strict", action="store_false", help=lenient
    )
    parser.addini("emulator_strict", "strict contract checks (default: true)", "bool", True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "emulator(api=, scenario=, clock=, spec=, profile=, scenarios=, strict=, seed=, "
        "jwt_secret=, fallback=, in_process=): configure the `emulator` fixture for this test",
    )


def resolve_options(config: pytest.Config, markers: Iterable[pytest.Mark] = ()) -> TestOptions:
    """Markers (closest first) over command line over ini file over defaults, key by key."""
    layers = _layers(config, markers)

    def pick(name: str, default: Any = None) -> Any:
        for values, base in layers:
            if name in values:
                return _path(values[name], base) if name in _PATHS else values[name]
        return default

    spec, profile, scenarios = pick("spec"), pick("profile"), pick("scenarios")
    api = pick("api", None if spec or profile else DEFAULT_API)
    clock, fallback = pick("clock", "manual"), pick("fallback", "none")
    if clock not in ("manual", "real"):
        raise pytest.UsageError(f"emulator clock must be manual or real, not {clock!r}")
    if fallback not in ("none", "examples"):
        raise pytest.UsageError(f"emulator fallback must be none or examples, not {fallback!r}")
    server = ServerConfig(
        api=None if str(api).lower() in ("none", "") else str(api),
        spec=spec, profile=profile, scenarios=scenarios, strict=bool(pick("strict", True)),
        seed=int(pick("seed", 0)), jwt_secret=str(pick("jwt_secret", DEFAULT_JWT_SECRET)),
        fallback=fallback,
    )  # fmt: skip
    return TestOptions(server, clock, pick("scenario"), bool(pick("in_process", False)))


_PATHS = frozenset({"spec", "profile", "scenarios"})


def _layers(
    config: pytest.Config, markers: Iterable[pytest.Mark]
) -> list[tuple[dict[str, Any], Path]]:
    """Where options come from, first wins, with the folder their relative paths start from."""
    mark: dict[str, Any] = {}
    for marker in markers:  # a function's marker adds to its class's and module's
        unknown = sorted(set(marker.kwargs) - MARKER_KWARGS) or [repr(a) for a in marker.args]
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.emulator takes keyword arguments {sorted(MARKER_KWARGS)}; "
                f"got {', '.join(unknown)}"
            )
        mark = {**marker.kwargs, **mark}
    names = [name for name, _ in _SHARED]
    cli = {n: v for n in [*names, "strict"] if (v := config.getoption(f"emulator_{n}")) is not None}
    ini: dict[str, Any] = {n: v for n in names if (v := config.getini(f"emulator_{n}"))}
    ini["strict"] = config.getini("emulator_strict")
    return [(mark, config.rootpath), (cli, config.invocation_params.dir), (ini, config.rootpath)]


def _path(value: Any, base: Path) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


_counter = itertools.count(1)


def new_namespace(test_name: str) -> str:
    """Unique per test, per xdist worker and per session; readable in a journal dump."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")[:40]
    return f"{worker}-{next(_counter)}-{slug}-{uuid.uuid4().hex[:6]}"


def _prepare(handle: EmulatorHandle, options: TestOptions) -> None:
    """Set what the test asked for on its never-used namespace, which is already as after a reset
    on a manual clock (the pool's servers run one): a control call only for what differs."""
    if options.clock != "manual":
        handle.reset()  # applies the clock mode and the scenario
    elif options.scenario is not None:
        handle.use_scenario(options.scenario)


@pytest.fixture(scope="session")
def emulator_pool() -> Iterator[EmulatorPool]:
    """The session's emulators; the ``emulator`` fixture takes a namespace of one of them."""
    pool = EmulatorPool()
    yield pool
    pool.close()


@pytest.fixture
def emulator(
    request: pytest.FixtureRequest, emulator_pool: EmulatorPool
) -> Iterator[EmulatorHandle]:
    """A fresh namespace of an emulator configured by the marker, command line and ini file."""
    __tracebackhide__ = True  # a violation report is about the test's traffic, not this code
    try:
        options = resolve_options(request.config, request.node.iter_markers("emulator"))
        handle = emulator_pool.handle(options, new_namespace(request.node.name))
    except (pytest.UsageError, EmulatorError) as exc:  # a bad option or file, not a bad test
        pytest.fail(f"emulator: {exc}", pytrace=False)
    try:
        try:
            _prepare(handle, options)
        except EmulatorError as exc:  # e.g. an unknown scenario name
            pytest.fail(f"emulator: {exc}", pytrace=False)
        yield handle
        check_violations(handle)
    finally:
        try:
            handle.control("POST", "reset")  # free the namespace's jobs and journal
        finally:
            handle.close()
