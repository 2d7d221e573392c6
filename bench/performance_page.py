"""The performance page's figures (docs/explanations/performance.md), written from a
benchmark's own results.

    .venv/bin/python bench/performance_page.py [RESULTS.json]   # default: bench/results/latest.json

``bench/run.py --update-docs`` does the same at the end of a run. Everything between the two
markers on the page is replaced, so the table, the lines under it and the plot always come from
one run; ``tests/test_bench_performance_page.py`` checks that the page matches the committed
JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "explanations" / "performance.md"
LATEST = HERE / "results" / "latest.json"
PLOT = HERE / "results" / "speed.png"
START = "<!-- bench:start (written by bench/performance_page.py from bench/results/latest.json) -->"
END = "<!-- bench:end -->"
# The scale-out guide shows the shared state's figures of the same run, between its own markers.
SCALE_OUT = HERE.parent / "docs" / "how-to" / "scale-out.md"
SHARED_START = "<!-- bench:shared:start (written by bench/performance_page.py) -->"
SHARED_END = "<!-- bench:shared:end -->"

ROUTES = {
    "poll": "poll",
    "create": "create with a body",
    "retry": "retry",
    "list": "list page of 20",
}


def _rps(value: float) -> str:
    return f"{value:,.0f}"


def table(http: dict[str, Any]) -> list[str]:
    servers = http["servers"]
    bare, emulator = servers["bare"], servers["emulator"]
    full, prism = servers.get("emulator full"), servers.get("prism")
    jobs = http.get("full_jobs", 0)
    head = ["route", "bare req/s", "bare p99", "emulator req/s (vs bare)", "emulator p50 / p99"]
    if full is not None:
        head.append(f"with {jobs // 1000}k jobs (vs empty)")
    if prism is not None:
        head += ["Prism req/s", "emulator vs Prism"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for route, label in ROUTES.items():
        e = emulator[route]
        row = [label, _rps(bare[route]["rps"]), f"{bare[route]['p99_ms']:.1f} ms"]
        row.append(f"{_rps(e['rps'])} ({e['rps'] / bare[route]['rps']:.2f})")
        row.append(f"{e['p50_ms']:.1f} / {e['p99_ms']:.1f} ms")
        if full is not None:
            row.append(f"{_rps(full[route]['rps'])} ({full[route]['rps'] / e['rps']:.2f})")
        if prism is not None:
            row += [_rps(prism[route]["rps"]), f"{e['rps'] / prism[route]['rps']:.1f}x"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _startup(startup: dict[str, float]) -> str:
    parts = [f"{name} {seconds:.2f} s" for name, seconds in startup.items() if name != "bare"]
    return (
        "Cold start to the first answer, imports included: "
        + ", ".join(parts)
        + f" (the bare Starlette app: {startup['bare']:.2f} s)."
    )


def _rounds(http: dict[str, Any]) -> str:
    rounds = http.get("rounds", 1)
    return f", median of {rounds} rounds, bare and emulator in turn" if rounds > 1 else ""


def section(results: dict[str, Any]) -> str:
    """The page's performance figures for ``results`` (what ``bench/run.py`` writes)."""
    machine, args, http = results["machine"], results["args"], results["http"]
    load = machine.get("load_average")
    run = "`--quick` run" if args.get("quick") else "run"
    lines = [
        f"Figures from one {run} on {machine['cpus']} CPUs ({machine['python']}, "
        f"{machine['stack']}, load average {load:.1f} at the start;",
        f"{args['connections']} connections, {args['seconds']:g} s per route{_rounds(http)}). "
        "Compare the ratios, not the figures: they are measured against baselines of the same run.",
        "",
    ]
    if "servers" in http:
        lines += table(http)
        rss = ", ".join(f"{name} {mb:.0f} MB" for name, mb in http["rss_mb"].items())
        lines += ["", f"RSS: {rss}."]
        if "prism_skipped" in http:
            lines.append(f"Prism was skipped: {http['prism_skipped']}.")
    else:
        lines.append(f"HTTP load was skipped: {http.get('skipped', 'no results')}.")
    lines.append(_startup(results["startup"]))
    cost = results["inprocess"]
    lines.append(
        f"In-process CPU per poll: the bare app {cost['bare_us']:.1f} us, the emulator "
        f"{cost['emulator_us']:.1f} us, so its own work is "
        f"{cost['emulator_us'] - cost['bare_us']:.1f} us."
    )
    worst = max(r["overhead_ms"] for r in results["fixture"].values())
    lines.append(f"The `emulator` fixture costs a test {worst:.1f} ms.")
    plot = os.path.relpath(PLOT, PAGE.parent)
    lines += ["", f"![requests/s and p99 per route and server]({plot})"]
    if "shared_state" in results:
        lines += ["", *shared(results["shared_state"])]
    return "\n".join([START, *lines, END])


SHARED = ("memory, 1 worker", "Redis, 1 worker", "Redis, 2 workers")


def two_core_projection(http: dict[str, Any], route: str) -> float | None:
    """What 2 workers would serve against 1 worker on ``route`` with a core free for each:
    both CPU-bound, the ratio of the CPU a request costs them (None: CPU not measured)."""
    one, two = http[SHARED[1]][route].get("cpu_us"), http[SHARED[2]][route].get("cpu_us")
    if not one or not two:
        return None
    return float(2 * one / two)


def paired_ratios(http: dict[str, Any], name: str, versus: str, route: str) -> list[float]:
    """``name``'s requests/s over ``versus``'s, round by round: the loads of one round run
    seconds apart, so a slow spell of the machine hits both sides of a pair more often than
    the medians of the two columns, taken from different rounds."""
    mine, theirs = http[name][route].get("rounds", []), http[versus][route].get("rounds", [])
    return [float(a["rps"] / b["rps"]) for a, b in zip(mine, theirs, strict=False) if b["rps"]]


