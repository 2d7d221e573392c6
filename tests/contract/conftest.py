"""Targets for the contract commands: emulators on real sockets (bundled and deliberately
altered, playing "the real service"), and sockets that are down, silent or not HTTP."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml

from emulator import DEFAULT_JWT_SECRET, Emulator, LiveServer, Settings, build
from emulator.bundle import bundled_profile, bundled_scenarios
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.load.scenario_load import load_scenarios
from emulator.openapi import load_spec


def admin_token() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is a short HMAC key
        return jwt.encode({"roles": ["admin"]}, DEFAULT_JWT_SECRET, "HS256")


AUTH = {
    "writer": "Authorization: Bearer My API Key",
    "openai": "Authorization: Bearer sk-openai-secret-123",
    "replicate": "Authorization: Bearer r8_replicate_secret_123",
    "retab": "Api-Key: sk-retab-secret-123",
    "osapi": f"Authorization: Bearer {admin_token()}",
}


@pytest.fixture(scope="session")
def served() -> Iterator[dict[str, LiveServer]]:
    """Every bundled API, strict, on its own real socket."""
    servers = {
        api: LiveServer(build(api=api, settings=Settings(strict=True))).start() for api in AUTH
    }
    yield servers
    for server in servers.values():
        server.stop()


def altered_profile(tmp: Path, api: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """The bundled profile of ``api`` with ``change`` applied, written to ``tmp``."""
    source = bundled_profile(api)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["spec"] = str(source.with_name(data["spec"]))
    data["scenarios"] = str(bundled_scenarios(api))
    change(data)
    path = tmp / f"{api}-altered.profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def altered_emulator(profile: Path, scenarios: Path | None = None) -> Emulator:
    """An emulator that serves what its profile says even where the spec forbids it: the load
    checks that would refuse the alteration are skipped on purpose, and strict mode is off."""
    loaded = load_profile(profile)
    assert loaded.spec_path is not None and loaded.scenarios_dir is not None
    folder = scenarios or loaded.scenarios_dir
    return Emulator(
        load_spec(loaded.spec_path), loaded, load_scenarios(folder), Settings(strict=False)
    )


@pytest.fixture
def serve() -> Iterator[Callable[[Emulator], LiveServer]]:
    started: list[LiveServer] = []

    def start(app: Emulator) -> LiveServer:
        started.append(LiveServer(app).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


class RawServer:
    """A TCP socket on 127.0.0.1 that answers every connection with ``reply`` (or nothing)."""

    def __init__(self, reply: bytes | None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.reply = reply
        self.connections = 0
        self.stop_event = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop_event.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.reply is None:
                self.held.append(conn)  # keep it open, say nothing
                continue
            conn.recv(65536)
            conn.sendall(self.reply)
            conn.close()

    def close(self) -> None:
        self.stop_event.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes | None], RawServer]]:
    made: list[RawServer] = []

    def make(reply: bytes | None) -> RawServer:
        made.append(RawServer(reply))
        return made[-1]

    yield make
    for server in made:
        server.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
