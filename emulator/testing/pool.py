"""The session's emulators: one app per distinct configuration, its server started on first use,
and one control wire per server that every test's handle shares.

In process, the apps run on one helper loop (``inprocess.EventLoopThread``) and reach
themselves at ``IN_PROCESS_ROOT`` (the host their webhook sender keeps in process); a test's
``emulator.url`` is the address of a ``MissedTransportServer``, so that an SDK built without
the fixture's client fails on its first request, saying so.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

import httpx

from emulator.bundle import build
from emulator.errors import EmulatorError
from emulator.http.app import Emulator
from emulator.http.delivery.sender import SELF_HOST
from emulator.http.server import LiveServer
from emulator.settings import Settings, Sources
from emulator.testing.handle import EmulatorHandle, plain_http_client
from emulator.testing.inprocess import (
    AsyncInProcessTransport,
    EventLoopThread,
    InProcessTransport,
)
from emulator.testing.missed_transport import MissedTransportServer
from emulator.testing.wire import HttpxWire, LoopbackWire, Wire

__all__ = ["IN_PROCESS_ROOT", "EmulatorPool", "ServerConfig", "TestOptions"]

IN_PROCESS_ROOT = f"http://{SELF_HOST}"


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
    """The session's emulators, built once per distinct ServerConfig; servers start lazily.

    With ``url`` (``--emulator-url``) every test runs on that deployment instead: nothing is
    built or started here, and the namespaces' names carry ``run``, a token of this test
    process, so that runs on several CI machines sharing the deployment never meet."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url.rstrip("/") if url else None
        self.run = secrets.token_hex(4)
        self._serves: str | None = None
        self._apps: dict[tuple[ServerConfig, bool], Emulator | Exception] = {}
        self._servers: dict[ServerConfig, LiveServer] = {}
        self._loop: EventLoopThread | None = None
        self._missed: MissedTransportServer | None = None
        self._served_in_process: list[Emulator] = []
        # One control wire per server (and per in-process app), kept for the session: a new
        # client costs far more than a call on a warm connection.
        self._controls: dict[tuple[ServerConfig, bool], Wire] = {}

    def app(self, config: ServerConfig, in_process: bool = False) -> Emulator:
        """The app for ``config``: one for its server, another for tests in process.

        Not one app for both: an app keeps state bound to the loop that first served it (its
        webhook scheduler and its locks), and the server's loop is not the in-process one.
        """
        key = (config, in_process)
        if key not in self._apps:
            try:
                self._apps[key] = config.build()
            except Exception as exc:  # a broken spec fails every test using it, quickly
                self._apps[key] = exc
        found = self._apps[key]
        if isinstance(found, Exception):
            raise found
        return found

    def root(self, config: ServerConfig) -> str:
        """The base URL of a live server for ``config``, started on first use."""
        if self.url is not None:
            return self._deployment(config)
        if config not in self._servers:
            self._servers[config] = LiveServer(self.app(config)).start()
        return self._servers[config].url

    def _deployment(self, config: ServerConfig) -> str:
        """``--emulator-url``, once it has said what it serves (refused: another API)."""
        assert self.url is not None
        if self._serves is None:
            try:
                health = httpx.get(f"{self.url}/_emulator/health", timeout=10).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise EmulatorError(f"--emulator-url {self.url} does not answer: {exc}") from None
            self._serves = str(health.get("profile"))
        wanted = config.sources.api
        if wanted is not None and wanted != self._serves:
            raise EmulatorError(
                f"--emulator-url {self.url} serves {self._serves!r}, and this test asks for "
                f"{wanted!r}: run it without --emulator-url, or against a deployment of {wanted}"
            )
        return self.url

    def namespace(self, name: str) -> str:
        """The namespace a test named ``name`` gets: unique to this run on a shared URL."""
        return name if self.url is None else f"{name}-{self.run}"

    def handle(self, options: TestOptions, namespace: str) -> EmulatorHandle:
        if options.in_process:
            return self._in_process_handle(options, namespace)
        config = options.server
        root = self.root(config)
        token = config.settings.control_token
        if (config, False) not in self._controls:
            self._controls[config, False] = LoopbackWire(root, token=token)
        return EmulatorHandle.for_server(
            root,
            namespace,
            api=config.api,
            clock=options.clock,
            scenario=options.scenario,
            control=self._controls[config, False],
            token=token,
        )

    def _in_process_handle(self, options: TestOptions, namespace: str) -> EmulatorHandle:
        if self.url is not None:
            raise EmulatorError(
                "in_process=True runs the emulator in this process: it cannot use "
                f"--emulator-url {self.url}"
            )
        config = options.server
        app = self.app(config, in_process=True)
        if self._loop is None:
            self._loop = EventLoopThread()
        if self._missed is None:
            self._missed = MissedTransportServer()
        loop = self._loop.loop
        token = config.settings.control_token
        if (config, True) not in self._controls:
            self._served_in_process.append(app)
            transport = InProcessTransport(app, loop)
            client = plain_http_client(IN_PROCESS_ROOT, transport=transport)
            self._controls[config, True] = HttpxWire(client, token)
        return EmulatorHandle.for_server(
            self._missed.url,
            namespace,
            own_root=IN_PROCESS_ROOT,
            api=config.api,
            clock=options.clock,
            scenario=options.scenario,
            transport=lambda: InProcessTransport(app, loop),
            async_transport=lambda: AsyncInProcessTransport(app, loop),
            control=self._controls[config, True],
            token=token,
        )

    def close(self) -> None:
        for wire in self._controls.values():
            wire.close()
        self._controls.clear()
        if self._loop is not None:
            # Their webhook schedulers run on the helper loop: stopped there, not left pending.
            for app in self._served_in_process:
                asyncio.run_coroutine_threadsafe(app.aclose(), self._loop.loop).result(10)
        self._served_in_process.clear()
        for server in self._servers.values():
            server.ask_to_stop()
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
        if self._missed is not None:
            self._missed.stop()
            self._missed = None
