"""Serving an emulator over HTTP: in the foreground (the CLI) or in a thread (fixtures).

uvicorn skips signal handlers off the main thread, so a threaded server binds port 0 and
reports the port the kernel chose once it is listening.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType
from typing import Any, NamedTuple

import uvicorn

__all__ = [
    "SERVING_GC_THRESHOLDS",
    "LiveServer",
    "Stack",
    "bind",
    "serve_forever",
    "serve_workers",
    "stack",
]

# gc.set_threshold for a process that only serves (``serve_forever``); the defaults are
# (700, 10, 10). A LiveServer shares its process with the tests and leaves their GC alone.
SERVING_GC_THRESHOLDS = (7000, 20, 100)


class Stack(NamedTuple):
    """The event loop and HTTP parser uvicorn serves with."""

    loop: str
    http: str

    def __str__(self) -> str:
        return f"event loop {self.loop}, HTTP parser {self.http}"


def stack() -> Stack:
    """uvloop and httptools where they import (the dependencies' platforms), else asyncio, h11.

    Chosen here rather than by uvicorn's "auto" so that what ``serve`` prints is what runs.
    """
    return Stack(
        loop="uvloop" if _imports("uvloop") else "asyncio",
        http="httptools" if _imports("httptools") else "h11",
    )


def _imports(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


class _DropNoise(logging.Filter):
    # A scripted dropped connection is an ASGI app returning without a response, on purpose.
    def filter(self, record: logging.LogRecord) -> bool:
        return "ASGI callable should return None" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_DropNoise())
_HEAD_LIMIT = 1024 * 1024


def _config(app: Any, host: str, port: int, log_level: str) -> uvicorn.Config:
    # h11's own header limit answers in plain text; the app's (limits.py) is lower and answers
    # in the provider's envelope, so uvicorn's only stops what is absurdly large.
    loop, http = stack()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        access_log=False,
        loop=loop,
        http=http,
        h11_max_incomplete_event_size=_HEAD_LIMIT,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, which tells the app when its loop runs (``started``) and lets it wind
    down on that loop once it stops serving: the webhook scheduler's task and HTTP client live
    on that loop and close there."""

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        started = getattr(self.config.app, "started", None)
        if callable(started):
            started()
        try:
            await super().serve(sockets)
        finally:
            aclose = getattr(self.config.app, "aclose", None)
            if callable(aclose):
                await aclose()


class LiveServer:
    """An emulator on a real socket, in a background thread.

    >>> server = LiveServer(app).start()   # doctest: +SKIP
    >>> server.url                         # doctest: +SKIP
    'http://127.0.0.1:53817'
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._server = _Server(_config(app, host, port, "warning"))
        self._thread = threading.Thread(target=self._server.run, name="jobs-emulator", daemon=True)
        self.port = port

    def start(self, timeout: float = 10.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        sockets = self._server.servers[0].sockets
        self.port = sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ask_to_stop(self) -> None:
        """Tell the server to finish without waiting for it: a caller stopping many asks them
        all first, so their shutdowns (each waits for the server loop's next tick) overlap."""
        self._server.should_exit = True

    def stop(self) -> None:
        self.ask_to_stop()
        self._thread.join(timeout=10)
        _let_go(self.app)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; ``OSError`` (a busy port) before anything claims
    to be serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve_forever(app: Any, host: str, port: int, sock: socket.socket | None = None) -> None:
    """Run in the foreground until interrupted (Ctrl-C), on ``sock`` when ``bind`` made one."""
    # The loaded spec, validators and imports live as long as the process: frozen, the cyclic
    # collector stops walking their ~40k objects on every full collection (tens of ms each,
    # paid by whichever request triggers it: the p99).
    gc.collect()
    gc.freeze()
    # What serving keeps (jobs, journal entries) is acyclic and freed by reference counting;
    # the collector only finds cycles. Its default thresholds run a full collection every
    # quarter's growth of the old generation: with 100k jobs one walks ~400k objects, about
    # half a second paid by one request (bench: create's p99). Rarer young collections and a
    # full one only after 100 middle ones keep cycles collected, bounded, and off the p99.
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
    runner = _Server(_config(app, host, port, "warning"))
    try:
        if sock is None:
            runner.run()
        else:
            runner.run(sockets=[sock])
    finally:
        _let_go(app)


# A worker that dies this soon after it started is restarted only after this pause (seconds),
# so one that cannot start does not spin.
_QUICK_DEATH = 1.0


def serve_workers(app: Any, host: str, port: int, sock: socket.socket, workers: int) -> None:
    """``workers`` processes serving ``sock``, forked from this one once ``app`` is built (the
    loaded spec is shared, copy-on-write); the kernel hands each connection to one of them. A
    worker that dies is replaced; SIGINT or SIGTERM stops them all. The app must keep its
    state where every worker reaches it (``--state redis://...``)."""
    children: dict[int, tuple[int, float]] = {}
    stopping = False

    def start(index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve_forever(app, host, port, sock)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children[pid] = (index, time.monotonic())
        if stopping:  # the stop came as it was being started: it never saw one
            os.kill(pid, signal.SIGTERM)
        print(f"jobs-emulator: worker {index + 1} pid {pid}", flush=True)

    def stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(workers):
        start(index)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index, started = children.pop(pid, (-1, 0.0))
        if index < 0 or stopping:
            continue
        how = (
            f"was killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exited with {os.waitstatus_to_exitcode(status)}"
        )
        print(
            f"jobs-emulator: worker {index + 1} (pid {pid}) {how}; starting another",
            file=sys.stderr,
            flush=True,
        )
        if time.monotonic() - started < _QUICK_DEATH:
            time.sleep(_QUICK_DEATH)
        if stopping:  # stopped during the pause: no worker to start
            continue
        start(index)
    _let_go(app)


def _let_go(app: Any) -> None:
    """A stopped emulator closes its state file (``--state-file``), so another may open it."""
    close = getattr(app, "close", None)
    if callable(close):
        close()
