"""What answers at an in-process emulator's URL: a loopback server that refuses every request at
once, with a message that names the fix.

In process, ``emulator.url`` is reached only through the fixture's clients
(``emulator.client()``, ``emulator.async_client()``), whose transport hands each request to the
app. An SDK given the URL alone opens a connection of its own; when that connection fails, every
SDK retries with backoff (some for minutes) and then says only "Connection error.". An HTTP
answer is different: ``421 Misdirected Request`` with ``x-should-retry: false`` is retried by
none of them, and the SDK's error shows the body. So the URL of an in-process emulator points
here, and the test fails on its first request with a message saying what to pass.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["MESSAGE", "MissedTransportServer"]

MESSAGE = (
    "jobs-emulator: this test's emulator runs in process (in_process=True) and nothing listens "
    "at emulator.url: pass the SDK http_client=emulator.client(), or "
    "http_client=emulator.async_client() for an async SDK, as well as base_url=emulator.url"
)
# The message twice, where either kind of SDK looks: generated SDKs read ``error.message``,
# RFC 7807 readers ``detail``.
_BODY = json.dumps({"error": {"message": MESSAGE}, "detail": MESSAGE}).encode()


class _Refusal(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _refuse(self) -> None:
        # Read what the client sends first: closing on an unread body may reset the
        # connection, and a reset is what SDKs retry.
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(421)
        self.send_header("content-type", "application/json")
        self.send_header("x-should-retry", "false")
        self.send_header("content-length", str(len(_BODY)))
        self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(_BODY)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse

    def log_message(self, format: str, *args: object) -> None:
        pass  # the client reports the refusal; the test's output needs no server log


class MissedTransportServer:
    """The refusing server on 127.0.0.1, on a port the kernel picks, in a daemon thread."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusal)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},  # how long stop() may wait
            name="jobs-emulator-missed-transport",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
