"""Server-side cost without HTTP: the ASGI apps called directly, one request after another.

No socket, no HTTP parser, no client: what is left is the app's own time per request, which
is what the emulator's code controls. Run as a script (``python bench/inprocess.py memory N``)
it measures memory in a fresh interpreter, so earlier parts of the benchmark do not blur it.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import json
import math
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps import (
    BARE_JOB_ID,
    POLL_HEADERS,
    build_bare,
    build_emulator,
    list_path,
    poll_path,
    start_jobs,
)

ASGIApp = Callable[..., Any]
_BODY = {"type": "http.request", "body": b"", "more_body": False}
# The event loop and this harness sit above everything with the whole time: not worth a row.
_NOT_HARNESS = r"^(?!.*(?:runners\.py|base_events\.py|events\.py|inprocess\.py|_contextvars))"


def scope_for(path: str, query: str = "") -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1")]
    headers += [(k.encode(), v.encode()) for k, v in POLL_HEADERS.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _receive() -> dict[str, Any]:
    return _BODY


async def _requests(app: ASGIApp, scope: dict[str, Any], count: int) -> None:
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(count):
        # Starlette writes into the scope; every real request gets a fresh one too.
        await app(dict(scope), _receive, send)
    bad = [s for s in statuses if s != 200]
    if bad or len(statuses) != count:
        raise RuntimeError(f"{scope['path']}: {len(bad)} non-200 answers, e.g. {bad[:3]}")


def run(app: ASGIApp, scope: dict[str, Any], count: int) -> None:
    asyncio.run(_requests(app, scope, count))


def cpu_us(app: ASGIApp, scope: dict[str, Any], count: int, repeats: int = 5) -> float:
    """CPU microseconds per request: the best of ``repeats`` batches of ``count`` requests.

    This process's CPU time, not wall time, and the best batch: other processes on a shared
    machine can only add to a batch's time, so the minimum is closest to the code's own cost.
    """
    run(app, scope, min(200, count))
    best = math.inf
    for _ in range(repeats):
        started = time.process_time()
        run(app, scope, count)
        best = min(best, time.process_time() - started)
    return best / count * 1e6


@dataclass
class PollCost:
    emulator_us: float
    bare_us: float


def poll_cost(count: int) -> PollCost:
    """Per request, over ``count`` polls of each app (in five batches)."""
    emulator = build_emulator()
    job = start_jobs(emulator, 1)[0]
    batch = max(1, count // 5)
    return PollCost(
        emulator_us=cpu_us(emulator, scope_for(poll_path(job.id)), batch),
        bare_us=cpu_us(build_bare(), scope_for(poll_path(BARE_JOB_ID)), batch),
    )


def profile_polls(count: int, top: int = 15) -> str:
    """cProfile of ``count`` emulator polls: the top functions by cumulative, then own time."""
    emulator = build_emulator()
    job = start_jobs(emulator, 1)[0]
    scope = scope_for(poll_path(job.id))
    run(emulator, scope, 200)
    profiler = cProfile.Profile()
    profiler.enable()
    run(emulator, scope, count)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"--- top {top} by cumulative time ({count} polls) ---\n")
    stats.sort_stats("cumulative").print_stats(_NOT_HARNESS, top)
    out.write(f"--- top {top} by own time ---\n")
    stats.sort_stats("tottime").print_stats(_NOT_HARNESS, top)
    return out.getvalue()


@dataclass
class Scale:
    jobs: int
    create_us: float
    poll_us: float = math.inf
    list_us: float = math.inf


def scaling(sizes: list[int], polls: int, pages: int, repeats: int = 3) -> list[Scale]:
    """Poll and list-page (limit 20) cost with each number of jobs in one namespace.

    All sizes are built first and then measured in turns, so a busy spell on the machine hits
    every size alike instead of making one of them look slow.
    """
    setups = []
    for jobs in sizes:
        emulator = build_emulator()
        started = time.process_time()
        created = start_jobs(emulator, jobs)
        result = Scale(jobs, (time.process_time() - started) / jobs * 1e6)
        middle = created[len(created) // 2].id
        poll, page = scope_for(poll_path(middle)), scope_for(list_path(), "limit=20")
        setups.append((emulator, poll, page, result))
    for _ in range(repeats):
        for emulator, poll, page, result in setups:
            result.poll_us = min(result.poll_us, cpu_us(emulator, poll, polls, repeats=1))
            result.list_us = min(result.list_us, cpu_us(emulator, page, pages, repeats=1))
    return [result for *_, result in setups]


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        import resource  # the peak, where /proc is missing: still an upper bound

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def memory(jobs: int, traced_jobs: int) -> dict[str, float]:
    """RSS growth for ``jobs`` jobs, then tracemalloc's count for ``traced_jobs`` more.

    RSS first and without tracemalloc, whose own bookkeeping would inflate it; tracemalloc
    slows allocation several times, so it counts a sample, scaled to 100k in the report.
    """
    emulator = build_emulator()
    start_jobs(emulator, 10, "warm-up")
    gc.collect()
    before = _rss_bytes()
    kept = start_jobs(emulator, jobs, "rss")
    gc.collect()
    rss = _rss_bytes() - before
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    kept += start_jobs(emulator, traced_jobs, "traced")
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {
        "jobs": jobs,
        "rss_mb": rss / 2**20,
        "traced_jobs": traced_jobs,
        "traced_mb": traced / 2**20,
        "kept": len(kept),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["memory"]:
        print(json.dumps(memory(int(sys.argv[2]), int(sys.argv[3]))))
