"""``pytest --emulator-report DIR``: an HTML picture of each failed test that used the emulator.

Loaded through its own ``pytest11`` entry point; the option (also the ini key ``emulator_report``)
is declared in ``emulator.settings``. When a test's call phase ends, the namespace is
exported (``GET /_emulator/journal/export``) before the fixture's teardown resets it; if the
call or the teardown (a contract violation) fails, that snapshot becomes
``DIR/<test id>.html``, one self-contained file, and the failure output names it.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.dashboard.failure_report import write
from emulator.errors import EmulatorError
from emulator.settings import options
from emulator.testing.handle import EmulatorHandle

__all__ = ["Reports", "report_name"]

SECTION = "jobs-emulator report"
_SNAPSHOT = pytest.StashKey[dict[str, Any]]()
_WRITTEN = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    # The option is declared in emulator.settings (Reporting) and offered by the main plugin.
    try:
        folder = session_option(config, "report")
    except ValueError:  # the main plugin is disabled (-p no:emulator): no option, no reports
        return
    if folder:
        config.pluginmanager.register(Reports(Path(folder)), "emulator-report")


def session_option(config: pytest.Config, key: str) -> Any:
    """A ``session`` option's value: command line over ini file over its default; a path
    relative to the working directory (command line) or the rootdir (ini)."""
    (opt,) = (o for o in options("session") if o.key == key)
    given, base = config.getoption(f"emulator_{key}", None), config.invocation_params.dir
    if given is None:
        given, base = config.getini(f"emulator_{key}") or None, config.rootpath
    value = opt.default_in("session") if given is None else opt.parse(given)
    if opt.path and value is not None:
        return str((base / Path(value).expanduser()).resolve())
    return value


def report_name(nodeid: str) -> str:
    """A file name for a test id.

    >>> report_name("tests/test_x.py::test_y[a b]")
    'tests-test_x.py-test_y-a-b.html'
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")[:150] + ".html"


class Reports:
    """Writes the reports (on workers) and lists them after the run (where the terminal is)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[str] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Generator[None, Any]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        handle = getattr(item, "funcargs", {}).get("emulator")
        if not isinstance(handle, EmulatorHandle) or report.when == "setup":
            return
        if report.when == "call":
            try:
                item.stash[_SNAPSHOT] = handle.control("GET", "journal/export")
            except (EmulatorError, httpx.HTTPError) as exc:  # keep the failure, say why
                report.sections.append((SECTION, f"no report: the emulator did not answer: {exc}"))
                return
        snapshot = item.stash.get(_SNAPSHOT, None)
        if report.failed and snapshot is not None and _WRITTEN not in item.stash:
            path = write(snapshot, self.folder / report_name(item.nodeid), item.nodeid)
            item.stash[_WRITTEN] = path
            report.sections.append((SECTION, f"timeline and journal of this test: {path}"))
            report.user_properties.append(("emulator_report", str(path)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.written += [str(v) for k, v in report.user_properties if k == "emulator_report"]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written:
            terminalreporter.section(SECTION)
            for path in self.written:
                terminalreporter.write_line(path)
