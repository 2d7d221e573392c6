"""bench/load.py: servers loaded in turn, route by route, and each figure the median round."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.support import REPO


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    module = importlib.import_module("load")
    yield module
    for name in ("load", "servers", "wrk"):
        sys.modules.pop(name, None)


def test_each_route_is_loaded_on_each_server_in_turn_and_the_median_round_kept(
    load: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[tuple[str, str]] = []
    # Round 2 is a busy spell for the emulator; round 3 for bare.
    rps = {
        ("bare", 0): 100,
        ("bare", 1): 101,
        ("bare", 2): 20,
        ("emu", 0): 70,
        ("emu", 1): 10,
        ("emu", 2): 72,
    }

    def one(label: str, root: str, script: str, route: str, args: Any) -> dict[str, float]:
        n = sum(1 for name, r in order if (name, r) == (label, route))
        order.append((label, route))
        return {
            "rps": rps[label, n],
            "p50_ms": 1.0,
            "p99_ms": 90.0 if n == 1 else 4.0 + n,
            "cpu_us": 500.0 if n == 1 else 100.0 + n,
        }

    monkeypatch.setattr(load, "_one", one)
    scripts = {route: "" for route in load.ROUTES}
    targets = {"bare": ("b", scripts), "emu": ("e", scripts)}
    figures = load._rounds(targets, argparse.Namespace(), 3)
    assert order[:3] == [("bare", "poll"), ("emu", "poll"), ("bare", "create")]
    assert len(order) == 3 * 2 * len(load.ROUTES)
    assert figures["bare"]["poll"]["rps"] == 100 and figures["emu"]["poll"]["rps"] == 70
    assert figures["emu"]["poll"]["p99_ms"] == 6.0  # the median p99: the spike is left out
    assert figures["emu"]["poll"]["cpu_us"] == 102.0  # the median CPU per request, likewise
    assert [r["rps"] for r in figures["emu"]["poll"]["rounds"]] == [70, 10, 72]


def test_a_server_s_cpu_counts_every_process_under_it(load: Any) -> None:
    """``serve --workers 2`` is a process with its workers under it: all of their CPU counts."""
    servers = sys.modules["servers"]
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    workers = (
        "import subprocess, sys, time\n"
        f"busy = subprocess.Popen([sys.executable, '-c', {burn!r} + '\\ntime.sleep(30)'])\n"
        "idle = subprocess.Popen(['sleep', '30'])\n"
        "time.sleep(30)"
    )
    process = subprocess.Popen([sys.executable, "-c", workers], start_new_session=True)
    server = servers.Server("emulator", process, 0, 0.0)
    try:
        deadline = time.monotonic() + 20
        while server.tree_cpu_s() < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)  # the busy worker is burning its CPU
        assert len(servers._tree(process.pid)) == 3
        assert server.tree_cpu_s() >= 0.3 > server.cpu_s()
    finally:
        server.stop()
