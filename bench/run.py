"""The emulator's speed, always next to a baseline measured in the same run.

    .venv/bin/python bench/run.py            # about a minute (two on a busy machine)
    .venv/bin/python bench/run.py --quick    # about 15 s, smaller counts
    .venv/bin/python bench/run.py --profile  # also: where a poll's time goes (cProfile)

Absolute figures move with the machine and whatever else runs on it; the ratios to the bare
Starlette baseline are what to compare between runs and machines. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_load
import inprocess

HERE = Path(__file__).resolve().parent

THROUGHPUT_TARGET = 0.60
MEMORY_TARGET_MB = 200.0
# A cost "does not grow" when 100x the jobs costs less than this many times as much.
FLAT = 1.5


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, about 15 s")
    parser.add_argument("--profile", action="store_true", help="print cProfile of emulator polls")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, help="throughput rounds (bare then emulator)")
    parser.add_argument("--seconds", type=float, help="measured seconds per throughput run")
    args = parser.parse_args()
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.seconds = args.seconds or (1.0 if quick else 3.0)
    args.warmup = 0.3 if quick else 0.7
    args.polls = 3_000 if quick else 20_000
    args.profile_polls = 2_000 if quick else 5_000
    args.small, args.large = 1_000, (20_000 if quick else 100_000)
    args.scale_polls = 300 if quick else 1_000
    args.scale_pages = 4 if quick else 10
    args.memory_jobs = 20_000 if quick else 100_000
    args.traced_jobs = 5_000 if quick else 20_000
    return args


def machine() -> None:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (usable {cpus or '?'}), uvicorn with {http} and {loop}"
    )
    if load is not None:
        print(
            f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            " (other processes share the CPUs: compare ratios, not absolute figures)"
        )


def throughput(args: argparse.Namespace) -> None:
    print(
        f"\n== 1. HTTP throughput: GET /v1/applications/jobs/{{id}}, {args.connections} "
        f"keep-alive connections, {args.rounds} x {args.seconds:g} s per app =="
    )
    servers = {kind: http_load.start_server(kind) for kind in ("bare", "emulator")}
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "emulator": []}
    try:
        cpu = servers["bare"].cpu
        print(f"server pinned to CPU {cpu}" if cpu is not None else "server not pinned (1 CPU)")
        for round_no in range(1, args.rounds + 1):
            for kind, server in servers.items():
                result = http_load.measure(server, args.connections, args.warmup, args.seconds)
                runs[kind].append(result)
                print(f"  round {round_no} {kind:9s}{_describe(result)}")
    finally:
        for server in servers.values():
            server.stop()
    rps = {k: statistics.median(r["rps"] for r in runs[k]) for k in runs}
    pairs = zip(runs["bare"], runs["emulator"], strict=True)
    by_rps = statistics.median(e["rps"] / b["rps"] for b, e in pairs)
    cpu = {k: _cpu_us(runs[k]) for k in runs}
    for kind, label in (("bare", "bare Starlette route"), ("emulator", "emulator poll")):
        line = f"{label + ':':22s}{rps[kind]:8.0f} requests/s (median)"
        if cpu[kind]:
            line += f", server CPU {cpu[kind]:5.0f} us per request"
        print(line)
    print(f"ratio emulator/bare by requests/s:       {by_rps:6.1%} (median of the rounds' ratios)")
    ratio = by_rps
    if cpu["bare"] and cpu["emulator"]:
        ratio = cpu["bare"] / cpu["emulator"]
        print(
            f"ratio emulator/bare by CPU per request: {ratio:6.1%} (what one saturated core gives)"
        )
        busiest = statistics.median(r["server_cpu"] for r in runs["emulator"])
        if busiest < 0.9:
            print(
                f"  the server had only {busiest:.0%} of its CPU (other processes): requests/s"
                " depend on the scheduler; the CPU ratio is the one to trust"
            )
    verdict = "meets" if ratio >= THROUGHPUT_TARGET else "BELOW"
    print(f"target: emulator >= {THROUGHPUT_TARGET:.0%} of the bare route: {verdict}")


def _describe(result: dict[str, Any]) -> str:
    text = f"{result['rps']:8.0f} req/s"
    if result.get("server_cpu") is not None:
        text += f", server CPU {result['server_cpu']:4.0%}"
    text += f", client CPU {result['client_cpu']:4.0%}"
    if result["errors"]:
        text += f", {result['errors']} NON-200 ANSWERS"
    return text


def _cpu_us(runs: list[dict[str, Any]]) -> float | None:
    # CPU seconds the server spent per request: what a whole core would cost per request.
    values = [r["server_cpu"] / r["rps"] * 1e6 for r in runs if r.get("server_cpu")]
    return statistics.median(values) if values else None


def server_time(args: argparse.Namespace) -> None:
    print(
        f"\n== 2. Server CPU time per poll, in-process ASGI calls, no HTTP ({args.polls} polls) =="
    )
    cost = inprocess.poll_cost(args.polls)
    print(f"bare Starlette route: {cost.bare_us:7.1f} us per request")
    print(f"emulator poll:        {cost.emulator_us:7.1f} us per poll")
    print(
        f"ratio (as throughput): {cost.bare_us / cost.emulator_us:6.1%}; the emulator's own "
        f"work: {cost.emulator_us - cost.bare_us:.1f} us per poll"
    )
    if args.profile:
        print()
        print(inprocess.profile_polls(args.profile_polls))


def scaling(args: argparse.Namespace) -> None:
    print(f"\n== 3. Scaling: {args.small} vs {args.large} jobs in one namespace and application ==")
    small, large = inprocess.scaling([args.small, args.large], args.scale_polls, args.scale_pages)
    print(f"{'jobs':>8s} {'create us/job':>14s} {'poll us':>9s} {'list limit=20 us':>17s}")
    for s in (small, large):
        print(f"{s.jobs:8d} {s.create_us:14.1f} {s.poll_us:9.1f} {s.list_us:17.1f}")
    factor = large.jobs // small.jobs
    for name, a, b in (
        ("poll", small.poll_us, large.poll_us),
        ("list page", small.list_us, large.list_us),
    ):
        grows = b / a
        shape = "flat: O(1) in jobs" if grows < FLAT else "GROWS with the number of jobs"
        print(f"{name}: x{grows:.2f} for x{factor} jobs ({shape})")


def memory(args: argparse.Namespace) -> None:
    print(f"\n== 4. Memory: {args.memory_jobs} jobs in one namespace (fresh interpreter) ==")
    command = [sys.executable, str(HERE / "inprocess.py"), "memory"]
    command += [str(args.memory_jobs), str(args.traced_jobs)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout)
    rss_100k = result["rss_mb"] / result["jobs"] * 100_000
    traced_100k = result["traced_mb"] / result["traced_jobs"] * 100_000
    verdict = "meets" if rss_100k < MEMORY_TARGET_MB else "ABOVE"
    print(
        f"RSS growth:  {result['rss_mb']:7.1f} MB for {result['jobs']} jobs "
        f"= {rss_100k:6.1f} MB per 100k jobs ({verdict} the {MEMORY_TARGET_MB:.0f} MB target)"
    )
    print(
        f"tracemalloc: {result['traced_mb']:7.1f} MB for {result['traced_jobs']} jobs "
        f"= {traced_100k:6.1f} MB per 100k jobs "
        f"({traced_100k * 2**20 / 100_000:.0f} bytes per job)"
    )


def main() -> None:
    args = options()
    started = time.perf_counter()
    machine()
    throughput(args)
    server_time(args)
    scaling(args)
    memory(args)
    print(f"\nbenchmark done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
