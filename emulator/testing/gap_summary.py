"""The pytest terminal summary's "jobs-emulator spec gaps": undeclared statuses the emulator
served during the session because the profile says the provider sends them.

A spec gap never fails a test (it is the spec's omission, not the client's or the emulator's
fault); the summary shows a team what its spec lacks. The ``emulator`` fixture reads each
namespace's gaps from the answer of its closing reset (``spec_gaps``) and hands them over as a
user property of the test, so they travel from xdist workers to the terminal with the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

__all__ = ["PROPERTY", "SECTION", "SpecGapSummary"]

PROPERTY = "emulator_spec_gaps"
SECTION = "jobs-emulator spec gaps"


class SpecGapSummary:
    """Counts each (operation, status) over the session and notes the first test that met it."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.first: dict[tuple[str, int], str] = {}

    def add(self, nodeid: str, gaps: Iterable[Mapping[str, Any]]) -> None:
        for gap in gaps:
            key = (str(gap["operation"]), int(gap["status"]))
            self.counts[key] = self.counts.get(key, 0) + int(gap.get("count", 1))
            self.first.setdefault(key, nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            for key, value in report.user_properties:
                if key == PROPERTY and isinstance(value, list):
                    self.add(report.nodeid, value)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.counts:
            return
        terminalreporter.section(SECTION)
        for (operation, status), count in sorted(self.counts.items()):
            times = "once" if count == 1 else f"{count} times"
            terminalreporter.write_line(
                f"{operation}: {status} is not declared by the spec; served {times} "
                f"(first in {self.first[(operation, status)]})"
            )
