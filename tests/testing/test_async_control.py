"""The fixture's control calls from async tests, live and in process.

A control call is synchronous; the emulator answers it on a loop of its own, so the call holds
the test's loop for one round trip and needs nothing from it. The one call that can need the
test's loop is a clock move that delivers a webhook to a receiver the test serves on that
loop: moved from a thread, it is delivered while the test's loop goes on serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from collections.abc import AsyncIterator

import httpx
import pytest

from emulator.errors import EmulatorError
from emulator.testing.handle import EmulatorHandle

BATCH = {"profile": "specs/examples/profiles/batch.profile.yaml"}
modes = pytest.mark.parametrize(
    "in_process",
    [
        pytest.param(False, marks=pytest.mark.emulator(**BATCH, in_process=False), id="live"),
        pytest.param(True, marks=pytest.mark.emulator(**BATCH, in_process=True), id="in-process"),
    ],
)


class LoopReceiver:
    """A webhook receiver served by the test's own event loop: it answers 200 to any POST."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Serve on 127.0.0.1 while the block runs; its URL."""
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        async with server:
            yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        self.bodies.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@modes
@pytest.mark.asyncio
async def test_a_clock_move_from_a_thread_delivers_to_a_receiver_on_the_tests_loop(
    emulator: EmulatorHandle, in_process: bool
) -> None:
    receiver = LoopReceiver()
    async with receiver.serving() as url, emulator.async_client() as api:
        subscription = emulator.webhooks.subscribe(url)
        job_id = (await api.post("/v1/batches", json={"input_file_id": "f"})).json()["id"]
        # The emulator delivers what falls due before it answers the move: to a receiver on
        # this loop, so the loop must keep running while the call is under way.
        await asyncio.to_thread(emulator.clock.advance, 60)
    [delivered] = [d for d in emulator.webhooks.deliveries() if d["outcome"] == "delivered"]
    assert delivered["subscription"] == subscription["id"]
    assert len(receiver.bodies) == 1 and job_id.encode() in receiver.bodies[0]


@modes
@pytest.mark.asyncio
async def test_async_clients_are_closed_when_the_test_ends(
    emulator: EmulatorHandle, in_process: bool
) -> None:
    api = emulator.async_client()
    assert (await api.post("/v1/batches", json={"input_file_id": "f"})).status_code == 200
    emulator.close()  # what the fixture's teardown does, after pytest-asyncio closed this loop
    assert api.is_closed
    with pytest.raises(RuntimeError, match="client has been closed"):
        await api.get("/v1/batches")


@pytest.mark.emulator(**BATCH)
def test_an_async_client_made_outside_a_loop_works_on_a_loop_made_later(
    emulator: EmulatorHandle,
) -> None:
    api = emulator.async_client()

    async def create() -> httpx.Response:
        return await api.post("/v1/batches", json={"input_file_id": "f"})

    assert asyncio.run(create()).status_code == 200
    assert asyncio.run(create()).status_code == 200  # a second loop: no connection outlives one


@pytest.mark.emulator(**BATCH)
def test_a_pooled_connection_left_past_its_loop_is_named_at_teardown(
    emulator: EmulatorHandle,
) -> None:
    api = emulator.async_client(limits=httpx.Limits())  # pooled: the test's to close

    async def create() -> int:
        return (await api.post("/v1/batches", json={"input_file_id": "f"})).status_code

    assert asyncio.run(create()) == 200  # the loop ends, the connection stays in the pool
    with pytest.raises(EmulatorError, match=r"close the client in the test \(async with"):
        emulator.close()
    with warnings.catch_warnings():  # the socket its closed loop could not close
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
