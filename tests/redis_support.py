"""Real components for the shared-state tests: Debian's ``redis-server`` on a unix socket of
its own (no port to collide on), ``jobs-emulator serve`` processes, and Debian's ``haproxy`` in
front of them. Each starts on demand and says why it is skipped when it cannot be had."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")
HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
)
NO_REDIS = (
    "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)"
)
NO_HAPROXY = "haproxy is not installed (Debian: apt-get install haproxy; .ci/run installs it)"
SERVE = [sys.executable, "-m", "emulator", "serve"]


class Stoppable(Protocol):
    def ask_to_stop(self) -> None: ...


# Servers the session keeps running, until its fixtures are torn down one after another.
_SESSION_SERVERS: list[Stoppable] = []


def keep_for_session(server: Stoppable) -> None:
    """``server`` lives as long as the session: ``ask_all_to_stop`` asks it at the end."""
    _SESSION_SERVERS.append(server)


def ask_all_to_stop() -> None:
    """Ask every server kept for the session to stop, at once and without waiting: each
    fixture's own teardown then waits for a server already on its way out, not for each
    shutdown in turn."""
    for server in _SESSION_SERVERS:
        with contextlib.suppress(Exception):
            server.ask_to_stop()
    _SESSION_SERVERS.clear()


def _terminate_group(process: subprocess.Popen[Any] | None) -> None:
    """SIGTERM to the process group ``process`` leads (started with a session of its own),
    unless it has ended."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)


def need_redis() -> str:
    if REDIS_SERVER is None:
        pytest.skip(NO_REDIS)
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Any, timeout: float, what: str) -> None:
    """Poll ``check()`` (on I/O: a socket, a process) until it is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout} s")
        time.sleep(0.02)


class RedisServer:
    """``redis-server`` in ``folder``, on a unix socket; ``persistent``: an append-only file
    synced on every write, so a restart (even after ``kill -9``) brings every write back."""

    def __init__(self, folder: Path, *, persistent: bool = False) -> None:
        self.binary = need_redis()
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else []
        args = [
            self.binary,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--appendonly",
            "no",
            *persistence,
            "--databases",
            "64",
            "--loglevel",
            "warning",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until(self._answers, 10, f"redis-server did not answer on {self.socket}")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            error = self.process.stderr.read().decode() if self.process.stderr else ""
            raise RuntimeError(f"redis-server exited: {error}")
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def url(self, db: int = 0) -> str:
        return f"unix://{self.socket}?db={db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket), db=db)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        _closed(self.process)
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
        _closed(self.process)
        self.process = None


def _closed(process: subprocess.Popen[Any] | None) -> None:
    """Its pipes closed (the process has ended)."""
    if process is not None:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


class Serve:
    """``jobs-emulator serve`` in a process of its own, on a free port; stderr kept."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.args = [*SERVE, "--port", str(self.port), *args]
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        self._err = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Serve:
        self.process = subprocess.Popen(
            ["timeout", "600", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,
        )
        return self

    def ready(self, timeout: float = 60) -> Serve:
        wait_until(self._answers, timeout, f"{' '.join(self.args)} did not answer")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            code = self.process.returncode
            raise RuntimeError(f"serve exited {code}: {self.stderr()}")
        try:
            return httpx.get(self.url + "/_emulator/health", timeout=2).status_code < 600
        except httpx.HTTPError:
            return False

    def stderr(self) -> str:
        """Everything it wrote on stderr (it is stopped first)."""
        self.stop()
        return self._err

    def ask_to_stop(self) -> None:
        """SIGTERM, without waiting for the process to end."""
        _terminate_group(self.process)

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.ask_to_stop()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        if process.stderr is not None and not process.stderr.closed:
            self._err = process.stderr.read()
            process.stderr.close()
        if process.stdout is not None:
            process.stdout.close()


class Balancer:
    """``haproxy`` on a free port in front of ``backends`` (host:port), round robin per
    connection (TCP mode): it passes every byte both ways unchanged, a connection the emulator
    drops on purpose included."""

    def __init__(self, folder: Path, backends: Sequence[str]) -> None:
        if HAPROXY is None:
            pytest.skip(NO_HAPROXY)
        self.binary = HAPROXY
        self.port = free_port()
        self.config = folder / f"haproxy-{self.port}.cfg"
        servers = "\n".join(
            f"    server w{n} {address} check inter 200 fall 2 rise 1"
            for n, address in enumerate(backends, 1)
        )
        self.config.write_text(
            f"""global
    maxconn 4096
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend emulators
    bind 127.0.0.1:{self.port}
    default_backend workers
backend workers
    balance roundrobin
{servers}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Balancer:
        self.process = subprocess.Popen(
            ["timeout", "600", self.binary, "-db", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        wait_until(self._listens, 10, f"haproxy did not listen on {self.port}")
        return self

    def _listens(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            error = self.process.stderr.read().decode() if self.process.stderr else ""
            raise RuntimeError(f"haproxy exited: {error}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def ask_to_stop(self) -> None:
        """SIGTERM, without waiting for haproxy to end."""
        _terminate_group(self.process)

    def stop(self) -> None:
        self.ask_to_stop()
        if self.process is not None:
            self.process.wait(10)
        _closed(self.process)
