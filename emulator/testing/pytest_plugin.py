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

Options, first found wins: the ``@pytest.mark.emulator(...)`` marker (every option
``emulator.settings`` offers to pytest: ``api``, ``spec``, ``profile``, ``scenarios``, ``clock``,
``strict``, ``seed``, ``jwt_secret``, ``fallback``, ...; and, per test, ``scenario``,
``in_process`` and ``webhooks``), the command line (``--emulator-api``, ``--emulator-clock``,
``--emulator-strict`` / ``--emulator-no-strict``, ...), the ini file (``emulator_api``,
``emulator_strict``, ...), then the defaults declared in ``emulator.settings``: the writer API
(when no spec or profile is named), strict, manual clock. Relative paths start from the rootdir
(command line: the working directory). With ``in_process=True`` nothing listens on a socket:
give the SDK ``http_client=emulator.client()`` (an async SDK ``emulator.async_client()``) as
well as ``base_url=emulator.url``; an SDK given the URL alone fails on its first request with a
message saying so.
``webhooks=True`` subscribes the built-in receiver (``emulator.webhooks``) to every webhook
event, a list to those events, a URL sends them there (docs/how-to/webhooks.md).

``--emulator-url URL`` (ini ``emulator_url``) runs every test on an emulator already serving
there instead, such as several ``serve`` processes on one Redis behind a balancer that CI
machines share: each test still gets its own namespace (its name ends with a token of the test
process, so machines and xdist workers never meet), freed at teardown, its violations reported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from emulator.errors import EmulatorError
from emulator.settings import options, resolve
from emulator.testing.gap_summary import PROPERTY as GAPS
from emulator.testing.gap_summary import SpecGapSummary
from emulator.testing.handle import EmulatorHandle, check_violations
from emulator.testing.pool import EmulatorPool, ServerConfig, TestOptions
from emulator.testing.report_plugin import session_option

__all__ = ["EmulatorPool", "ServerConfig", "TestOptions", "emulator", "emulator_pool"]

# What only a test's marker says: per namespace, not per server.
_PER_TEST = ("scenario", "in_process", "webhooks")
_KEYS = tuple(o.key for o in options("pytest"))
MARKER_KWARGS = frozenset((*_KEYS, *_PER_TEST))
_PATHS = frozenset(o.key for o in options("pytest") if o.path)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("emulator", "jobs-emulator fixtures")
    # "session" options are one value for the run: a flag and an ini key, no marker argument.
    for opt in (*options("pytest"), *options("session")):
        default = opt.default_in("pytest")
        text = opt.help if default is None else f"{opt.help} (default: {opt.word(default)})"
        flag, dest = "--emulator-" + opt.flag[2:], f"emulator_{opt.key}"
        if opt.kind is bool and opt.choices is None:
            group.addoption(flag, dest=dest, action="store_true", default=None, help=text)
            no_flag = "--emulator-no-" + opt.flag[2:]
            group.addoption(no_flag, dest=dest, action="store_false", help=f"not {flag}")
        elif opt.kind is tuple:
            group.addoption(flag, dest=dest, action="append", default=None, help=text)
        else:
            choices = list(opt.choices) if opt.choices is not None else None
            group.addoption(flag, dest=dest, default=None, choices=choices, help=text)
        # Read as words, like the command line's; an empty value is no value.
        parser.addini(dest, text, default="")


def pytest_configure(config: pytest.Config) -> None:
    arguments = ", ".join(f"{key}=" for key in (*_KEYS, *_PER_TEST))
    config.addinivalue_line(
        "markers", f"emulator({arguments}): configure the `emulator` fixture for this test"
    )
    config.pluginmanager.register(SpecGapSummary(), "emulator-spec-gaps")


def resolve_options(config: pytest.Config, markers: Iterable[pytest.Mark] = ()) -> TestOptions:
    """Markers (closest first) over command line over ini file over defaults, key by key."""
    given: dict[str, Any] = {}
    for values, base in reversed(_layers(config, markers)):
        for key, value in values.items():
            given[key] = _path(value, base) if key in _PATHS else value
    scenario, in_process = given.pop("scenario", None), bool(given.pop("in_process", False))
    hooks = given.pop("webhooks", False)
    try:
        resolved = resolve("pytest", given)
    except ValueError as exc:
        raise pytest.UsageError(f"emulator {exc}") from None
    server = ServerConfig(resolved.sources, replace(resolved.settings, manual_clock=True))
    clock = "manual" if resolved.settings.manual_clock else "real"
    hooks = hooks if isinstance(hooks, bool | str) else tuple(hooks)
    return TestOptions(server, clock, scenario, in_process, hooks)


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
    cli = {k: v for k in _KEYS if (v := config.getoption(f"emulator_{k}")) is not None}
    ini: dict[str, Any] = {k: v for k in _KEYS if (v := config.getini(f"emulator_{k}"))}
    return [(mark, config.rootpath), (cli, config.invocation_params.dir), (ini, config.rootpath)]


def _path(value: Any, base: Path) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def new_namespace(nodeid: str) -> str:
    """The test's namespace, named after its node id: readable in a journal dump, and the same
    on every run, on any xdist worker. The namespace's ids and ``probability`` faults come from
    a generator seeded with the seed and this name, so the same seed and the same test give the
    same ones every time. Each worker has its own servers, and node ids are unique in a
    session, so no two tests share one (a rerun of a test finds it reset at teardown)."""
    test_name = nodeid.rpartition("::")[2] or nodeid
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")[:40]
    return f"{slug}-{hashlib.sha256(nodeid.encode()).hexdigest()[:12]}"


def _prepare(handle: EmulatorHandle, options: TestOptions) -> None:
    """Set what the test asked for on its never-used namespace, which is already as after a reset
    on a manual clock (the pool's servers run one): a control call only for what differs."""
    if options.clock != "manual":
        handle.reset()  # applies the clock mode and the scenario
    elif options.scenario is not None:
        handle.use_scenario(options.scenario)
    hooks = options.webhooks
    if hooks is not False:  # True: every event to the built-in receiver; events; or a URL
        url = hooks if isinstance(hooks, str) else None
        events = hooks if isinstance(hooks, tuple) else None
        handle.webhooks.subscribe(url, events=events)


@pytest.fixture(scope="session")
def emulator_pool(request: pytest.FixtureRequest) -> Iterator[EmulatorPool]:
    """The session's emulators (or the deployment ``--emulator-url`` names); the ``emulator``
    fixture takes a namespace of one of them."""
    pool = EmulatorPool(session_option(request.config, "url"))
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
        namespace = emulator_pool.namespace(new_namespace(request.node.nodeid))
        handle = emulator_pool.handle(options, namespace)
    except (pytest.UsageError, EmulatorError) as exc:  # a bad option or file, not a bad test
        pytest.fail(f"emulator: {exc}", pytrace=False)
    passed = False
    try:
        try:
            _prepare(handle, options)
        except EmulatorError as exc:  # e.g. an unknown scenario name
            pytest.fail(f"emulator: {exc}", pytrace=False)
        yield handle
        passed = True
    finally:
        try:
            # One control call frees the namespace and answers what the check below needs.
            freed = handle.finish()
            if freed.get("spec_gaps"):
                request.node.user_properties.append((GAPS, freed["spec_gaps"]))
        finally:
            handle.close()
    if passed:  # a failed test reports its own failure, not the violations on its way there
        check_violations(handle, freed["violations"])
