"""Throughput over real HTTP: uvicorn in one process, a keep-alive load generator in another.

The server runs pinned to one CPU and the load generator to the other, so the figure is what
one server core sustains. The client is a bare asyncio protocol writing pre-built requests and
reading ``content-length`` bodies: a few microseconds a request, so on any machine it is the
server, never the client, that runs out of CPU (the report shows the server's CPU use to prove
it). Neither child outlives the run: a server exits when its stdin closes (the parent ends),
and every child has a hard time limit.

Roles, for the subprocesses: ``http_load.py serve emulator|bare`` and
``http_load.py load PORT PATH CONNECTIONS WARMUP SECONDS [SERVER_PID]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps import (
    APPLICATION,
    AUTH,
    BARE_JOB_ID,
    POLL_HEADERS,
    SCENARIO,
    build_bare,
    build_emulator,
    pin_to_cpu,
    poll_path,
)

HOST = "127.0.0.1"
_SELF = str(Path(__file__).resolve())
# Whatever happens to the parent, no child outlives this.
_HARD_LIMIT = 600.0


def _exit_with_parent() -> None:
    def watch() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    _exit_after(_HARD_LIMIT)


def _exit_after(seconds: float) -> None:
    timer = threading.Timer(seconds, lambda: os._exit(1))
    timer.daemon = True
    timer.start()


# -- server ---------------------------------------------------------------------------------


def serve(kind: str) -> None:
    import uvicorn

    _exit_with_parent()
    cpu = pin_to_cpu(0)
    app = build_emulator() if kind == "emulator" else build_bare()
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it uvicorn's two writes per response meet Nagle and delayed ACKs (40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    print(json.dumps({"port": sock.getsockname()[1], "cpu": cpu}), flush=True)
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int
    cpu: int | None
    path: str = ""

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(kind: str) -> Server:
    process = subprocess.Popen(
        [sys.executable, _SELF, "serve", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"the {kind} server did not start (exit code {process.wait()})")
    info = json.loads(line)
    server = Server(kind, process, info["port"], info["cpu"])
    _wait_listening(server.port)
    server.path = _create_job(server.port) if kind == "emulator" else poll_path(BARE_JOB_ID)
    return server


def _wait_listening(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _create_job(port: int) -> str:
    """Create the polled job over HTTP, as a client would, and return its poll path."""
    import httpx

    response = httpx.post(
        f"http://{HOST}:{port}/v1/applications/{APPLICATION}/jobs",
        headers={"authorization": AUTH, "x-emulator-scenario": SCENARIO},
        json={"inputs": [{"id": "topic", "value": ["running shoes"]}]},
    )
    response.raise_for_status()
    return poll_path(response.json()["id"])


# -- load generator -------------------------------------------------------------------------


class _Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight at a time."""

    def __init__(self, request: bytes, tally: dict[str, int]) -> None:
        self.request = request
        self.tally = tally
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            length = _content_length(head)
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.tally["done"] += 1
            if head[9:12] != b"200":
                self.tally["errors"] += 1
            if self.tally["stop"]:
                assert self.transport is not None
                self.transport.close()
                return
            assert self.transport is not None
            self.transport.write(self.request)


def _content_length(head: bytes) -> int:
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at)
    return int(head[at + 15 : stop if stop >= 0 else len(head)])


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(
    port: int, path: str, connections: int, warmup: float, seconds: float, server_pid: int
) -> dict[str, Any]:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in POLL_HEADERS.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    tally = {"done": 0, "errors": 0, "stop": 0}
    loop = asyncio.get_running_loop()
    transports = []
    for _ in range(connections):
        transport, _protocol = await loop.create_connection(
            lambda: _Connection(request, tally), HOST, port
        )
        transports.append(transport)
    await asyncio.sleep(warmup)
    done0, errors0, server0 = tally["done"], tally["errors"], _cpu_seconds(server_pid)
    wall0, own0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    done, errors = tally["done"] - done0, tally["errors"] - errors0
    server1 = _cpu_seconds(server_pid)
    wall = time.perf_counter() - wall0
    own = time.process_time() - own0
    tally["stop"] = 1
    for transport in transports:
        transport.close()
    server_cpu = (server1 - server0) / wall if server0 is not None and server1 is not None else None
    return {
        "rps": done / wall,
        "requests": done,
        "errors": errors,
        "client_cpu": own / wall,
        "server_cpu": server_cpu,
    }


def load_main(argv: list[str]) -> None:
    port, path, connections, warmup, seconds, pid = argv
    _exit_after(float(warmup) + float(seconds) + 30)
    cpu = pin_to_cpu(1)
    result = asyncio.run(
        _load(int(port), path, int(connections), float(warmup), float(seconds), int(pid))
    )
    print(json.dumps({**result, "cpu": cpu}), flush=True)


def measure(server: Server, connections: int, warmup: float, seconds: float) -> dict[str, Any]:
    """Load ``server`` from a separate process; requests/s and both sides' CPU use."""
    args = [str(server.port), server.path, str(connections), str(warmup), str(seconds)]
    completed = subprocess.run(
        [sys.executable, _SELF, "load", *args, str(server.process.pid)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=warmup + seconds + 60,
        check=True,
    )
    return dict(json.loads(completed.stdout))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1] == "load":
        load_main(sys.argv[2:])
