"""What shared state (``--state redis://...``) costs and what more workers give, in one run.

    .venv/bin/python bench/shared_state.py [--quick] [--seconds S] [--rounds N] [--jobs N]

Side by side, loaded in turn by the same ``wrk`` (1 thread, 16 connections): ``jobs-emulator
serve`` with its state in memory (the baseline), the same on Redis, and ``serve --workers 2`` on
Redis, for polls (rotating over 200 jobs, as many clients poll many jobs) and creates. Then, in
process (no HTTP): the time a request spends on Redis, and how many round trips it makes; and
Redis's resident memory per 100k jobs created over HTTP.

Where the machine has 2 CPUs (``os.cpu_count()``), one server process is pinned to CPU 0 and
``wrk`` and ``redis-server`` share CPU 1; two workers get CPUs 0 and 1, which they share with
``wrk`` and Redis: two free cores for them cannot be had, and the two-worker figure says what
the machine, not the design, allows (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import performance_page
import servers
import wrk
from state_file import measure as in_process

from emulator import Settings, build

ROUTES = ("poll", "create")
POLLED = 200
SCENARIOS = "bench/scenarios"
CONFIGS = {
    "memory, 1 worker": ([], servers.SERVER_CPU),
    "Redis, 1 worker": (["--state"], servers.SERVER_CPU),
    "Redis, 2 workers": (["--workers", "2", "--state"], f"{servers.SERVER_CPU},{servers.LOAD_CPU}"),
}


class Redis:
    """``redis-server`` on a free TCP port, pinned to the load's CPU, no persistence."""

    def __init__(self, folder: Path) -> None:
        self.port = servers.free_port()
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        command = [binary, "--port", str(self.port), "--bind", servers.HOST, "--save", ""]
        command += ["--appendonly", "no", "--dir", str(folder), "--databases", "16"]
        self.process = subprocess.Popen(
            servers.pinned(servers.LOAD_CPU, command),
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        self.client = redis.Redis(host=servers.HOST, port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def url(self, db: int) -> str:
        return f"redis://{servers.HOST}:{self.port}/{db}"

    def database(self, db: int) -> Any:
        import redis

        return redis.Redis(host=servers.HOST, port=self.port, db=db)

    def info(self, section: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.info(section)
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _scripts(root: str) -> dict[str, str]:
    polled = [load._create(root, "", "happy-path") for _ in range(POLLED)]
    jobs = "/v1/applications/jobs"
    return {
        "poll": wrk.script("GET", [f"{jobs}/{job}" for job in polled]),
        "create": wrk.script("POST", [f"/v1/applications/{load.APP}/jobs"], wrk.BODY),
    }


def _http(redis: Redis, args: argparse.Namespace) -> dict[str, Any]:
    started: dict[str, servers.Server] = {}
    try:
        for n, (name, (extra, cpus)) in enumerate(CONFIGS.items()):
            flags = [*extra, redis.url(n + 1)] if "--state" in extra else extra
            started[name] = servers.start(
                "emulator", "--scenarios", SCENARIOS, *flags, ready="/_emulator/health", cpus=cpus
            )
        targets = {name: (server.root, _scripts(server.root)) for name, server in started.items()}
        runs: dict[str, dict[str, list[Any]]] = {n: {r: [] for r in ROUTES} for n in targets}
        for n in range(args.rounds):
            print(f"  -- round {n + 1} of {args.rounds}", flush=True)
            for route in ROUTES:
                for name, (root, scripts) in targets.items():
                    cpu_s = started[name].tree_cpu_s
                    runs[name][route].append(
                        load._one(name, root, scripts[route], route, args, cpu_s)
                    )
        return {
            name: {route: load._median(got) for route, got in by.items()}
            for name, by in runs.items()
        }
    finally:
        for server in started.values():
            server.stop()


def _round_trips(redis: Redis, count: int) -> dict[str, Any]:
    """In process: microseconds per poll and create in memory and on Redis, Redis's commands
    per request, the round trips each makes (a poll of a job the worker served last: one),
    and one bare round trip (PING) from Python for scale."""
    memory = in_process(_app(None), count)
    before = _calls(redis)
    app = _app(redis.url(9))
    shared = in_process(app, count, round_trips=lambda: int(app.shared.state.round_trips))
    calls = (_calls(redis) - before) / (2 * count + 200)
    trips = {route: shared.pop(f"{route}_round_trips") for route in ROUTES}
    started = time.perf_counter()
    for _ in range(count):
        redis.client.ping()
    ping_us = (time.perf_counter() - started) / count * 1e6
    return {
        "memory_us": {k: v * 1e6 for k, v in memory.items()},
        "redis_us": {k: v * 1e6 for k, v in shared.items()},
        "commands_per_request": calls,
        "round_trips": trips,
        "ping_us": ping_us,
    }


def _app(url: str | None) -> Any:
    return build(api="writer", settings=Settings(manual_clock=True, strict=True, state=url))


def _calls(redis: Redis) -> int:
    stats = redis.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


def _memory(redis: Redis, args: argparse.Namespace) -> dict[str, Any]:
    """Redis's RSS before and after ``args.jobs`` creates over HTTP (each with its journal
    entry, the journal bounded as in memory), per 100k jobs."""
    server = servers.start(
        "emulator", "--scenarios", SCENARIOS, "--state", redis.url(10), ready="/_emulator/health"
    )
    try:
        redis.client.execute_command("MEMORY", "PURGE")
        before = redis.info("memory")["used_memory_rss"]
        path = f"/_ns/full/v1/applications/{load.APP}/jobs"
        print(f"  filling /_ns/full with {args.jobs:,} jobs (wrk, creates)", flush=True)
        made = wrk.fill(server.root + path, path, args.jobs, connections=args.connections)
        after = redis.info("memory")["used_memory_rss"]
        database = redis.database(10)
        keys = database.keys("*:ns:4:full:jobs")
        jobs_hash = int(database.memory_usage(keys[0], samples=0) or 0) if keys else 0
    finally:
        server.stop()
    per = 100_000 / max(made, 1)
    return {
        "jobs": made,
        "rss_before_mb": before / 2**20,
        "rss_after_mb": after / 2**20,
        "rss_per_100k_mb": (after - before) / 2**20 * per,
        "jobs_hash_per_100k_mb": jobs_hash / 2**20 * per,
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    if not wrk.available() or shutil.which("redis-server") is None:
        print("\nshared state: SKIPPED: wrk or redis-server is not installed")
        return {"skipped": "wrk or redis-server is not installed"}
    load_average = os.getloadavg()[0]
    print(
        f"\n== Shared state: memory vs Redis, 1 and 2 workers; wrk on CPU {servers.LOAD_CPU} "
        f"with redis-server, {args.rounds} rounds, {args.seconds:g} s per route =="
    )
    with tempfile.TemporaryDirectory() as scratch:
        redis = Redis(Path(scratch))
        try:
            results = {
                "cpus": os.cpu_count(),
                "load_average": load_average,
                "rounds": args.rounds,
                "seconds": args.seconds,
                "http": _http(redis, args),
                "in_process": _round_trips(redis, args.polls),
                "memory": _memory(redis, args),
            }
        finally:
            redis.stop()
    print("\n" + report(results))
    return results


TARGETS = {"Redis, 1 worker": 0.6, "Redis, 2 workers": 1.6}


def report(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"shared state skipped: {results['skipped']}"
    http = results["http"]
    base, one = http["memory, 1 worker"], http["Redis, 1 worker"]
    lines = [
        f"{'route':8}{'deployment':20}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'CPU us':>8}"
        f"{'ratio':>18}"
    ]
    for route in ROUTES:
        for name, figures in http.items():
            r = figures[route]
            if name == "Redis, 2 workers":
                ratio = f"{r['rps'] / one[route]['rps']:.2f} of 1 worker"
            else:
                ratio = f"{r['rps'] / base[route]['rps']:.2f} of memory"
            cpu = f"{r['cpu_us']:8.0f}" if "cpu_us" in r else f"{'-':>8}"
            lines.append(
                f"{route:8}{name:20}{r['rps']:9.0f}{r['p50_ms']:8.2f}{r['p99_ms']:8.2f}{cpu}"
                f"{ratio:>18}"
            )
        projected = performance_page.two_core_projection(http, route)
        if projected is not None:
            lines.append(f"{'':8}2 workers, a core free for each (projected): {projected:.2f}")
    paired = performance_page.paired_line(http)
    if paired is not None:
        lines.append(paired)
    cost = results["in_process"]
    for route in ROUTES:
        added = cost["redis_us"][route] - cost["memory_us"][route]
        lines.append(
            f"in process, {route}: {cost['memory_us'][route]:.0f} us in memory, "
            f"{cost['redis_us'][route]:.0f} us on Redis (+{added:.0f} us)"
        )
    trips = cost.get("round_trips", {})
    lines.append(
        f"round trips per poll {trips.get('poll', 0):.2f}, per create {trips.get('create', 0):.2f}"
    )
    lines.append(
        f"Redis commands per request {cost['commands_per_request']:.1f}; one round trip "
        f"(PING from Python) {cost['ping_us']:.0f} us"
    )
    memory = results["memory"]
    lines.append(
        f"Redis RSS {memory['rss_before_mb']:.0f} -> {memory['rss_after_mb']:.0f} MB for "
        f"{memory['jobs']:,} jobs: {memory['rss_per_100k_mb']:.0f} MB per 100k jobs (the jobs "
        f"hash alone {memory['jobs_hash_per_100k_mb']:.0f} MB; the rest is the journal, bounded)"
    )
    return "\n".join(lines)


def sized(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` (``bench/run.py``'s or this script's) with this benchmark's own sizes."""
    sized = argparse.Namespace(**vars(args))
    sized.polls = 500 if args.quick else 2000
    return sized


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 s per load, 1 round, 20k jobs")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--seconds", type=float, help="seconds per load (3; quick 1)")
    parser.add_argument("--rounds", type=int, help="rounds of every load (5; quick 1)")
    parser.add_argument("--jobs", type=int, help="jobs for Redis's RSS (100k; quick 20k)")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="put these figures in bench/results/latest.json and the performance page",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (1.0 if args.quick else 3.0)
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.jobs = args.jobs or (20_000 if args.quick else 100_000)
    return sized(args)


if __name__ == "__main__":
    args = options()
    figures = measure(args)
    if args.update_docs:
        results = json.loads(performance_page.LATEST.read_text())
        results["shared_state"] = figures
        performance_page.LATEST.write_text(json.dumps(results, indent=2) + "\n")
        performance_page.update(performance_page.PAGE, results)
        print(f"wrote these figures into {performance_page.LATEST} and {performance_page.PAGE}")
