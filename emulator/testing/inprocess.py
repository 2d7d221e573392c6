"""Serving an ASGI app to httpx clients without a socket, synchronous and asynchronous alike.

The app always runs on its own event loop in a helper thread (``EventLoopThread``), whatever
thread or loop the client is on, and a client waits for the answer the way its kind waits:

- ``InProcessTransport`` (an ``httpx.Client``'s) blocks its thread until the app has answered;
- ``AsyncInProcessTransport`` (an ``httpx.AsyncClient``'s) awaits the answer on the test's own
  loop, asyncio or trio, which keeps running meanwhile.

Why not httpx's own ``ASGITransport`` for the async side: it runs the app on the caller's
loop. The app keeps loop-bound state (the webhook scheduler starts on the loop of its first
request, its locks belong to it), and a test's loop ends with the test while the app serves
the whole session; the same app would also be reached from two threads at once, the test's
loop and the helper loop its synchronous control calls go to. It also turns a scripted dropped
connection into an ``AssertionError`` and knows no read timeout. Starlette's TestClient is
built on httpx2, which the SDKs refuse as ``http_client``.

Both transports answer as a socket would: a connection the app drops on purpose raises
``httpx.RemoteProtocolError``; an answer slower than the client's read timeout raises
``httpx.ReadTimeout``, and the app's handling of it is cancelled. The emulator answers whole
bodies (its self-check reads each one before it is sent), so a response is handed over whole.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import anyio
import anyio.to_thread
import httpx

__all__ = ["AsyncInProcessTransport", "EventLoopThread", "InProcessTransport"]

# The status, headers and body the app sent; no status: it dropped the connection.
Answer = tuple[int | None, list[tuple[bytes, bytes]], bytes]


class InProcessTransport(httpx.BaseTransport):
    """Sends each request straight to an ASGI app running on ``loop``, blocking until it answers."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(exchange(self.app, request, body), self.loop)
        timeout = _read_timeout(request)
        try:
            answer = future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _timed_out(request, timeout) from None
        return _response(request, answer)


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """Sends each request to an ASGI app running on ``loop`` and awaits its answer on the
    caller's own loop (asyncio, or trio through anyio), which goes on running meanwhile."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        future = asyncio.run_coroutine_threadsafe(exchange(self.app, request, body), self.loop)
        timeout = _read_timeout(request)
        try:
            answer = await _settled(future, timeout)
        except TimeoutError:
            raise _timed_out(request, timeout) from None
        finally:
            future.cancel()  # a request given up (timeout, cancelled task) stops in the app too
        return _response(request, answer)


async def _settled(future: concurrent.futures.Future[Answer], timeout: float | None) -> Answer:
    """The result of ``future``, awaited without blocking the running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # trio (or another loop anyio drives): a worker thread waits instead
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(future.result, abandon_on_cancel=True)
    # The app's loop hands the result over with call_soon_threadsafe: it never waits on ours.
    return await asyncio.wait_for(asyncio.wrap_future(future), timeout)


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: float | None = request.extensions.get("timeout", {}).get("read")
    return timeout


def _timed_out(request: httpx.Request, timeout: float | None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(
        f"no answer from the in-process app within {timeout} s", request=request
    )


def _response(request: httpx.Request, answer: Answer) -> httpx.Response:
    status, headers, content = answer
    if status is None:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(status, headers=headers, content=content, request=request)


async def exchange(app: Any, request: httpx.Request, body: bytes) -> Answer:
    """Play one HTTP request through ``app`` as an ASGI server would, on the running loop."""
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, url.port or 80),
    }
    delivered = False
    finished = asyncio.Event()
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()  # the client "disconnects" once it has the whole response
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)
    if not started:
        return None, [], b""
    return int(started["status"]), list(started.get("headers", [])), b"".join(chunks)


class EventLoopThread:
    """An asyncio loop running in a daemon thread, for in-process apps."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="jobs-emulator-inprocess", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
