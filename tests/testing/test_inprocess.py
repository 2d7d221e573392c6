"""emulator.testing.inprocess: httpx clients, synchronous and asynchronous, reaching an ASGI app
without a socket, bounded by the client's own timeout as a socket would be; the async one from
asyncio and trio alike, the app always on its own loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest

from emulator.testing.inprocess import AsyncInProcessTransport, EventLoopThread, InProcessTransport


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    thread = EventLoopThread()
    yield thread.loop
    thread.stop()


class Hangs:
    """An app that answers ``/fast`` at once and never answers anything else."""

    def __init__(self) -> None:
        self.hanging = threading.Event()
        self.cancelled = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] != "/fast":
            self.hanging.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_a_hung_request_ends_at_the_clients_read_timeout(loop: asyncio.AbstractEventLoop) -> None:
    app = Hangs()
    client = httpx.Client(transport=InProcessTransport(app, loop), base_url="http://app")
    with pytest.raises(httpx.ReadTimeout, match=r"within 0\.2 s"):
        client.get("/hang", timeout=0.2)
    assert app.cancelled.wait(5), "the app's handling of the abandoned request goes on"
    # The transport and its loop serve the next request as before.
    assert client.get("/fast", timeout=5).text == "ok"


def test_no_timeout_waits_for_the_answer(loop: asyncio.AbstractEventLoop) -> None:
    client = httpx.Client(transport=InProcessTransport(Hangs(), loop), base_url="http://app")
    assert client.get("/fast", timeout=None).status_code == 200


# -- the async transport: any event loop, the app on its own ------------------------------------


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Drops:
    """An app that returns without answering: a dropped connection."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        return None


class LoopOf:
    """An app that answers with the name of the thread it runs on."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        name = threading.current_thread().name.encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": name})


def async_client(app: Any, loop: asyncio.AbstractEventLoop) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=AsyncInProcessTransport(app, loop), base_url="http://app")


@pytest.mark.anyio
async def test_the_app_runs_on_its_own_loop_whatever_loop_awaits_it(
    loop: asyncio.AbstractEventLoop, anyio_backend: str
) -> None:
    async with async_client(LoopOf(), loop) as client:
        answer = await client.get("/")
    assert answer.text == "jobs-emulator-inprocess"  # the helper thread, not the test's


@pytest.mark.anyio
async def test_an_async_request_ends_at_the_clients_read_timeout(
    loop: asyncio.AbstractEventLoop, anyio_backend: str
) -> None:
    app = Hangs()
    async with async_client(app, loop) as client:
        with pytest.raises(httpx.ReadTimeout, match=r"within 0\.2 s"):
            await client.get("/hang", timeout=0.2)
        assert await anyio.to_thread.run_sync(app.cancelled.wait, 5), "the app goes on"
        assert (await client.get("/fast", timeout=None)).text == "ok"


@pytest.mark.anyio
async def test_a_cancelled_request_is_cancelled_in_the_app(
    loop: asyncio.AbstractEventLoop, anyio_backend: str
) -> None:
    app = Hangs()
    async with async_client(app, loop) as client, anyio.create_task_group() as tasks:
        tasks.start_soon(client.get, "/hang")
        assert await anyio.to_thread.run_sync(app.hanging.wait, 5)
        tasks.cancel_scope.cancel()
    assert await anyio.to_thread.run_sync(app.cancelled.wait, 5)


@pytest.mark.anyio
async def test_a_dropped_connection_is_a_protocol_error(
    loop: asyncio.AbstractEventLoop, anyio_backend: str
) -> None:
    async with async_client(Drops(), loop) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await client.get("/")


@pytest.mark.anyio
async def test_many_requests_at_once(loop: asyncio.AbstractEventLoop, anyio_backend: str) -> None:
    answers: list[str] = []

    async def fetch(client: httpx.AsyncClient) -> None:
        answers.append((await client.get("/fast")).text)

    async with async_client(Hangs(), loop) as client, anyio.create_task_group() as tasks:
        for _ in range(20):
            tasks.start_soon(fetch, client)
    assert answers == ["ok"] * 20
