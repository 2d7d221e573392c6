"""Scripted faults, seen by real clients over real sockets.

Scenarios live in tests/data/scenarios/writer-faults/: the bundled Writer ones plus copies with
a ``faults:`` list. Only the 429 test and the real-clock latency test wait on wall-clock time
(50 ms and 300 ms); everything else moves the emulator's clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import writerai

from emulator.bundle import build
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle

from .e2e_support import SCENARIOS, assert_clean, entries, neighbour, on_real_clock

INPUTS = [{"id": "product", "value": ["Terra running shoe"]}]
APP = "app-faults"
AUTH = {"Authorization": "Bearer My API Key"}


def sdk(emu: EmulatorHandle, **kwargs: Any) -> writerai.Writer:
    return writerai.Writer(api_key="My API Key", base_url=emu.url, **kwargs)


def create(emu: EmulatorHandle, scenario: str) -> str:
    headers = {"X-Emulator-Scenario": scenario}
    job = sdk(emu).applications.jobs.create(APP, inputs=INPUTS, extra_headers=headers)
    return job.id


def test_sdk_absorbs_a_429_and_waits_as_told(writer_faults: EmulatorHandle) -> None:
    on_real_clock(writer_faults)  # the journal's times are wall-clock time here
    job_id = create(writer_faults, "retrieve-429")
    client = sdk(writer_faults)

    first = client.applications.jobs.retrieve(job_id)  # 429, waits 50 ms, re-sends: 200
    assert first.status == "in_progress"
    assert client.applications.jobs.retrieve(job_id).status == "in_progress"
    assert client.applications.jobs.retrieve(job_id).status == "completed"

    polls = entries(writer_faults, operation="retrieve")
    assert [e["status"] for e in polls] == [429, 200, 200, 200]
    refused, resent = polls[0], polls[1]
    assert refused["fault"] is not None and resent["fault"] is None
    assert refused["response_headers"]["retry-after-ms"] == "50"
    assert refused["response_body"]["tpe"] == "TooManyRequests"
    assert refused["request_headers"]["x-stainless-retry-count"] == "0"
    assert resent["request_headers"]["x-stainless-retry-count"] == "1"
    assert resent["at"] - refused["at"] >= 0.05
    assert_clean(writer_faults)


def test_sdk_resends_are_counted_like_any_request(writer_faults: EmulatorHandle) -> None:
    job_id = create(writer_faults, "resends-counted")
    # One SDK call: request 1 is applied (poll 1) but answered 503, request 2 (a re-send)
    # meets the nth=2 fault, request 3 (another re-send) is poll 2 and ends the state.
    job = sdk(writer_faults).applications.jobs.retrieve(job_id)
    assert job.status == "completed"
    assert job.data is not None and job.data.suggestion.startswith("Counted")

    polls = entries(writer_faults, operation="retrieve")
    assert [e["status"] for e in polls] == [503, 429, 200]
    assert [e["request_headers"]["x-stainless-retry-count"] for e in polls] == ["0", "1", "2"]
    assert [e["fault"] is not None for e in polls] == [True, True, False]
    assert_clean(writer_faults)


def test_dropped_connection_is_a_protocol_error(writer_faults: EmulatorHandle) -> None:
    job_id = create(writer_faults, "drop-first-poll")
    url = f"{writer_faults.url}/v1/applications/jobs/{job_id}"
    with httpx.Client(headers=AUTH, timeout=5) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(url)
        again = http.get(url)
    assert (again.status_code, again.json()["status"]) == (200, "in_progress")
    dropped, answered = entries(writer_faults, operation="retrieve")
    assert (dropped["status"], dropped["response_body"]) == (0, None)
    assert dropped["fault"] is not None
    assert answered["status"] == 200


def test_the_sdk_resends_after_a_dropped_connection(
    writer_faults: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create(writer_faults, "drop-first-poll")
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # the SDK's ~1 s backoff, recorded
    assert sdk(writer_faults).applications.jobs.retrieve(job_id).status == "in_progress"
    assert len(waits) == 1
    polls = entries(writer_faults, operation="retrieve")
    assert [e["status"] for e in polls] == [0, 200]
    assert polls[1]["request_headers"]["x-stainless-retry-count"] == "1"


def test_latency_on_a_real_clock_delays_the_answer(writer_faults: EmulatorHandle) -> None:
    on_real_clock(writer_faults)
    job_id = create(writer_faults, "slow-first-poll")
    url = f"{writer_faults.url}/v1/applications/jobs/{job_id}"
    with httpx.Client(headers=AUTH, timeout=5) as http:
        started = time.monotonic()
        slow = http.get(url)
        elapsed = time.monotonic() - started
        started = time.monotonic()
        http.get(url)
        quick = time.monotonic() - started
    assert slow.status_code == 200
    assert elapsed >= 0.3
    assert quick < elapsed


def test_latency_on_a_manual_clock_moves_emulator_time(writer_faults: EmulatorHandle) -> None:
    job_id = create(writer_faults, "slow-first-poll")
    before = writer_faults.clock.now
    response = httpx.get(f"{writer_faults.url}/v1/applications/jobs/{job_id}", headers=AUTH)
    assert response.status_code == 200
    assert writer_faults.clock.now - before == pytest.approx(0.3, abs=1e-6)
    assert response.json()["status"] == "in_progress"


def test_dropped_response_after_a_committed_retry_still_retried(
    writer_faults: EmulatorHandle,
) -> None:
    job_id = create(writer_faults, "retry-dropped-after-commit")
    writer_faults.clock.advance(60)
    assert sdk(writer_faults).applications.jobs.retrieve(job_id).status == "failed"
    retry_url = f"{writer_faults.url}/v1/applications/jobs/{job_id}/retry"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(retry_url, headers=AUTH, timeout=5)
    assert writer_faults.jobs.get(job_id)["attempt"] == 1
    assert sdk(writer_faults).applications.jobs.retrieve(job_id).status == "in_progress"
    writer_faults.clock.advance(30)
    assert sdk(writer_faults).applications.jobs.retrieve(job_id).status == "completed"
    [retry] = entries(writer_faults, operation="retry")
    assert (retry["status"], retry["fault"] is not None) == (0, True)


def test_rate_limit_per_namespace_on_the_emulator_clock(writer: EmulatorHandle) -> None:
    limits = writer.control("PUT", "rate-limit", {"requests": 3, "per": 10})
    assert limits == {"requests": 3, "per": 10.0}
    url = f"{writer.url}/v1/applications/{APP}/jobs"
    other = neighbour(writer, "-neighbour")
    with httpx.Client(headers=AUTH, timeout=5) as http:
        assert [http.get(url).status_code for _ in range(3)] == [200, 200, 200]
        limited = http.get(url)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "10"
        assert limited.json()["tpe"] == "TooManyRequests"
        assert http.get(f"{other.url}/v1/applications/{APP}/jobs").status_code == 200

        writer.clock.advance(4)
        assert http.get(url).headers["retry-after"] == "6"
        with pytest.raises(writerai.RateLimitError):
            sdk(writer, max_retries=0).applications.jobs.list(APP)
        writer.clock.advance(6)
        assert http.get(url).status_code == 200
    other.close()
    assert [e["status"] for e in entries(writer)] == [200, 200, 200, 429, 429, 429, 200]


def _play(url: str) -> list[tuple[int, Any]]:
    """A fixed request sequence; returns every (status, body) the emulator answered."""
    seen: list[tuple[int, Any]] = []
    base = f"{url}/_ns/seeded"
    with httpx.Client(base_url=base, headers=AUTH, timeout=5) as http:
        for _ in range(3):
            body = {"inputs": INPUTS}
            scenario = {"X-Emulator-Scenario": "coin-flip"}
            created = http.post(f"/v1/applications/{APP}/jobs", json=body, headers=scenario)
            seen.append((created.status_code, created.json()))
            for _ in range(6):
                polled = http.get(f"/v1/applications/jobs/{created.json()['id']}")
                seen.append((polled.status_code, polled.json()))
        listed = http.get(f"/v1/applications/{APP}/jobs")
        seen.append((listed.status_code, listed.json()))
    return seen


@pytest.fixture
def seeded_servers() -> Iterator[list[str]]:
    folder = SCENARIOS / "writer-faults"
    servers = [
        LiveServer(
            build(api="writer", scenarios=folder, settings=Settings(seed=seed, manual_clock=True))
        ).start()
        for seed in (7, 7, 8)
    ]
    try:
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


def test_same_seed_same_answers_different_seed_different_ids(seeded_servers: list[str]) -> None:
    first, twin, other = (_play(url) for url in seeded_servers)
    assert first == twin
    statuses = [status for status, _ in first]
    assert 503 in statuses and 200 in statuses  # the coin flip did fire, and not always

    def ids(seen: list[tuple[int, Any]]) -> list[str]:
        return [body["id"] for status, body in seen if status == 202]

    assert len(set(ids(first))) == 3
    assert set(ids(first)).isdisjoint(ids(other))
