"""Async SDKs (writer-sdk's AsyncWriter, openai's AsyncOpenAI), unchanged, under pytest-asyncio:
against the session's live server and in process, through ``emulator.async_client()``.

Time moves only when a test moves the emulator's clock; the control calls are the fixture's
ordinary synchronous ones, made from coroutines, some while SDK requests are in flight.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import anyio
import openai
import pytest
import writerai

from emulator.testing.handle import EmulatorHandle

INPUTS: Any = [{"id": "product", "value": ["Terra running shoe"]}]
APP = "app-async"
FILE = "file-abc123"

LIVE = pytest.param(False, marks=pytest.mark.emulator(in_process=False), id="live")
IN_PROCESS = pytest.param(True, marks=pytest.mark.emulator(in_process=True), id="in-process")
modes = pytest.mark.parametrize("in_process", [LIVE, IN_PROCESS])


@pytest.fixture
def no_socket_in_process(in_process: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """In process, any connection the test opens fails it: everything goes through the app."""
    if in_process:

        def refuse(*args: object) -> None:
            raise AssertionError("in-process mode opened a socket")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def writer(emulator: EmulatorHandle) -> writerai.AsyncWriter:
    return writerai.AsyncWriter(
        api_key="My API Key", base_url=emulator.url, http_client=emulator.async_client()
    )


def batches(emulator: EmulatorHandle) -> openai.AsyncOpenAI:
    # The SDK's base URL ends in /v1, as api.openai.com's does: the spec's servers path.
    return openai.AsyncOpenAI(
        api_key="sk-test", base_url=emulator.url + "/v1", http_client=emulator.async_client()
    )


@modes
@pytest.mark.asyncio
@pytest.mark.emulator(api="writer", scenario="fail-then-retry")
@pytest.mark.usefixtures("no_socket_in_process")
async def test_async_writer_fail_retry_complete(emulator: EmulatorHandle, in_process: bool) -> None:
    sdk = writer(emulator)
    job = await sdk.applications.jobs.create(APP, inputs=INPUTS)
    assert job.status == "in_progress"

    while (current := await sdk.applications.jobs.retrieve(job.id)).status == "in_progress":
        emulator.clock.advance(30)
    assert current.status == "failed"
    assert current.error == "The model timed out while generating the response."

    retried = await sdk.applications.jobs.retry(job.id)
    assert (retried.id, retried.status) == (job.id, "in_progress")
    emulator.clock.advance(30)  # the retry attempt lasts one poll or 30 s
    done = await sdk.applications.jobs.retrieve(job.id)
    assert done.status == "completed"
    assert done.data is not None and done.data.suggestion.startswith("Second time lucky")

    emulator.journal.assert_called("retry", exactly=1)
    assert emulator.journal.statuses("create") == [202]
    assert emulator.jobs.get(job.id)["attempt"] == 1
    assert (emulator.url != emulator.own_url) is in_process  # in process: the app's own host


@modes
@pytest.mark.asyncio
@pytest.mark.emulator(api="openai", scenario="always-fail")
@pytest.mark.usefixtures("no_socket_in_process")
async def test_async_openai_a_failed_batch_resubmitted_completes(
    emulator: EmulatorHandle, in_process: bool
) -> None:
    async with batches(emulator) as sdk:
        first = await sdk.batches.create(
            input_file_id=FILE, endpoint="/v1/chat/completions", completion_window="24h"
        )
        emulator.clock.advance(5)
        failed = await sdk.batches.retrieve(first.id)
        assert failed.status == "failed"
        assert failed.errors is not None and failed.errors.data is not None
        assert failed.errors.data[0].code == "invalid_json_line"

        # The Batch API's retry is a new batch: this one plays the happy path.
        emulator.use_scenario("happy-path")
        second = await sdk.batches.create(
            input_file_id=FILE, endpoint="/v1/chat/completions", completion_window="24h"
        )
        seen = []
        while (batch := await sdk.batches.retrieve(second.id)).status != "completed":
            seen.append(batch.status)
            emulator.clock.advance(5)
        assert seen[0] == "validating" and "in_progress" in seen and "finalizing" in seen
        assert batch.output_file_id == "file-out-0001"
        assert batch.completed_at == emulator.clock.now

    assert [j["status"] for j in emulator.jobs.all()] == ["failed", "completed"]
    emulator.journal.assert_called("create", exactly=2)


@modes
@pytest.mark.asyncio
@pytest.mark.emulator(api="writer", scenario="happy-path")
async def test_control_calls_interleave_with_sdk_requests_in_flight(
    emulator: EmulatorHandle, in_process: bool
) -> None:
    """Pollers and a clock mover share the test's loop: the synchronous control calls are made
    while other coroutines' SDK requests are under way, and nothing waits on anything else."""
    sdk = writer(emulator)
    jobs = [await sdk.applications.jobs.create(APP, inputs=INPUTS) for _ in range(5)]
    finished: dict[str, str] = {}

    async def poll(job_id: str) -> None:
        while (await sdk.applications.jobs.retrieve(job_id)).status == "in_progress":
            await asyncio.sleep(0)  # lets the other pollers and the clock move in
        finished[job_id] = emulator.jobs.get(job_id)["status"]

    async def move_time() -> None:
        for _ in range(4):
            emulator.clock.advance(15)
            assert emulator.journal.count("create") == 5
            await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(poll(j.id) for j in jobs), move_time()), 30)
    assert finished == {j.id: "completed" for j in jobs}
    assert emulator.clock.now - jobs[0].created_at.timestamp() == 60


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@modes
@pytest.mark.anyio
@pytest.mark.emulator(api="writer", scenario="fail-then-retry")
async def test_async_writer_on_anyio_asyncio_and_trio(
    emulator: EmulatorHandle, in_process: bool, anyio_backend: str
) -> None:
    sdk = writer(emulator)
    job = await sdk.applications.jobs.create(APP, inputs=INPUTS)
    emulator.clock.advance(60)
    assert (await sdk.applications.jobs.retrieve(job.id)).status == "failed"
    await sdk.applications.jobs.retry(job.id)
    emulator.clock.advance(30)
    async with anyio.create_task_group() as tasks:  # two polls at once, on either library
        for _ in range(2):
            tasks.start_soon(sdk.applications.jobs.retrieve, job.id)
    assert emulator.jobs.get(job.id)["status"] == "completed"
    assert emulator.journal.statuses("retrieve") == [200, 200, 200]


@pytest.mark.asyncio
@pytest.mark.emulator(api="writer", scenario="happy-path")
async def test_live_an_async_sdk_needs_only_the_url(emulator: EmulatorHandle) -> None:
    async with writerai.AsyncWriter(api_key="k", base_url=emulator.url) as sdk:
        job = await sdk.applications.jobs.create(APP, inputs=INPUTS)
        emulator.clock.advance(60)
        assert (await sdk.applications.jobs.retrieve(job.id)).status == "completed"
