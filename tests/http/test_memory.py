"""Bounded memory over HTTP: namespaces freed and evicted (counted in health, listed under
/_emulator/evictions), journal entries numbered in the order they are recorded (a latency fault
cannot hide a violation behind ``since``), large bodies truncated in the journal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from tests.support import WRITER, WRITER_INPUTS

CREATE = "/v1/applications/app-1/jobs"

SLOW_AND_WRONG = """
attempts:
  - states:
      - status: in_progress
faults:
  - operation: retrieve
    nth: 1
    latency: 0.2
    merge: {status: not-a-status}
    off_spec: true
"""


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def c() -> TestClient:
    app = build(api="writer", settings=Settings(manual_clock=True, namespace_ttl=60))
    return TestClient(app, base_url="http://emulator")


def test_freeing_a_namespace_forgets_it_and_health_counts_it(c: TestClient) -> None:
    job = c.post(f"/_ns/gone{CREATE}", json=WRITER_INPUTS, headers=WRITER).json()["id"]
    before = ok(c.get("/_emulator/health"))["namespaces"]
    freed = ok(c.delete("/_ns/gone/_emulator/namespace"))
    assert freed == {"freed": "gone", "existed": True, "spec_gaps": []}
    after = ok(c.get("/_emulator/health"))["namespaces"]
    assert after["freed"] == before["freed"] + 1 and after["live"] == before["live"] - 1
    # A later request starts a new, empty namespace under the same name.
    assert c.get(f"/_ns/gone/v1/applications/jobs/{job}", headers=WRITER).status_code == 404
    assert c.app.namespaces.peek("gone") is not None  # type: ignore[attr-defined]


def test_an_idle_namespace_is_evicted_past_the_ttl_and_the_eviction_is_listed(
    c: TestClient,
) -> None:
    spaces = c.app.namespaces  # type: ignore[attr-defined]
    c.post(f"/_ns/idle{CREATE}", json=WRITER_INPUTS, headers=WRITER)
    real = spaces.monotonic
    try:
        later = real() + 61
        spaces.monotonic = lambda: later  # an hour of idleness, without the hour
        health = ok(c.get("/_emulator/health"))
    finally:
        spaces.monotonic = real
    assert spaces.peek("idle") is None
    assert health["namespaces"]["evicted"]["ttl"] >= 1 and health["namespaces"]["ttl"] == 60
    listed = ok(c.get("/_emulator/evictions"))
    idle = next(e for e in listed["evictions"] if e["namespace"] == "idle")
    assert idle["reason"] == "ttl" and idle["jobs"] == 1 and idle["exchanges"] == 1
    assert idle["idle"] > 60 and idle["bytes"] > 10_000
    assert listed["namespaces"] == health["namespaces"]


def test_a_large_body_is_truncated_in_the_journal_and_marked(c: TestClient) -> None:
    big = {"inputs": [{"id": "topic", "value": ["x" * 200_000]}]}
    assert c.post(f"/_ns/big{CREATE}", json=big, headers=WRITER).status_code == 202
    (entry,) = ok(c.get("/_ns/big/_emulator/journal"))["entries"]
    assert entry["truncated"]["request_body"] > 200_000
    assert entry["request_body"].startswith('{"inputs"') and len(entry["request_body"]) == 1024
    assert isinstance(entry["response_body"], dict) and "response_body" not in entry["truncated"]


def test_a_slow_answer_is_numbered_when_it_is_recorded_so_since_cannot_hide_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "slow-and-wrong.yaml").write_text(SLOW_AND_WRONG)
    app = build(api="writer", scenarios=tmp_path, settings=Settings(strict=False))

    async def run() -> list[dict[str, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://e") as client:
            job = (await client.post(CREATE, json=WRITER_INPUTS, headers=WRITER)).json()["id"]
            poll = f"/v1/applications/jobs/{job}"
            slow = asyncio.create_task(client.get(poll, headers=WRITER))  # sleeps 0.2 s
            await asyncio.sleep(0.05)
            assert (await client.get(poll, headers=WRITER)).status_code == 200
            # What accept_violations does: everything so far is taken as seen.
            seen = (await client.get("/_emulator/journal")).json()["entries"]
            accepted = max(e["seq"] for e in seen)
            assert (await slow).status_code == 200
            later = await client.get(f"/_emulator/journal?since={accepted}&violations=true")
            return list(later.json()["entries"])

    (late,) = asyncio.run(run())
    assert late["violations"] and late["fault"] == "/faults/0"
