"""An hour of a shared emulator's traffic, as fast as it goes, over real HTTP; RSS as it runs.

``jobs-emulator serve`` with its default bounds runs in a subprocess (``servers.py``); a few
client threads play one test after another, each in its own namespace: create jobs with large
bodies, poll them, now and then a bad request, then free the namespace at teardown, as the
pytest fixture does, except every 7th test, which is abandoned (a crashed worker), and every
50th, a large one (many jobs) that is abandoned too. Every ``--report-every`` tests it prints
the server's RSS next to its idle RSS measured at the start of the same run, and what the
server accounts for (``GET /_emulator/health``).

    .venv/bin/python bench/soak.py                     # 3,000 tests, 256 KiB bodies
    .venv/bin/python bench/soak.py --namespaces 500 --body-kib 64    # a quick look

Bounded: at most ``--seconds`` of traffic (default 600), and the server runs under ``timeout``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from servers import Server, start

AUTH = {"Authorization": "Bearer k"}
LARGE_JOBS = 20


def one_test(client: httpx.Client, n: int, body: dict[str, Any]) -> None:
    ns = f"/_ns/soak-{n}"
    large = n % 50 == 0
    for _ in range(LARGE_JOBS if large else 1):
        job = client.post(f"{ns}/v1/applications/a/jobs", json=body, headers=AUTH).json()
        for _ in range(2):
            client.get(f"{ns}/v1/applications/jobs/{job['id']}", headers=AUTH)
    if n % 10 == 0:
        client.post(f"{ns}/v1/applications/a/jobs", json={"inputs": "x"}, headers=AUTH)
    if n % 7 and not large:
        client.delete(f"{ns}/_emulator/namespace")


def health(server: Server) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.root}/_emulator/health", timeout=30).json()
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=3000, help="tests to play (3000)")
    parser.add_argument("--body-kib", type=int, default=256, help="create body size (256)")
    parser.add_argument("--workers", type=int, default=4, help="client threads (4)")
    parser.add_argument("--report-every", type=int, default=250, help="tests between lines")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    body = {"inputs": [{"id": "topic", "value": ["x" * (args.body_kib * 1024)]}]}
    server = start("emulator", ready="/_emulator/health")
    rows: list[dict[str, Any]] = []
    try:
        health(server)
        idle = server.rss_mb()
        print(f"idle RSS {idle:.1f} MB (after start and one health call)", flush=True)
        print(
            f"{'tests':>6} {'seconds':>8} {'RSS MB':>7} {'vs idle':>8} {'accounted MB':>13} "
            f"{'live':>5} {'freed':>6} {'evicted ttl/cap/memory':>23}",
            flush=True,
        )
        done, lock = 0, threading.Lock()
        began = time.perf_counter()
        local = threading.local()

        def play(n: int) -> None:
            nonlocal done
            if time.perf_counter() - began > args.seconds:
                return
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=server.root, timeout=60)
            one_test(local.client, n, body)
            with lock:
                done += 1
                due = done % args.report_every == 0 or done == args.namespaces
            if due:
                report(done)

        def report(count: int) -> None:
            h = health(server)
            spaces, rss = h["namespaces"], server.rss_mb()
            row = {
                "tests": count,
                "seconds": round(time.perf_counter() - began, 1),
                "rss_mb": round(rss, 1),
                "idle_rss_mb": round(idle, 1),
                "accounted_mb": round(h["memory"]["bytes"] / 2**20, 1),
                "live": spaces["live"],
                "freed": spaces["freed"],
                "evicted": spaces["evicted"],
            }
            rows.append(row)
            ev = spaces["evicted"]
            print(
                f"{count:>6} {row['seconds']:>8} {rss:>7.1f} {rss / idle:>7.2f}x "
                f"{row['accounted_mb']:>13} {spaces['live']:>5} {spaces['freed']:>6} "
                f"{ev['ttl']:>9}/{ev['cap']}/{ev['memory']:<7}",
                flush=True,
            )

        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(play, range(args.namespaces)))
        peak = max((r["rss_mb"] for r in rows), default=idle)
        print(
            f"peak RSS {peak:.1f} MB, idle {idle:.1f} MB, budget for jobs and journals "
            f"{health(server)['memory']['max'] / 2**20:.0f} MiB",
            flush=True,
        )
        if args.json:
            args.json.write_text(json.dumps({"idle_rss_mb": idle, "rows": rows}, indent=1))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
