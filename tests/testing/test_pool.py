"""The session's pool of emulators: what closing it does."""

from __future__ import annotations

import pytest

from emulator.http.server import LiveServer
from emulator.settings import Settings, Sources
from emulator.testing.pool import EmulatorPool, ServerConfig


def test_closing_asks_every_server_to_stop_before_waiting_for_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each server takes a tick of its loop to stop: asked one after another, a session of many
    servers waited for all their ticks in a row at teardown."""
    steps: list[tuple[str, int]] = []
    ask, stop = LiveServer.ask_to_stop, LiveServer.stop

    def asked(server: LiveServer) -> None:
        steps.append(("ask", server.port))
        ask(server)

    def stopped(server: LiveServer) -> None:
        steps.append(("wait", server.port))
        stop(server)

    monkeypatch.setattr(LiveServer, "ask_to_stop", asked)
    monkeypatch.setattr(LiveServer, "stop", stopped)
    pool = EmulatorPool()
    for seed in (1, 2):
        config = ServerConfig(Sources(api="writer"), Settings(manual_clock=True, seed=seed))
        pool.root(config)
    pool.close()
    ports = {port for _, port in steps}
    assert len(ports) == 2
    first_wait = steps.index(next(step for step in steps if step[0] == "wait"))
    assert {port for kind, port in steps[:first_wait] if kind == "ask"} == ports
