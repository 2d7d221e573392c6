"""emulator.http.server: the fast stack (uvloop, httptools) by default, asyncio and h11 without
it, and the stack it reports is the one that serves."""

from __future__ import annotations

import asyncio
import platform
import sys
from typing import Any

import httpx
import pytest

from emulator.http import server
from emulator.http.server import LiveServer, Stack, stack

CPYTHON_POSIX = platform.python_implementation() == "CPython" and sys.platform != "win32"


async def _loop_module(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = type(asyncio.get_running_loop()).__module__.encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _served_by(live: LiveServer) -> tuple[str, str]:
    """(the event loop's module, the HTTP protocol class) of a request on a kept-open connection."""
    with httpx.Client(base_url=live.url) as client:
        loop = client.get("/").text
        connections = live._server.server_state.connections
        protocol = type(next(iter(connections))).__name__
    return loop, protocol


@pytest.mark.skipif(not CPYTHON_POSIX, reason="uvloop and httptools are CPython/POSIX dependencies")
def test_the_dependencies_give_uvloop_and_httptools() -> None:
    assert stack() == Stack("uvloop", "httptools")
    assert str(stack()) == "event loop uvloop, HTTP parser httptools"


@pytest.mark.skipif(not CPYTHON_POSIX, reason="uvloop and httptools are CPython/POSIX dependencies")
def test_a_live_server_runs_the_stack_it_reports() -> None:
    with LiveServer(_loop_module) as live:
        assert _served_by(live) == ("uvloop", "HttpToolsProtocol")


def test_without_uvloop_and_httptools_it_serves_on_asyncio_and_h11(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A None entry in sys.modules makes the import fail, as on a platform without wheels.
    monkeypatch.setitem(sys.modules, "uvloop", None)
    monkeypatch.setitem(sys.modules, "httptools", None)
    assert stack() == Stack("asyncio", "h11")
    config = server._config(_loop_module, "127.0.0.1", 0, "warning")
    assert (config.loop, config.http) == ("asyncio", "h11")
    with LiveServer(_loop_module) as live:
        loop, protocol = _served_by(live)
    assert loop.startswith("asyncio") and protocol == "H11Protocol"


def test_serving_in_the_foreground_freezes_what_was_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    ran: list[tuple[int, tuple[int, int, int]]] = []
    monkeypatch.setattr(
        server.uvicorn.Server,
        "run",
        lambda self: ran.append((gc.get_freeze_count(), gc.get_threshold())),
    )
    before = gc.get_threshold()
    try:
        server.serve_forever(_loop_module, "127.0.0.1", 0)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert ran and ran[0][0] > 0  # the app and its imports, out of the collector's sight
    # Full collections (which walk every job) rare while serving; young ones still run.
    assert ran[0][1] == server.SERVING_GC_THRESHOLDS
    assert ran[0][1][0] > before[0] and ran[0][1][2] > before[2]
