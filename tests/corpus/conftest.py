"""Real servers for the corpus: one per API over its unmodified spec, on a manual clock in
strict mode, with the finished profile (``finished_*``) or the unedited draft (``drafted``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emulator.bundle import build
from emulator.drafting import draft_profile, write_draft
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle

from .corpus_support import finished_profile, unpack

MANUAL = Settings(manual_clock=True, strict=True)
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def _serve(profile: Path, spec: Path) -> Iterator[LiveServer]:
    server = LiveServer(build(profile=profile, spec=spec, settings=MANUAL)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def finished_server(corpus_dir: Path) -> Iterator[Callable[[str], LiveServer]]:
    """The API's server with its finished profile, started once per session."""
    servers: dict[str, tuple[Iterator[LiveServer], LiveServer]] = {}

    def get(name: str) -> LiveServer:
        if name not in servers:
            running = _serve(finished_profile(name), unpack(name, corpus_dir))
            servers[name] = (running, next(running))
        return servers[name][1]

    yield get
    for running, _ in servers.values():
        next(running, None)


@pytest.fixture
def handle_on(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[LiveServer], EmulatorHandle]]:
    """A fresh namespace of a server, closed after the test."""
    made: list[EmulatorHandle] = []

    def make(server: LiveServer) -> EmulatorHandle:
        handle = EmulatorHandle.for_server(server.url, f"{request.node.name[:40]}-{next(_counter)}")
        made.append(handle)
        return handle

    yield make
    for handle in made:
        handle.close()


@pytest.fixture
def drafted(corpus_dir: Path, tmp_path: Path) -> Iterator[Callable[[str], LiveServer]]:
    """A server of the API's unedited draft (``jobs-emulator init``'s output, as written)."""
    started: list[LiveServer] = []

    def serve(name: str) -> LiveServer:
        spec = unpack(name, corpus_dir)
        profile = write_draft(draft_profile(spec, name=name), spec, tmp_path)[0]
        server = LiveServer(build(profile=profile, settings=MANUAL)).start()
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()


@pytest.fixture
def emu(
    request: pytest.FixtureRequest,
    finished_server: Callable[[str], LiveServer],
    handle_on: Callable[[LiveServer], EmulatorHandle],
) -> EmulatorHandle:
    """A fresh namespace of the test module's API (its ``API``) with the finished profile."""
    return handle_on(finished_server(request.module.API))


@pytest.fixture
def draft_emu(
    request: pytest.FixtureRequest,
    drafted: Callable[[str], LiveServer],
    handle_on: Callable[[LiveServer], EmulatorHandle],
) -> EmulatorHandle:
    """A namespace of the test module's API served from its unedited draft."""
    return handle_on(drafted(request.module.API))
