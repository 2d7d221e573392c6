"""Load from ``wrk`` (Debian's package), pinned to the CPU the server does not use.

One Lua script per route: the request, the headers a client sends, and for ``retry`` a rotation
over several failed jobs (each retry is accepted, so each is real work). ``fill`` sends exactly
N creates and stops: how the benchmark puts 100k jobs in a namespace over HTTP.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from servers import LOAD_CPU, pinned

AUTH = "Bearer bench"
BODY = json.dumps({"inputs": [{"id": "topic", "value": ["running shoes"]}]})
_CHUNK = 5.0  # seconds per fill run
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}

_HEADERS = f"""
wrk.headers["Authorization"] = "{AUTH}"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Emulator-Scenario"] = "happy-path"
"""


def script(method: str, paths: list[str], body: str | None = None) -> str:
    """Lua: ``method`` to each of ``paths`` in turn, with ``body``."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    lua_body = "nil" if body is None else json.dumps(body)
    return (
        _HEADERS
        + f"""
local paths = {{{quoted}}}
local body = {lua_body}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("{method}", paths[i], nil, body)
end
"""
    )


def fill_script(path: str, count: int) -> str:
    """Lua: POST creates to ``path`` until ``count`` answers came back, then stop."""
    return (
        _HEADERS
        + f"""
wrk.method = "POST"
wrk.body = {json.dumps(BODY)}
local done = 0
response = function(status, headers, body)
  done = done + 1
  if done >= {count} then wrk.thread:stop() end
end
"""
    )


def fill(url: str, path: str, count: int, *, connections: int, budget: float = 300.0) -> int:
    """POST ``count`` creates to ``path`` (``url`` is the server root plus ``path``); returns
    how many were answered. In runs of a few seconds: ``wrk.thread:stop()`` stops the requests,
    but wrk's main thread still sleeps its whole ``-d``, so one long run would idle to its end."""
    done, started = 0, time.monotonic()
    while done < count and time.monotonic() - started < budget:
        out = run(url, fill_script(path, count - done), connections=connections, seconds=_CHUNK)
        if not out["requests"]:
            break
        done += out["requests"]
    return done


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    root: str, lua: str, *, connections: int, seconds: float, timeout: float | None = None
) -> dict[str, Any]:
    """Requests/s, p50 and p99 (ms), and non-2xx answers, for ``seconds`` of load."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
        command += ["-s", handle.name, root]
        done = subprocess.run(
            pinned(LOAD_CPU, command),
            capture_output=True,
            text=True,
            timeout=timeout or seconds + 60,
            check=True,
        )
    finally:
        Path(handle.name).unlink()
    return parse(done.stdout)


def parse(out: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if rps is None or total is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    latency = {
        pct: float(value) * _UNITS[unit]
        for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else None,
    }
