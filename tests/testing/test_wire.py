"""emulator.testing.wire: control calls on one kept-alive connection, sent again on a new one
when the server closed the idle connection; httpx where plain HTTP does not reach."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import httpx
import pytest

from emulator.testing.wire import HttpxWire, LoopbackWire


class _AnswerOnceThenHangUp(socketserver.StreamRequestHandler):
    # Keep-alive by HTTP/1.1's default, then closed after one answer: what a server does to an
    # idle connection when its keep-alive timeout runs out.
    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.server.connections += 1  # type: ignore[attr-defined]
        self.wfile.write(b'HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{"ok": true}')


@pytest.fixture
def hang_up_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _AnswerOnceThenHangUp)
    server.connections = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_closed_idle_connection_is_reopened_and_the_call_sent_again(
    hang_up_server: socketserver.ThreadingTCPServer,
) -> None:
    port = hang_up_server.server_address[1]
    wire = LoopbackWire(f"http://127.0.0.1:{port}")
    try:
        for _ in range(3):
            assert wire.send("GET", f"http://127.0.0.1:{port}/x?a=1", None) == (
                200,
                b'{"ok": true}',
            )
    finally:
        wire.close()
    assert hang_up_server.connections == 3  # type: ignore[attr-defined]


def test_the_loopback_wire_speaks_plain_http_only() -> None:
    with pytest.raises(ValueError, match="plain HTTP"):
        LoopbackWire("https://127.0.0.1:8443")


def test_the_httpx_wire_sends_json_through_any_transport() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, content=b"{}")

    wire = HttpxWire(httpx.Client(transport=httpx.MockTransport(answer)))
    assert wire.send("POST", "http://e.local/_emulator/reset", b"{}") == (201, b"{}")
    wire.close()
    assert seen[0].headers["content-type"] == "application/json" and seen[0].content == b"{}"