def paired_line(http: dict[str, Any]) -> str | None:
    """The median and range of the paired ratios, or None for a run without its rounds."""
    parts = []
    for name, versus, what in (
        (SHARED[1], SHARED[0], "1 worker on Redis against memory"),
        (SHARED[2], SHARED[1], "2 workers against 1"),
    ):
        shown = []
        for route in ("poll", "create"):
            ratios = sorted(paired_ratios(http, name, versus, route))
            if len(ratios) < 2:
                return None
            median = ratios[len(ratios) // 2]
            shown.append(f"{route} {median:.2f} ({ratios[0]:.2f} to {ratios[-1]:.2f})")
        parts.append(f"{what}, {', '.join(shown)}")
    return f"Round by round, the median ratio and its range: {'; '.join(parts)}."


def _cpu_lines(http: dict[str, Any]) -> list[str]:
    """The servers' CPU per request, and what it means for two workers on two free cores."""
    if any("cpu_us" not in http[name][route] for name in SHARED for route in ("poll", "create")):
        return []
    spent = "; ".join(
        f"{route}: " + ", ".join(f"{http[name][route]['cpu_us']:.0f}" for name in SHARED) + " us"
        for route in ("poll", "create")
    )
    poll, create = two_core_projection(http, "poll"), two_core_projection(http, "create")
    return [
        f"CPU per request of the server's processes (memory, Redis 1 worker, 2 workers) {spent}. "
        f"With a core free for each worker (not on this machine), 2 workers would serve "
        f"{poll:.2f} times 1 worker on polls and {create:.2f} on creates: twice one worker's "
        "throughput, less what a request costs more across two workers.",
    ]


def shared(figures: dict[str, Any]) -> list[str]:
    """The shared state's table (``bench/shared_state.py``): in memory, on Redis, two workers."""
    if "skipped" in figures:
        return [f"Shared state was not measured: {figures['skipped']}."]
    http, load = figures["http"], figures.get("load_average")
    lines = [
        "**Shared state** (`--state redis://`, [scale out](../how-to/scale-out.md)): "
        f"`bench/shared_state.py`, its own run ({figures['rounds']} rounds of "
        f"{figures['seconds']:g} s per route, load average {load:.1f} at its start). One server "
        "process on CPU 0; `wrk` and `redis-server` on CPU 1; two workers on CPUs 0 and 1, "
        "which they share with `wrk` and Redis. Polls rotate over 200 jobs.",
        "",
        "| deployment | poll req/s | poll p50 / p99 | create req/s | create p50 / p99 |",
        "|---|---|---|---|---|",
    ]
    base, one = http[SHARED[0]], http[SHARED[1]]
    for name in SHARED:
        row = [name]
        for route in ("poll", "create"):
            r = http[name][route]
            versus = one if name == SHARED[2] else base
            ratio = "" if name == SHARED[0] else f" ({r['rps'] / versus[route]['rps']:.2f})"
            row += [f"{_rps(r['rps'])}{ratio}", f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms"]
        lines.append("| " + " | ".join(row) + " |")
    cost, memory = figures["in_process"], figures["memory"]
    trips = cost.get("round_trips")
    made = (
        f"a poll in {trips['poll']:.1f} round trips, a create in {trips['create']:.1f}"
        if trips
        else "round trips not counted in this run"
    )
    lines += [
        "",
        "Ratios: 1 worker on Redis against 1 in memory; 2 workers against 1 worker on Redis.",
        *[line for line in (paired_line(http),) if line],
        *_cpu_lines(http),
        f"In process (no HTTP), a poll takes {cost['memory_us']['poll']:.0f} us in memory and "
        f"{cost['redis_us']['poll']:.0f} us on Redis, a create {cost['memory_us']['create']:.0f}"
        f" and {cost['redis_us']['create']:.0f} us: {cost['commands_per_request']:.1f} Redis "
        f"commands a request, {made} (one round trip from Python: "
        f"{cost['ping_us']:.0f} us).",
        f"Redis's RSS grows {memory['rss_per_100k_mb']:.0f} MB per 100k jobs created over HTTP "
        f"({memory['jobs']:,} created; the jobs alone {memory['jobs_hash_per_100k_mb']:.0f} MB, "
        "the rest the journal, bounded per namespace).",
    ]
    return lines


def shared_section(results: dict[str, Any]) -> str:
    """The scale-out guide's figures: the shared state's table of ``results``, if measured."""
    figures = results.get("shared_state", {"skipped": "not part of this run"})
    return "\n".join([SHARED_START, *shared(figures), SHARED_END])


def update(page: Path, results: dict[str, Any], scale_out: Path | None = None) -> None:
    """Replace the page's figures (between the markers) with those of ``results``, and the
    scale-out guide's (``scale_out``, by default the repository's) when it has them."""
    _replace(page, START, END, section(results))
    if "shared_state" in results:
        _replace(scale_out or SCALE_OUT, SHARED_START, SHARED_END, shared_section(results))


def _replace(page: Path, start_marker: str, end_marker: str, figures: str) -> None:
    text = page.read_text()
    start, end = text.index(start_marker), text.index(end_marker) + len(end_marker)
    page.write_text(text[:start] + figures + text[end:])


def current(page: Path, start: str = START, end: str = END) -> str:
    """The figures the page shows now, markers included."""
    text = page.read_text()
    return text[text.index(start) : text.index(end) + len(end)]


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else LATEST
    update(PAGE, json.loads(source.read_text()))
    print(f"{PAGE.relative_to(HERE.parent)}: performance figures from {source}")
