"""The emulator's speed, side by side with the ceiling of its stack and with Prism, in one run.

    .venv/bin/python bench/run.py            # about ten minutes on 2 cores
    .venv/bin/python bench/run.py --quick    # about a minute: 1 s per load, 20k jobs
    .venv/bin/python bench/run.py --profile  # also: cProfile of in-process polls
    .venv/bin/python bench/run.py --update-docs    # and write the figures into the docs

Writes bench/results/latest.json and bench/results/speed.png. Absolute figures move with the
machine and whatever else runs on it; the ratios to the baselines of the same run are what to
compare. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixture_overhead
import inprocess
import load
import performance_page
import shared_state
import spec_load
import startup

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter loads, fewer jobs")
    parser.add_argument("--profile", action="store_true", help="cProfile of in-process polls")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--seconds", type=float, help="seconds per load (3; quick 1)")
    parser.add_argument("--jobs", type=int, help="jobs in the full namespace (100k; quick 20k)")
    parser.add_argument("--rounds", type=int, help="rounds of every HTTP load (5; quick 1)")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument(
        "--no-shared", action="store_true", help="leave the shared state (Redis) figures out"
    )
    parser.add_argument(
        "--openai",
        type=Path,
        default=spec_load.UPSTREAM_OPENAI,
        help="OpenAI's published openapi.yaml, for the spec-load figures of a "
        "real large spec (default: the tests' copy)",
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="write this run's figures into docs/explanations/performance.md",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (1.0 if args.quick else 3.0)
    args.jobs = args.jobs or (20_000 if args.quick else 100_000)
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.polls = 3_000 if args.quick else 20_000
    args.fixture_tests = 50 if args.quick else 200
    return args


def machine() -> dict[str, Any]:
    from emulator.http.server import stack

    info = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpus": os.cpu_count(),
        "stack": str(stack()),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    print(f"machine: {info['python']}, {info['cpus']} CPUs, {info['stack']}")
    print(f"load average before the run: {info['load_average']:.2f} (compare ratios, not figures)")
    return info


def main() -> None:
    args = options()
    started = time.perf_counter()
    given = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    results: dict[str, Any] = {"machine": machine(), "args": given}
    results["http"] = load.compare(args)
    results["startup"] = startup.measure()
    print("\n" + startup.report(results["startup"]))
    cost = inprocess.poll_cost(args.polls)
    results["inprocess"] = {"bare_us": cost.bare_us, "emulator_us": cost.emulator_us}
    print(
        f"\nin-process CPU per poll ({args.polls} polls, no HTTP): bare {cost.bare_us:.1f} us, "
        f"emulator {cost.emulator_us:.1f} us: the emulator's own work "
        f"{cost.emulator_us - cost.bare_us:.1f} us (target under 20 us)"
    )
    if args.profile:
        print(inprocess.profile_polls(args.polls // 4))
    results["fixture"] = fixture_overhead.measure(args.fixture_tests)
    print("\n" + fixture_overhead.report(results["fixture"], args.fixture_tests))
    results["spec_load"] = spec_load.measure(args.openai, with_prism=not args.no_prism)
    print("\n" + spec_load.report(results["spec_load"]))
    if not args.no_shared:
        results["shared_state"] = shared_state.measure(shared_state.sized(args))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'latest.json'}")
    try:
        load.plot(results["http"], RESULTS / "speed.png")
        print(f"wrote {RESULTS / 'speed.png'}")
    except ModuleNotFoundError as missing:
        # The figures are kept either way; only the picture needs the bench extra.
        print(f"no plot: {missing.name} is missing; pip install -e '.[bench]' for the picture")
    if args.update_docs:
        performance_page.update(performance_page.PAGE, results)
        print(f"wrote this run's figures into {performance_page.PAGE}")
    print(f"benchmark done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
