"""The servers the benchmark loads, each a subprocess pinned to one CPU with ``taskset``.

- ``bare``: the cheapest Starlette app answering the same four routes with bodies of the same
  size, on the same uvicorn stack the emulator gets (uvloop, httptools, no access log);
- ``emulator``: ``jobs-emulator serve``, exactly as a user starts it, with the benchmark's
  scenarios (``bench/scenarios``);
- ``prism``: Stoplight Prism mocking the same spec, through ``npx`` (skipped when it cannot run).

Every child has a hard time limit (``timeout``), and ``Server.stop`` ends it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HOST = "127.0.0.1"
SERVER_CPU, LOAD_CPU = "0", "1"
HARD_LIMIT_S = 900.0  # whatever happens to the parent, no server outlives this
PRISM = ["npx", "--yes", "@stoplight/prism-cli@5"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def pinned(cpu: str, command: list[str], limit_s: float = HARD_LIMIT_S) -> list[str]:
    """``command`` on one CPU (when ``taskset`` exists), ended after ``limit_s``."""
    prefix = ["timeout", f"{limit_s:g}"]
    if shutil.which("taskset"):
        prefix += ["taskset", "-c", cpu]
    return [*prefix, *command]


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    started_s: float  # launch to first answer: the cold start, imports included

    @property
    def root(self) -> str:
        return f"http://{HOST}:{self.port}"

    def rss_mb(self) -> float:
        """Resident memory of the server process (the one under ``timeout``/``taskset``)."""
        pid = _leaf(self.process.pid)
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server process has used so far: at start, the
        work of starting, whatever else runs on the machine (``started_s`` is wall time)."""
        return _cpu_s(_leaf(self.process.pid))

    def tree_cpu_s(self) -> float:
        """``cpu_s`` of the server process and every process under it (``--workers``)."""
        return sum(_cpu_s(pid) for pid in _tree(_leaf(self.process.pid)))

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)  # the whole group (see start)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
    except OSError:
        return 0.0
    user, system = fields.split()[11:13]
    return (int(user) + int(system)) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, as they are now."""
    found, index = [pid], 0
    while index < len(found):
        parent = found[index]
        index += 1
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                found += [int(child) for child in (task / "children").read_text().split()]
            except OSError:  # the task ended meanwhile
                continue
    return found


def _leaf(pid: int) -> int:
    # timeout and taskset exec or fork: follow single children down to the real server.
    while True:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return pid
        if len(children) != 1:
            return pid
        pid = int(children[0])


def start(
    kind: str,
    *args: str,
    ready: str = "/",
    headers: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    cpus: str = SERVER_CPU,
    limit_s: float = HARD_LIMIT_S,
) -> Server:
    """``kind`` launched on ``cpus``; returns once ``ready`` (sent with ``headers``) gets any
    answer. It is ended after ``limit_s`` whatever happens."""
    port = free_port()
    if kind == "bare":
        command = [sys.executable, str(HERE / "bare_server.py"), str(port)]
    elif kind == "emulator":
        command = [str(Path(sys.executable).parent / "jobs-emulator"), "serve", "--port", str(port)]
        command += list(args)
    else:
        command = [*PRISM, "mock", *args, "--host", HOST, "--port", str(port), "--errors", "false"]
    launched = time.perf_counter()
    # Its own process group: npx starts npm, a shell and node, and all of them must go.
    process = subprocess.Popen(
        pinned(cpus, command, limit_s),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = launched + timeout
    while True:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{kind} did not start: {error.strip()[-500:]}")
        try:
            httpx.get(f"http://{HOST}:{port}{ready}", headers=headers, timeout=1)
            return Server(kind, process, port, time.perf_counter() - launched)
        except httpx.TransportError:
            if time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise RuntimeError(f"{kind} did not answer within {timeout:g} s") from None
            time.sleep(0.01)


def prism_available() -> str | None:
    """None when Prism runs here, else why not."""
    if shutil.which("npx") is None:
        return "npx is not installed"
    try:
        subprocess.run([*PRISM, "--version"], capture_output=True, timeout=180, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"npx could not run Prism ({type(exc).__name__})"
    return None
