"""What ``--state-file`` costs per request: polls and creates served in-process (no HTTP), by
the same emulator in memory (the baseline) and writing through a state file, in one run.

    .venv/bin/python bench/state_file.py [REQUESTS]     # default 2000 of each

Every acknowledged change is committed before its answer leaves, so the difference is about
one SQLite write for the job and one for the journal entry per request.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps import APPLICATION, POLL_HEADERS, create_request, poll_path
from inprocess import scope_for

from emulator import Emulator, Settings, build

ASGIApp = Callable[..., Any]


def emulator(state_file: Path | None) -> Emulator:
    settings = Settings(
        manual_clock=True, strict=True, state_file=None if state_file is None else str(state_file)
    )
    return build(api="writer", settings=settings)


async def served(app: ASGIApp, scope: dict[str, Any], body: bytes, count: int) -> float:
    """Seconds per request, for ``count`` requests of ``scope``."""
    message = {"type": "http.request", "body": body, "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    statuses: list[int] = []

    async def send(event: dict[str, Any]) -> None:
        if event["type"] == "http.response.start":
            statuses.append(event["status"])

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope), receive, send)
    elapsed = time.perf_counter() - started
    if any(s >= 300 for s in statuses):
        raise RuntimeError(f"{scope['method']} {scope['path']}: {sorted(set(statuses))}")
    return elapsed / count


def measure(
    app: Emulator, count: int, round_trips: Callable[[], int] | None = None
) -> dict[str, float]:
    """Seconds per poll and per create, ``count`` of each; with ``round_trips`` (a counter of
    the app's), also how many round trips each made (``poll_round_trips``, ...)."""
    assert app.actions is not None
    ns = app.namespaces.get("default")
    job = app.actions.start(ns, app.scenarios["happy-path"], create_request())
    poll = scope_for(poll_path(job.id))
    body = json.dumps(create_request()["body"]).encode()
    create = {
        **scope_for(f"/v1/applications/{APPLICATION}/jobs"),
        "method": "POST",
        "headers": [
            *((k.encode(), v.encode()) for k, v in POLL_HEADERS.items()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    asyncio.run(served(app, poll, b"", 200))  # warm-up
    figures: dict[str, float] = {}
    for route, scope, sent in (("poll", poll, b""), ("create", create, body)):
        before = round_trips() if round_trips is not None else 0
        figures[route] = asyncio.run(served(app, scope, sent, count))
        if round_trips is not None:
            figures[f"{route}_round_trips"] = (round_trips() - before) / count
    return figures


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        memory = measure(emulator(None), count)
        durable_app = emulator(Path(scratch) / "state.db")
        durable = measure(durable_app, count)
        durable_app.close()
    print(f"{count} requests each, in-process (us per request)")
    print(f"{'':8}{'in memory':>12}{'state file':>12}{'added':>10}{'ratio':>8}")
    for route in ("poll", "create"):
        base, kept = memory[route] * 1e6, durable[route] * 1e6
        print(f"{route:8}{base:12.1f}{kept:12.1f}{kept - base:10.1f}{kept / base:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
