"""What the ``emulator`` fixture costs a test before the test does anything.

    .venv/bin/python bench/fixture_overhead.py [N]     # N trivial tests per variant (200)

Runs N trivial tests three times in fresh ``pytest`` subprocesses, in the same run: without the
fixture (the baseline), with it on the session's live server, and with it in-process. Each test
only reads ``emulator.url``. Reports each run's wall time and, from pytest's own phase times,
the median setup + call + teardown per test (the first test left out: it builds and starts the
server once for the session); the fixture's cost is the difference to the baseline.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 5.0
VARIANTS = {
    "without the fixture": "def test_{n}():\n    assert True\n",
    "emulator (live server)": "def test_{n}(emulator):\n    assert emulator.url\n",
    "emulator (in-process)": (
        "@pytest.mark.emulator(in_process=True)\ndef test_{n}(emulator):\n    assert emulator.url\n"
    ),
}
RECORDER = """
import json

PHASES = {}


def pytest_runtest_logreport(report):
    PHASES.setdefault(report.nodeid, 0.0)
    PHASES[report.nodeid] += report.duration


def pytest_sessionfinish(session):
    with open("phases.json", "w") as out:
        json.dump(list(PHASES.values()), out)
"""


def run_variant(folder: Path, body: str, count: int) -> tuple[float, list[float]]:
    folder.mkdir()
    (folder / "conftest.py").write_text(RECORDER)
    tests = "\n\n".join(body.format(n=n) for n in range(count))
    (folder / "test_trivial.py").write_text(f"import pytest\n\n\n{tests}")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    wall = time.perf_counter() - started
    return wall, json.loads((folder / "phases.json").read_text())


def measure(count: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, body) in enumerate(VARIANTS.items()):
            wall, phases = run_variant(Path(tmp) / f"v{i}", body, count)
            results[name] = {
                "wall_s": wall,
                "per_test_ms": statistics.median(phases[1:]) * 1e3,
                "first_test_ms": phases[0] * 1e3,
            }
    base = results["without the fixture"]["per_test_ms"]
    for result in results.values():
        result["overhead_ms"] = result["per_test_ms"] - base
    return results


def report(results: dict[str, dict[str, float]], count: int) -> str:
    lines = [f"fixture overhead: {count} trivial tests per run, one pytest process each"]
    lines.append(f"{'':26s}{'wall':>8s}{'first test':>12s}{'per test':>10s}{'overhead':>10s}")
    for name, r in results.items():
        lines.append(
            f"{name:26s}{r['wall_s']:7.2f}s{r['first_test_ms']:10.1f}ms"
            f"{r['per_test_ms']:8.2f}ms{r['overhead_ms']:8.2f}ms"
        )
    worst = max(r["overhead_ms"] for r in results.values())
    verdict = "meets" if worst < TARGET_MS else "ABOVE"
    lines.append(f"target: overhead under {TARGET_MS:g} ms per test: {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(report(measure(n), n))
