"""What a contract run found, and the three ways it is told: text, JSON and JUnit XML.

A finding names the operation, the check, the JSON path (when there is one) and what was wrong.
Findings of the same operation, check and message are counted once with the number of cases.
The JUnit file has one ``testsuite`` per part of the run (conformance, stateful, replay) and one
``testcase`` per operation and check, so a CI server lists each failing check on its own line;
it is written with the standard library's ElementTree (no extra dependency for ~30 lines).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

__all__ = ["EXIT_CLEAN", "EXIT_FAILED", "EXIT_NOT_RUN", "Finding", "Report", "Section"]

EXIT_CLEAN, EXIT_FAILED, EXIT_NOT_RUN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Finding:
    operation: str
    check: str
    message: str
    path: str = ""
    status: int | None = None
    expected: Any = None
    actual: Any = None
    known_gap: bool = False

    def line(self) -> str:
        where = f" at {self.path}" if self.path else ""
        values = ""
        if self.expected is not None or self.actual is not None:
            values = f" (expected {_short(self.expected)}, got {_short(self.actual)})"
        return f"{self.message}{where}{values}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass(slots=True)
class Section:
    """One part of a run (``conformance``, ``stateful``, ``replay``): its operations and cases."""

    name: str
    cases: Counter[str] = field(default_factory=Counter)
    checks: dict[str, set[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def ran(self, operation: str, checks: set[str] | None = None, cases: int = 1) -> None:
        self.cases[operation] += cases
        self.checks.setdefault(operation, set()).update(checks or ())

    def add(self, finding: Finding) -> None:
        if finding not in self.findings:
            self.findings.append(finding)
        self.checks.setdefault(finding.operation, set()).add(finding.check)
        self.cases.setdefault(finding.operation, 0)


@dataclass(slots=True)
class Report:
    title: str
    base_url: str
    sections: list[Section] = field(default_factory=list)
    error: str | None = None
    elapsed: float = 0.0

    def section(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        self.sections.append(Section(name))
        return self.sections[-1]

    @property
    def failures(self) -> list[Finding]:
        return [f for s in self.sections for f in s.findings if not f.known_gap]

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return EXIT_NOT_RUN
        return EXIT_FAILED if self.failures else EXIT_CLEAN

    def summary(self) -> str:
        lines = [f"{self.title} against {self.base_url}"]
        for section in self.sections:
            total = sum(section.cases.values())
            bad = [f for f in section.findings if not f.known_gap]
            lines.append(
                f"{section.name}: {len(section.cases)} operations, {total} cases, "
                f"{len(bad)} failures"
            )
            for operation in sorted(section.checks):
                found = [f for f in section.findings if f.operation == operation]
                if not found:
                    continue
                lines.append(f"  {operation}")
                for check in sorted({f.check for f in found}):
                    lines.append(f"    {check}")
                    for f in (f for f in found if f.check == check):
                        mark = "known spec gap: " if f.known_gap else ""
                        lines.append(f"      - {mark}{f.line()}")
        if self.error is not None:
            lines.append(f"could not run: {self.error}")
        verdict = {0: "clean", 1: f"{len(self.failures)} failures", 2: "not run"}[self.exit_code]
        lines.append(f"result: {verdict} (exit {self.exit_code}, {self.elapsed:.1f} s)")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "base_url": self.base_url,
            "exit_code": self.exit_code,
            "error": self.error,
            "elapsed": round(self.elapsed, 3),
            "sections": [
                {
                    "name": s.name,
                    "operations": dict(sorted(s.cases.items())),
                    "findings": [asdict(f) for f in s.findings],
                }
                for s in self.sections
            ],
        }

    def write_json(self, path: str | Path) -> None:
        text = json.dumps(self.as_json(), indent=2, ensure_ascii=False, default=str)
        Path(path).write_text(text + "\n", encoding="utf-8")

    def junit(self) -> ElementTree.Element:
        root = ElementTree.Element("testsuites", name=self.title)
        for section in self.sections:
            suite = ElementTree.SubElement(root, "testsuite", name=section.name)
            counts = Counter[str]()
            for operation in sorted(section.checks):
                for check in sorted(section.checks[operation] or {"request"}):
                    case = ElementTree.SubElement(
                        suite, "testcase", name=f"{operation} {check}", classname=section.name
                    )
                    counts["tests"] += 1
                    found = [
                        f
                        for f in section.findings
                        if (f.operation, f.check) == (operation, check) and not f.known_gap
                    ]
                    if found:
                        counts["failures"] += 1
                        failure = ElementTree.SubElement(
                            case, "failure", message=found[0].line()[:500], type=check
                        )
                        failure.text = "\n".join(f.line() for f in found)
            suite.set("tests", str(counts["tests"]))
            suite.set("failures", str(counts["failures"]))
            suite.set("errors", "0")
        if self.error is not None:
            suite = ElementTree.SubElement(
                root, "testsuite", name="run", tests="1", failures="0", errors="1"
            )
            case = ElementTree.SubElement(suite, "testcase", name="target", classname="run")
            ElementTree.SubElement(case, "error", message=self.error, type="could-not-run")
        return root

    def write_junit(self, path: str | Path) -> None:
        tree = ElementTree.ElementTree(self.junit())
        ElementTree.indent(tree)
        tree.write(path, encoding="utf-8", xml_declaration=True)
