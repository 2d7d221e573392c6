"""An hour of a shared server's traffic, compressed: thousands of namespaces (a test each),
large create bodies, polls, retries and a bad request now and then; most namespaces freed at
teardown, some abandoned by crashed workers. The bytes the server accounts for stay under
its budget the whole hour, the idle are evicted by age and by memory, and every eviction is
counted. (bench/soak.py runs the same over real HTTP and reports the process's RSS.)"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

from emulator import Settings, build
from emulator.http.app import Emulator
from emulator.lifecycle.core.eviction import NAMESPACE_BYTES

NAMESPACES = 1200
HOUR = 3600.0
BUDGET = 1 << 20


def body(n: int) -> dict[str, Any]:
    """A large create body of its own: alike bodies are journaled (and counted) once."""
    return {"inputs": [{"id": "topic", "value": [f"{n}:" + "x" * 8_000]}]}


# Every 50th test is a large one, and is abandoned: bursts that only the budget can stop.
LARGE = 24
AUTH = [(b"authorization", b"Bearer k"), (b"content-type", b"application/json")]


async def call(app: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*AUTH, (b"content-length", str(len(raw)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = sent[0]["status"]
    payload = b"".join(m.get("body", b"") for m in sent[1:])
    return status, json.loads(payload) if payload else None


def test_an_hour_of_traffic_across_thousands_of_namespaces_stays_in_budget() -> None:
    app = build(
        api="writer",
        settings=Settings(
            manual_clock=True,
            max_memory=BUDGET,
            namespace_ttl=200,
            max_namespaces=400,
        ),
    )
    spaces = app.namespaces
    now = [1000.0]
    spaces.monotonic = lambda: now[0]
    peak = 0

    async def hour() -> None:
        nonlocal peak
        for n in range(NAMESPACES):
            now[0] += HOUR / NAMESPACES  # a new test every 3 s, for an hour
            ns = f"/_ns/t{n}"
            for k in range(LARGE if n % 50 == 0 else 1):
                status, job = await call(app, "POST", f"{ns}/v1/applications/a/jobs", body(k))
                assert status == 202
                await call(app, "GET", f"{ns}/v1/applications/jobs/{job['id']}")
            if n % 10 == 0:  # a bad request: a violation kept until read
                await call(app, "POST", f"{ns}/v1/applications/a/jobs", {"inputs": "x"})
            if n % 7 and n % 50:  # most tests end and free their namespace; the rest are abandoned
                await call(app, "DELETE", f"{ns}/_emulator/namespace")
            # The sweep runs on requests; what it leaves may exceed the budget by one
            # namespace (the one serving the request) at most.
            peak = max(peak, spaces.nbytes())

    # As ``serve`` does: what was loaded is frozen, so full collections walk only the traffic.
    gc.collect()
    gc.freeze()
    try:
        asyncio.run(hour())
    finally:
        gc.unfreeze()
    largest_namespace = NAMESPACE_BYTES + LARGE * 2 * 12_000
    assert peak <= BUDGET + largest_namespace
    evicted = spaces.evictions.counts
    assert evicted["ttl"] > 0 and evicted["memory"] > 0
    abandoned = sum(1 for n in range(NAMESPACES) if n % 7 == 0 or n % 50 == 0)
    assert spaces.evictions.freed == NAMESPACES - abandoned
    assert sum(evicted.values()) + len(spaces) == abandoned  # every one accounted for
    assert len(spaces) <= 400
