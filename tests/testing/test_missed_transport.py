"""emulator.testing.missed_transport: an in-process emulator's URL refuses a client that was built
without the fixture's transport on its first request, naming the fix, where an unreachable host
kept SDKs retrying (AsyncWriter: 101 s, then a bare "Connection error.")."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
import writerai

from emulator.testing.handle import EmulatorHandle
from emulator.testing.missed_transport import MESSAGE, MissedTransportServer

INPUTS = [{"id": "topic", "value": ["shoes"]}]
FIX = "http_client=emulator.async_client()"
# Far above a refusal's few milliseconds, far below the minutes of retries it replaces: a loaded
# machine cannot make this flaky, and a retry with backoff cannot pass it.
PROMPTLY = 5.0


@pytest.fixture(scope="module")
def server() -> Iterator[MissedTransportServer]:
    missed = MissedTransportServer()
    yield missed
    missed.stop()


def test_every_request_is_refused_with_the_fix_and_no_retry(server: MissedTransportServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            answer = http.request(method, "/_ns/t/v1/jobs", json={"inputs": INPUTS})
            assert answer.status_code == 421, method
            assert answer.headers["x-should-retry"] == "false"
            assert answer.json() == {"error": {"message": MESSAGE}, "detail": MESSAGE}
        head = http.head("/_ns/t/v1/jobs")
        assert (head.status_code, head.content) == (421, b"")
    assert "http_client=emulator.client()" in MESSAGE and FIX in MESSAGE


class Attempts:
    """An httpx event hook counting the requests an SDK sends."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx.Request) -> None:
        self.count += 1


@pytest.mark.asyncio
async def test_async_sdks_give_up_at_the_first_answer(server: MissedTransportServer) -> None:
    # Their own client, without the emulator's transport, and every retry the SDK allows.
    writer_attempts, openai_attempts = Attempts(), Attempts()
    writer = writerai.AsyncWriter(
        api_key="k",
        base_url=server.url + "/_ns/t",
        http_client=httpx.AsyncClient(event_hooks={"request": [writer_attempts]}),
    )
    with pytest.raises(writerai.APIStatusError, match=re.escape(FIX)):
        await writer.applications.jobs.create("app", inputs=INPUTS)  # type: ignore[arg-type]
    assert (writer.max_retries, writer_attempts.count) == (7, 1)

    batches = openai.AsyncOpenAI(
        api_key="k",
        base_url=server.url + "/_ns/t/v1",
        http_client=httpx.AsyncClient(event_hooks={"request": [openai_attempts]}),
    )
    with pytest.raises(openai.APIStatusError) as refused:
        await batches.batches.create(
            input_file_id="f", endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert FIX in str(refused.value)
    assert (batches.max_retries, openai_attempts.count) == (2, 1)
    await writer.close()
    await batches.close()


# -- through the fixture, as a user meets it ---------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.emulator(api="writer", in_process=True)
async def test_an_async_sdk_given_only_the_url_fails_at_once_saying_what_to_pass(
    emulator: EmulatorHandle,
) -> None:
    sdk = writerai.AsyncWriter(api_key="k", base_url=emulator.url)  # no http_client
    started = time.monotonic()
    with pytest.raises(writerai.APIStatusError) as refused:
        await sdk.applications.jobs.create("app", inputs=INPUTS)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    await sdk.close()
    assert refused.value.status_code == 421 and FIX in str(refused.value)
    assert elapsed < PROMPTLY, f"took {elapsed:.2f} s"
    assert emulator.journal.entries() == []  # nothing reached the emulator


@pytest.mark.asyncio
@pytest.mark.emulator(api="openai", in_process=True)
async def test_async_openai_given_only_the_url_fails_at_once_saying_what_to_pass(
    emulator: EmulatorHandle,
) -> None:
    started = time.monotonic()
    async with openai.AsyncOpenAI(api_key="k", base_url=emulator.url + "/v1") as sdk:
        with pytest.raises(openai.APIStatusError) as refused:
            await sdk.batches.retrieve("batch_abc")
    elapsed = time.monotonic() - started
    assert refused.value.status_code == 421 and FIX in str(refused.value)
    assert elapsed < PROMPTLY, f"took {elapsed:.2f} s"


@pytest.mark.emulator(api="writer", in_process=True)
def test_a_sync_sdk_given_only_the_url_fails_at_once_too(emulator: EmulatorHandle) -> None:
    started = time.monotonic()
    sdk = writerai.Writer(api_key="k", base_url=emulator.url)
    with sdk, pytest.raises(writerai.APIStatusError, match=r"http_client=emulator\.client\(\)"):
        sdk.applications.jobs.list("app")
    assert time.monotonic() - started < PROMPTLY
