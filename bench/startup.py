"""Cold start: launch of ``jobs-emulator serve`` to its first answer, imports included.

For each bundled API, for a large generated spec (the Writer spec's paths repeated under 25
prefixes: 100 operations, served statelessly), and for the bare Starlette app as the baseline.

The first answer is that of a real API route: a GET of a job that does not exist, with the
credentials the API wants, so it goes through routing, auth, request validation, the store and
the self-check of the provider's 404 (the stateless large spec, with no store, answers its
health route). Each figure is the median of ``LAUNCHES`` launches, taken round-robin with the
bare baseline's so that load on the machine moves them alike.

The package's bytecode is compiled first, as ``pip install`` does: a launch measures importing
the emulator, not compiling its source (which a shell with ``PYTHONDONTWRITEBYTECODE`` set would
otherwise redo at every launch, about a third of the start).
"""

from __future__ import annotations

import compileall
import statistics
import tempfile
import warnings
from pathlib import Path
from typing import Any

import jwt
import servers
import yaml

from emulator.bundle import BUNDLED_APIS as BUNDLED
from emulator.settings import DEFAULT_JWT_SECRET

COPIES = 25
LAUNCHES = 5
UNKNOWN = "0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b"  # a well-formed id no job has


def _jwt() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is a short HMAC key
        return jwt.encode({"roles": ["read"]}, DEFAULT_JWT_SECRET, "HS256")


# Per bundled API: the retrieve route of an unknown job and the headers it is authorised with.
BEARER = {"Authorization": "Bearer bench"}
FIRST_REQUEST: dict[str, tuple[str, dict[str, str]]] = {
    "writer": (f"/v1/applications/jobs/{UNKNOWN}", BEARER),
    "openai": ("/v1/batches/batch_bench", BEARER),
    "osapi": (f"/job/{UNKNOWN}", {"Authorization": f"Bearer {_jwt()}"}),
    "replicate": ("/v1/predictions/bench", BEARER),
    "retab": ("/v1/jobs/job_bench", {"Api-Key": "bench"}),
}
HEALTH = ("/_emulator/health", {})


def large_spec(folder: Path) -> Path:
    spec = yaml.safe_load((servers.REPO / "specs" / "writer.yaml").read_text())
    paths = {}
    for n in range(COPIES):
        for path, item in spec["paths"].items():
            copy = yaml.safe_load(yaml.safe_dump(item))
            for operation in copy.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation["operationId"] += f"_{n}"
            paths[f"/copy{n}{path}"] = copy
    spec["paths"] = paths
    out = folder / "large.yaml"
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return out


def _cold(kind: str, args: tuple[str, ...], request: tuple[str, dict[str, str]]) -> float:
    ready, headers = request
    server = servers.start(kind, *args, ready=ready, headers=headers, timeout=120)
    server.stop()
    return server.started_s


def measure(launches: int = LAUNCHES) -> dict[str, Any]:
    compileall.compile_dir(str(servers.REPO / "emulator"), quiet=1)
    bare = ("bare", (), ("/v1/applications/jobs/x", {}))
    runs: dict[str, tuple[str, tuple[str, ...], tuple[str, dict[str, str]]]] = {"bare": bare}
    for api in BUNDLED:
        runs[api] = ("emulator", ("--api", api), FIRST_REQUEST.get(api, HEALTH))
    with tempfile.TemporaryDirectory() as tmp:
        runs[f"large spec ({COPIES * 4} operations)"] = (
            "emulator",
            ("--spec", str(large_spec(Path(tmp)))),
            HEALTH,
        )
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(launches):
            for name, run in runs.items():
                times[name].append(_cold(*run))
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def report(results: dict[str, Any]) -> str:
    lines = [
        f"cold start, launch to first API answer, median of {LAUNCHES} (imports included; "
        "target bundled < 0.5 s):"
    ]
    for name, seconds in results.items():
        label = "bare Starlette (baseline)" if name == "bare" else name
        ratio = "" if name == "bare" else f"  {seconds / results['bare']:5.2f}x bare"
        lines.append(f"  {label:32s}{seconds:6.2f} s{ratio}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
