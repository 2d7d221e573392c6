"""Serving an ASGI app to a synchronous httpx client without a socket.

httpx's own ASGITransport is async only, and Starlette's TestClient is built on httpx2, which
the SDKs refuse as ``http_client``: this transport runs each request on an event loop in a
helper thread and hands back an ordinary ``httpx.Response``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import httpx

__all__ = ["EventLoopThread", "InProcessTransport"]


class InProcessTransport(httpx.BaseTransport):
    """Sends each request straight to an ASGI app running on ``loop``.

    A connection the app drops on purpose is reported as httpx reports it from a socket:
    ``RemoteProtocolError``. An answer that takes longer than the client's read timeout is
    given up as over a socket too: ``ReadTimeout``, and the app's handling of it is cancelled.
    """

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._call(request, body), self.loop)
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            status, headers, content = future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise httpx.ReadTimeout(
                f"no answer from the in-process app within {timeout} s", request=request
            ) from None
        if status is None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(
        self, request: httpx.Request, body: bytes
    ) -> tuple[int | None, list[tuple[bytes, bytes]], bytes]:
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

        await self.app(scope, receive, send)
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
