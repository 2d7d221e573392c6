"""Specs from the wild: every published spec of tests/data/wild served with ``--spec`` alone.

    .venv/bin/python bench/wild.py                     # every spec, 3 examples an operation
    .venv/bin/python bench/wild.py --only github --examples 5
    .venv/bin/python bench/wild.py --update            # also write bench/results/wild.json

For each spec, in fresh processes: **parse** (the baseline: the root file parsed by the
standard library's JSON parser or libyaml, nothing else), then **serve** (``jobs-emulator serve
--spec FILE``, no profile, from launch to its first health answer, and its RSS once listening);
the flaws a full ``check`` finds, by class, repaired or not; then schemathesis against that
server: positive data only, at most ``--examples`` cases an operation, judged by
``not_a_server_error`` and ``response_schema_conformance``. A 500 whose problem type is the
emulator's ``spec-gap`` is an answer the spec cannot describe (a flaw ``check`` lists as not
repaired), counted apart, and so is a failure judged by an operation ``check`` lists as
shadowed (its path differs from another's only by a fragment, which no request carries: the
other one answers); every other failure is the emulator's and must be zero.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis
import requests
import schemathesis
import servers
import spec_load
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

sys.path.insert(0, str(servers.REPO))
from emulator import build
from emulator.openapi.model import Spec
from emulator.openapi.spec_facts import base_path
from tests.openapi.test_wild import CORPUS, profile_for, unpack

RESULTS = servers.HERE / "results" / "wild.json"
SPEC_GAP = "https://jobs-emulator.dev/problems/spec-gap"
CHECKS = [not_a_server_error, response_schema_conformance]
TIME_PER_SPEC_S = 600.0


def credentials(spec: Spec) -> dict[str, str]:
    """Headers that satisfy every security scheme the spec declares (the emulator accepts any
    non-empty credential), so requests reach the operation instead of a 401."""
    headers: dict[str, str] = {}
    for scheme in spec.security_schemes.values():
        if scheme.kind == "apiKey" and scheme.location == "header" and scheme.param_name:
            headers[scheme.param_name] = "bench-key"
        elif scheme.scheme == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"bench:key").decode()
        elif scheme.scheme == "bearer":
            headers.setdefault("Authorization", "Bearer bench-key")
    return headers


def flaws(path: Path) -> dict[str, Any]:
    """What a full ``check`` finds: flaws by class, and how many were repaired."""
    found = build(api=None, spec=path, exhaustive=True).warnings
    return {
        "total": len(found),
        "repaired": sum(1 for f in found if f.repaired),
        "by_class": dict(Counter(f.kind for f in found).most_common()),
        "not_repaired": [f"{f.pointer}: {f.reason}"[:300] for f in found if not f.repaired][:20],
    }


class Run:
    """schemathesis over every operation of one served spec, failures collected."""

    def __init__(
        self,
        path: Path,
        base_url: str,
        headers: dict[str, str],
        examples: int,
        repaired: set[str],
        shadowed: set[str],
    ) -> None:
        self.schema = schemathesis.openapi.from_path(path)
        self.base_url, self.headers, self.examples = base_url, headers, examples
        self.repaired = repaired  # operations ("GET /path") whose schemas the emulator repaired
        self.shadowed = shadowed  # operations no request can reach, listed as such
        self.cases = 0
        self.gaps: Counter[str] = Counter()
        self.as_repaired: list[str] = []
        self.server_errors: list[str] = []
        self.nonconforming: list[str] = []
        self.unreadable: list[str] = []
        self.operations = 0  # operations schemathesis sent cases to

    def all(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        for result in self.schema.get_all_operations():
            if not isinstance(result, Ok):
                self.unreadable.append(str(result.err())[:200])
                continue
            if time.monotonic() > deadline:
                self.unreadable.append(f"{result.ok().label}: not run (time budget spent)")
                continue
            self.operations += 1
            self.operation(result.ok())

    def operation(self, operation: Any) -> None:
        @hypothesis.settings(
            max_examples=self.examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @hypothesis.given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def send(case: Any) -> None:
            try:
                response = case.call(
                    base_url=self.base_url, headers=self.headers, timeout=30, allow_redirects=False
                )
            except requests.RequestException as exc:
                self.server_errors.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:300])
                return
            self.cases += 1
            if response.status_code == 500 and _problem_type(response) == SPEC_GAP:
                self.gaps[operation.label] += 1
                return
            try:
                case.validate_response(response, checks=CHECKS, headers=self.headers)
            except (AssertionError, BaseExceptionGroup) as exc:
                if operation.label in self.shadowed:  # another operation answered, as listed
                    self.gaps[operation.label] += 1
                    return
                where = self.server_errors if response.status_code >= 500 else self.nonconforming
                # schemathesis judges by the spec as written; the emulator's own check (its
                # header names what it finds) by the repaired one. Valid as repaired, in an
                # operation with a listed repair: the repair is what differs.
                checked = "x-emulator-violations" not in response.headers
                if response.status_code < 500 and checked and operation.label in self.repaired:
                    where = self.as_repaired
                where.append(f"{operation.label}: {response.status_code}: {_first_line(exc)}")

        try:
            send()
        except hypothesis.errors.Unsatisfiable:
            pass
        except Exception as exc:  # schemathesis cannot make cases for it (a binary part...)
            self.unreadable.append(f"{operation.label}: not generated: {_first_line(exc)}")


def _problem_type(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("type") if isinstance(body, dict) else None


def _first_line(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[:3])[:300]


def measure(entry: dict[str, Any], examples: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = unpack(entry, Path(tmp))
        spec = build(api=None, spec=path).spec
        row: dict[str, Any] = {
            "dialect": entry["dialect"],
            "size_mb": round(
                sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 1e6, 2
            ),
            "operations": len(spec.operations),
            "parse": spec_load.parse(path),
        }
        row["flaws"] = flaws(path)
        profile = profile_for(Path(tmp), path, spec)
        if profile is not None:  # the same spec with a profile binding two operations
            started = time.perf_counter()
            bound = build(profile=profile)
            row["with_profile"] = {
                "seconds": round(time.perf_counter() - started, 2),
                "flaws": len(bound.warnings),
            }
        server = servers.start(
            "emulator", "--spec", str(path), ready="/_emulator/health", timeout=300
        )
        try:
            row["serve"] = {
                "seconds": server.started_s,
                "cpu_s": server.cpu_s(),
                "rss_mb": server.rss_mb(),
                "load_average": os.getloadavg()[0],  # the machine's, as it started
            }
            repaired = {f"{op.method} {op.path}" for op in spec.operations if op.repairs}
            shadowed = {
                f"{op.method} {op.path}"
                for op in spec.operations
                if any(f.kind == "shadowed-operation" for f in op.flaws)
            }
            url = server.root + base_path(spec.document)
            run = Run(path, url, credentials(spec), examples, repaired, shadowed)
            started = time.perf_counter()
            run.all(seconds)
            row["schemathesis"] = {
                "examples_per_operation": examples,
                "operations": run.operations,
                "cases": run.cases,
                "seconds": round(time.perf_counter() - started, 1),
                "server_errors": len(run.server_errors),
                "nonconforming": len(run.nonconforming),
                "valid_as_repaired": len(run.as_repaired),
                "spec_gap_answers": sum(run.gaps.values()),
                "spec_gap_operations": sorted(run.gaps),
                "failures": (run.server_errors + run.nonconforming)[:30],
                "as_repaired": run.as_repaired[:30],
                "not_run": run.unreadable[:20],
            }
        finally:
            server.stop()
    return row


def report(rows: dict[str, Any]) -> str:
    head = (
        f"{'spec':20s} {'ver':>3s} {'MB':>5s} {'ops':>5s} {'parse s':>7s} {'serve s':>7s} "
        f"{'RSS MB':>6s} {'flaws':>5s} {'fixed':>5s} {'cases':>6s} {'5xx':>3s} {'bad':>3s} "
        f"{'rep':>3s} {'gaps':>4s}  flaw classes"
    )
    lines = [head]
    for name, row in rows.items():
        st = row["schemathesis"]
        classes = ", ".join(f"{k} {n}" for k, n in row["flaws"]["by_class"].items()) or "-"
        lines.append(
            f"{name:20s} {row['dialect']:>3s} {row['size_mb']:5.1f} {row['operations']:5d} "
            f"{row['parse']['seconds']:7.2f} {row['serve']['seconds']:7.2f} "
            f"{row['serve']['rss_mb']:6.0f} {row['flaws']['total']:5d} "
            f"{row['flaws']['repaired']:5d} {st['cases']:6d} {st['server_errors']:3d} "
            f"{st['nonconforming']:3d} {st.get('valid_as_repaired', 0):3d} "
            f"{st['spec_gap_answers']:4d}  {classes}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="cases an operation at most")
    parser.add_argument("--only", action="append", help="a corpus spec by name (repeatable)")
    parser.add_argument("--seconds", type=float, default=TIME_PER_SPEC_S, help="per spec, at most")
    parser.add_argument("--update", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()
    rows: dict[str, Any] = {}
    for entry in CORPUS:
        if args.only and entry["name"] not in args.only:
            continue
        print(f"{entry['name']}...", file=sys.stderr, flush=True)
        row = rows[entry["name"]] = measure(entry, args.examples, args.seconds)
        print(report({entry["name"]: row}).splitlines()[1], file=sys.stderr)
        for failure in row["schemathesis"]["failures"]:
            print(f"  {failure}", file=sys.stderr, flush=True)
        if args.update:  # each spec's row as soon as it is measured; the others' rows kept
            kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            RESULTS.write_text(json.dumps({**kept, entry["name"]: row}, indent=2) + "\n")
    print(report(rows))
    for name, row in rows.items():
        for failure in row["schemathesis"]["failures"]:
            print(f"  {name}: {failure}")


if __name__ == "__main__":
    main()
