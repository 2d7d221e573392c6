"""HTTP load, side by side: the bare route, the emulator as ``jobs-emulator serve`` runs, Prism.

For each route (poll, create with a body, retry, a list page of 20) ``wrk`` loads each server
for the same time with the same connections, server and load on different CPUs. The emulator
is measured twice: in a namespace holding only the benchmark's own jobs, and in one holding
100k more (created over HTTP beforehand, which is also where its RSS is read).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import servers
import wrk

APP = "bench-app"
ROUTES = ("poll", "create", "retry", "list")
FAILED_JOBS = 200  # retries rotate over these, so no one job's history grows long
PLACEHOLDER_ID = "0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b"
SPEC = "specs/writer.yaml"


def _create(root: str, prefix: str, scenario: str) -> str:
    response = httpx.post(
        f"{root}{prefix}/v1/applications/{APP}/jobs",
        content=wrk.BODY,
        headers={
            "authorization": wrk.AUTH,
            "content-type": "application/json",
            "x-emulator-scenario": scenario,
        },
    )
    response.raise_for_status()
    return str(response.json()["id"])


def _scripts(prefix: str, poll_id: str, failed: list[str]) -> dict[str, str]:
    jobs = f"{prefix}/v1/applications/jobs"
    return {
        "poll": wrk.script("GET", [f"{jobs}/{poll_id}"]),
        "create": wrk.script("POST", [f"{prefix}/v1/applications/{APP}/jobs"], wrk.BODY),
        "retry": wrk.script("POST", [f"{jobs}/{i}/retry" for i in failed]),
        "list": wrk.script("GET", [f"{prefix}/v1/applications/{APP}/jobs?limit=20"]),
    }


def _emulator_scripts(root: str, prefix: str) -> dict[str, str]:
    poll_id = _create(root, prefix, "happy-path")
    for _ in range(19):  # a full first page
        _create(root, prefix, "happy-path")
    failed = [_create(root, prefix, "always-failed") for _ in range(FAILED_JOBS)]
    return _scripts(prefix, poll_id, failed)


def _one(
    label: str,
    root: str,
    script: str,
    route: str,
    args: argparse.Namespace,
    cpu_s: Callable[[], float] | None = None,
) -> Any:
    """One measured load (after a warm-up); with ``cpu_s`` (the server's CPU seconds so far),
    also the server's CPU per request, ``cpu_us``."""
    # A short warm-up first: caches, allocator and connections warm after the other server ran.
    wrk.run(root, script, connections=args.connections, seconds=min(1, args.seconds))
    before = cpu_s() if cpu_s is not None else 0.0
    r = wrk.run(root, script, connections=args.connections, seconds=args.seconds)
    cpu = ""
    if cpu_s is not None:
        r["cpu_us"] = (cpu_s() - before) / max(r["requests"], 1) * 1e6
        cpu = f"  CPU {r['cpu_us']:4.0f} us/req"
    bad = f", {r['non_2xx']} non-2xx" if r["non_2xx"] else ""
    print(
        f"  {label:18s}{route:7s}{r['rps']:9.0f} req/s  p50 {r['p50_ms']:6.2f} ms"
        f"  p99 {r['p99_ms']:6.2f} ms{cpu}{bad}",
        flush=True,
    )
    return r


def _rounds(
    targets: dict[str, tuple[str, dict[str, str]]], args: argparse.Namespace, rounds: int
) -> dict[str, dict[str, Any]]:
    """Each route on each server in turn, ``rounds`` times: a busy spell of the machine hits
    one run of one server, and the median of the rounds leaves it out of both figures."""
    runs: dict[str, dict[str, list[Any]]] = {name: {r: [] for r in ROUTES} for name in targets}
    for n in range(rounds):
        if rounds > 1:
            print(f"  -- round {n + 1} of {rounds}")
        for route in ROUTES:
            for name, (root, scripts) in targets.items():
                runs[name][route].append(_one(name, root, scripts[route], route, args))
    return {name: {r: _median(got) for r, got in by.items()} for name, by in runs.items()}


def _median(runs: list[Any]) -> Any:
    """The run of median requests/s, with its p99 the median p99 (each has its own outliers);
    every round's figures are kept under ``rounds``."""
    chosen = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
    chosen["p99_ms"] = sorted(r["p99_ms"] for r in runs)[len(runs) // 2]
    kept = ("rps", "p50_ms", "p99_ms", "cpu_us")
    if all("cpu_us" in r for r in runs):
        chosen["cpu_us"] = sorted(r["cpu_us"] for r in runs)[len(runs) // 2]
    chosen["rounds"] = [{k: r[k] for k in kept if k in r} for r in runs]
    return chosen


def compare(args: argparse.Namespace) -> dict[str, Any]:
    if not wrk.available():
        print("\nHTTP load: SKIPPED: wrk is not installed (apt-get install wrk)")
        return {"skipped": "wrk is not installed"}
    rounds = args.rounds
    print(
        f"\n== HTTP load: wrk, 1 thread, {args.connections} connections, {args.seconds:g} s per "
        f"route, {rounds} rounds (bare and emulator in turn); server on CPU {servers.SERVER_CPU},"
        f" wrk on CPU {servers.LOAD_CPU} =="
    )
    results: dict[str, Any] = {"servers": {}, "rss_mb": {}, "rounds": rounds}
    # Both listen at once, on the same CPU; only the one under load works.
    bare = servers.start("bare")
    emulator = None
    try:
        emulator = servers.start(
            "emulator", "--scenarios", "bench/scenarios", ready="/_emulator/health"
        )
        results["rss_mb"]["bare idle"] = bare.rss_mb()
        results["rss_mb"]["emulator idle"] = emulator.rss_mb()
        targets = {
            "bare": (bare.root, _scripts("", PLACEHOLDER_ID, [PLACEHOLDER_ID])),
            "emulator": (emulator.root, _emulator_scripts(emulator.root, "")),
        }
        results["servers"].update(_rounds(targets, args, rounds))
        bare.stop()
        # The rounds left tens of thousands of jobs in the default namespace: freed, so the
        # RSS below is the process holding the full namespace's jobs, not those as well.
        httpx.post(f"{emulator.root}/_emulator/reset", timeout=60).raise_for_status()
        prefix = "/_ns/full"
        scripts = _emulator_scripts(emulator.root, prefix)
        path = f"{prefix}/v1/applications/{APP}/jobs"
        print(f"  filling {prefix} with {args.jobs:,} jobs (wrk, creates)", flush=True)
        wrk.fill(emulator.root + path, path, args.jobs, connections=args.connections)
        # RSS before counting: the count renders every job once, which would add its own peak.
        rss = emulator.rss_mb()
        jobs = len(httpx.get(f"{emulator.root}{prefix}/_emulator/jobs", timeout=60).json()["jobs"])
        results["full_jobs"] = jobs
        results["rss_mb"][f"emulator, {jobs} jobs"] = rss
        full = {f"emulator {jobs // 1000}k": (emulator.root, scripts)}
        results["servers"]["emulator full"] = next(iter(_rounds(full, args, rounds).values()))
    finally:
        if bare.process.poll() is None:
            bare.stop()
        if emulator is not None:
            emulator.stop()
    why_not = "--no-prism" if args.no_prism else servers.prism_available()
    if why_not is None:
        prism = servers.start("prism", SPEC, timeout=120)
        try:
            scripts = _scripts("", PLACEHOLDER_ID, [PLACEHOLDER_ID])
            # One round: Prism is an order of magnitude off, and slow to start.
            once = _rounds({"prism": (prism.root, scripts)}, args, 1)
            results["servers"]["prism"] = once["prism"]
        finally:
            prism.stop()
    else:
        results["prism_skipped"] = why_not
        print(f"  prism: SKIPPED: {why_not}")
    print("\n" + table(results))
    return results


TARGETS = {"poll": 0.70, "create": 0.50, "list": 0.40}


def table(results: dict[str, Any]) -> str:
    s = results["servers"]
    head = f"{'route':7s}{'server':16s}{'req/s':>8s}{'p50 ms':>8s}{'p99 ms':>8s}{'vs bare':>9s}"
    lines = [head + f"{'vs prism':>10s}{'vs 0 jobs':>10s}{'target':>10s}"]
    for route in ROUTES:
        for name, figures in s.items():
            r = figures[route]
            row = f"{route:7s}{name:16s}{r['rps']:8.0f}{r['p50_ms']:8.2f}{r['p99_ms']:8.2f}"
            row += f"{r['rps'] / s['bare'][route]['rps']:9.2f}"
            row += f"{r['rps'] / s['prism'][route]['rps']:9.1f}x" if "prism" in s else f"{'-':>10s}"
            empty = s["emulator"][route]["rps"]
            row += f"{r['rps'] / empty:10.2f}" if name == "emulator full" else f"{'':10s}"
            target = TARGETS.get(route)
            if name == "emulator" and target is not None:
                met = r["rps"] / s["bare"][route]["rps"] >= target
                row += f"{'>=' + format(target, '.2f'):>6s} {'ok' if met else 'MISS'}"
            lines.append(row)
    lines.append("RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in results["rss_mb"].items()))
    if "prism_skipped" in results:
        lines.append(f"Prism skipped: {results['prism_skipped']}")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """Requests/s and p99 per route and server, as bars (matplotlib: the ``bench`` extra)."""
    if "servers" not in results:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["servers"])
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [r + (i - (len(names) - 1) / 2) * width for r in range(len(ROUTES))]
        figures = results["servers"][name]
        label = name.replace("full", f"with {results.get('full_jobs', 0):,} jobs")
        top.bar(xs, [figures[r]["rps"] for r in ROUTES], width, label=label)
        bottom.bar(xs, [figures[r]["p99_ms"] for r in ROUTES], width, label=label)
    top.set_ylabel("requests/s (higher is better)")
    bottom.set_ylabel("p99 latency, ms (lower is better)")
    bottom.set_xticks(range(len(ROUTES)), ROUTES)
    top.legend(fontsize="small")
    top.set_title("jobs-emulator vs the bare Starlette route and Prism (wrk, one server core)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
