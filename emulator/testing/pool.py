"""The session's emulators: one app per distinct configuration, its server started on first use,
and one control wire per server that every test's handle shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from emulator.bundle import build
from emulator.http.app import Emulator
from emulator.http.server import LiveServer
from emulator.settings import Settings, Sources
from emulator.testing.handle import EmulatorHandle, plain_http_client
from emulator.testing.inprocess import EventLoopThread, InProcessTransport
from emulator.testing.wire import HttpxWire, LoopbackWire, Wire

__all__ = ["IN_PROCESS_ROOT", "EmulatorPool", "ServerConfig", "TestOptions"]

IN_PROCESS_ROOT = "http://emulator.local"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What makes two emulators differ; tests with equal configs share one server."""

    sources: Sources = field(default_factory=Sources)
    # Always a manual clock: each test's namespace is reset to the clock that test asks for.
    settings: Settings = field(default_factory=lambda: Settings(manual_clock=True))

    @property
    def api(self) -> str | None:
        return self.sources.bundled_api

    def build(self) -> Emulator:
        s = self.sources
        return build(
            api=s.bundled_api,
            spec=s.spec,
            profile=s.profile,
            scenarios=s.scenarios,
            settings=self.settings,
        )


@dataclass(frozen=True, slots=True)
class TestOptions:
    """One test's emulator: a server config plus what is per namespace."""

    __test__ = False  # not a test class, whatever its name says

    server: ServerConfig
    clock: str = "manual"
    scenario: str | None = None
    in_process: bool = False
    # True: the built-in receiver gets every event; a list of event names: those; a URL.
    webhooks: bool | str | tuple[str, ...] = False


class EmulatorPool:
    """The session's emulators, built once per distinct ServerConfig; servers start lazily."""

    def __init__(self) -> None:
        self._apps: dict[ServerConfig, Emulator | Exception] = {}
        self._servers: dict[ServerConfig, LiveServer] = {}
        self._loop: EventLoopThread | None = None
        # One control wire per server (and per in-process app), kept for the session: a new
        # client costs milliseconds, a call on a warm connection a fraction of one.
        self._controls: dict[tuple[ServerConfig, bool], Wire] = {}

    def app(self, config: ServerConfig) -> Emulator:
        if config not in self._apps:
            try:
                self._apps[config] = config.build()
            except Exception as exc:  # a broken spec fails every test using it, quickly
                self._apps[config] = exc
        found = self._apps[config]
        if isinstance(found, Exception):
            raise found
        return found

    def root(self, config: ServerConfig) -> str:
        """The base URL of a live server for ``config``, started on first use."""
        if config not in self._servers:
            self._servers[config] = LiveServer(self.app(config)).start()
        return self._servers[config].url

    def in_process(self, config: ServerConfig) -> Callable[[], httpx.BaseTransport]:
        app = self.app(config)
        if self._loop is None:
            self._loop = EventLoopThread()
        loop = self._loop.loop
        return lambda: InProcessTransport(app, loop)

    def handle(self, options: TestOptions, namespace: str) -> EmulatorHandle:
        config = options.server
        transport = self.in_process(config) if options.in_process else None
        root = IN_PROCESS_ROOT if options.in_process else self.root(config)
        key = (config, options.in_process)
        token = config.settings.control_token
        if key not in self._controls:
            self._controls[key] = (
                HttpxWire(plain_http_client(root, transport=transport()), token)
                if transport
                else LoopbackWire(root, token=token)
            )
        return EmulatorHandle.for_server(
            root,
            namespace,
            api=config.api,
            clock=options.clock,
            scenario=options.scenario,
            transport=transport,
            control=self._controls[key],
            token=token,
        )

    def close(self) -> None:
        for wire in self._controls.values():
            wire.close()
        self._controls.clear()
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
