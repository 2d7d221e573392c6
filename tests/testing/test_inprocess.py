"""emulator.testing.inprocess: a synchronous httpx client reaching an ASGI app without a socket,
bounded by the client's own timeout as a socket would be."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator.testing.inprocess import EventLoopThread, InProcessTransport


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    thread = EventLoopThread()
    yield thread.loop
    thread.stop()


class Hangs:
    """An app that answers ``/fast`` at once and never answers anything else."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] != "/fast":
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
