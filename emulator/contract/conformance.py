"""Schemathesis against a target, one operation at a time, through its public Python API.

Each operation gets up to ``max_examples`` positive and as many negative cases (hypothesis's
``@given`` over ``operation.as_strategy``), each sent with ``case.call`` to the base URL and
judged by every check schemathesis has (``case.validate_response``); the ``after_validate`` hook
tells which check said what. Failures are collected, not raised, so hypothesis does not shrink:
a contract run reports what it saw and stays within its budget of cases and seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

from emulator.contract.report import Finding, Section
from emulator.contract.target import CouldNotRun, Target

__all__ = ["Budget", "Checks"]


class Budget:
    """The run's deadline (``--max-time``), shared by every part of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


def _path_of(failure: Any) -> str:
    parts = getattr(failure, "instance_path", None)
    if not parts:
        return ""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)


class Checks:
    """One schemathesis schema of the spec, and what its checks said about each response."""

    def __init__(
        self,
        document: Mapping[str, Any],
        config: Mapping[str, Any],
        target: Target,
        *,
        gaps: Mapping[str, frozenset[int]],
        labels: Mapping[str, str],
    ) -> None:
        self.schema = schemathesis.openapi.from_dict(
            dict(document), config=SchemathesisConfig.from_dict(dict(config))
        )
        self.target, self.gaps, self.labels = target, gaps, labels
        self.max_examples = int(config["generation"]["max-examples"])
        self.results: list[tuple[str, Any, list[Any]]] = []

        @self.schema.hook("after_validate")
        def collect(context: Any, case: Any, response: Any, results: list[Any]) -> None:
            self.results.append((case.operation.label, response, results))

    def headers(self) -> dict[str, str]:
        return {**self.target.headers, **self.target.scoped_headers()}

    def validate(self, case: Any, response: Any) -> None:
        # Every failing check was collected by the after_validate hook.
        with contextlib.suppress(AssertionError, BaseExceptionGroup):
            case.validate_response(response, headers=self.headers())

    def drain(self, section: Section, scripted: Mapping[str, frozenset[int]] | None = None) -> None:
        """Move what the checks said since the last drain into ``section``; a failure whose
        status a scenario's fault scripts for that operation (``scripted``) is expected."""
        for label, response, results in self.results:
            name = self.labels.get(label, label)
            for check in results:
                section.ran(name, {check.name}, cases=0)
                if check.failure is not None:
                    finding = self._finding(name, check.name, check.failure, response)
                    if finding.status in (scripted or {}).get(name, frozenset()):
                        finding = replace(
                            finding, known_gap=True, message=f"scripted fault: {finding.message}"
                        )
                    section.add(finding)
        self.results.clear()

    def _finding(self, name: str, check: str, failure: Any, response: Any) -> Finding:
        status = getattr(response, "status_code", None)
        known = check == "status_code_conformance" and status in self.gaps.get(name, frozenset())
        return Finding(
            operation=name,
            check=check,
            message=f"{failure.title}: {_first_line(failure.message)}"[:400],
            path=_path_of(failure),
            status=status,
            known_gap=known,
        )

    def run(self, section: Section, budget: Budget, progress: Callable[[str], None]) -> None:
        """Every operation, positive then negative data, with a progress line each."""
        for result in self.schema.get_all_operations():
            if not isinstance(result, Ok):
                progress(f"  skipped: schemathesis cannot read an operation: {result.err()}")
                continue
            operation = result.ok()
            name = self.labels.get(operation.label, operation.label)
            if budget.spent:
                progress(f"  {name}: skipped (--max-time {budget.seconds:g} s spent)")
                continue
            started, before = time.monotonic(), len(section.findings)
            cases = sum(self._run(operation, m, budget) for m in GenerationMode)
            self.drain(section)
            section.ran(name, cases=cases)
            bad = len(section.findings) - before
            progress(
                f"  {name}: {cases} cases, {bad} findings ({time.monotonic() - started:.1f} s)"
            )

    def _run(self, operation: Any, mode: GenerationMode, budget: Budget) -> int:
        sent = 0
        problem: list[CouldNotRun] = []
        target = self.target

        @hypothesis.settings(
            max_examples=self.max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @hypothesis.given(operation.as_strategy(generation_mode=mode))
        def send(case: Any) -> None:
            nonlocal sent
            if problem or budget.spent:
                return
            try:
                response = case.call(
                    base_url=target.api_url,
                    headers=self.headers(),
                    timeout=target.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout:
                slow = f"did not answer {operation.label} within {target.timeout:g} s"
                problem.append(CouldNotRun(f"{target.base_url} {slow} (raise --timeout)"))
                return
            except requests.RequestException as exc:
                problem.append(
                    CouldNotRun(
                        f"{target.base_url} failed on {operation.label}: "
                        f"{type(exc).__name__}: {exc}"
                    )
                )
                return
            sent += 1
            self.validate(case, response)

        # No negative case exists for an operation that takes no input.
        with contextlib.suppress(hypothesis.errors.Unsatisfiable):
            send()
        if problem:
            raise problem[0]
        return sent
