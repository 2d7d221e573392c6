"""Cold start: launch of ``jobs-emulator serve`` to its first answer, imports included.

For each bundled API, for a large generated spec (the Writer spec's paths repeated under 25
prefixes: 100 operations, served statelessly), and for the bare Starlette app as the baseline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import servers
import yaml

from emulator.bundle import BUNDLED_APIS as BUNDLED

COPIES = 25


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


def _cold(kind: str, *args: str) -> float:
    ready = "/_emulator/health" if kind == "emulator" else "/v1/applications/jobs/x"
    server = servers.start(kind, *args, ready=ready, timeout=120)
    server.stop()
    return server.started_s


def measure() -> dict[str, Any]:
    out: dict[str, Any] = {"bare": _cold("bare")}
    for api in BUNDLED:
        out[api] = _cold("emulator", "--api", api)
    with tempfile.TemporaryDirectory() as tmp:
        spec = large_spec(Path(tmp))
        out[f"large spec ({COPIES * 4} operations)"] = _cold("emulator", "--spec", str(spec))
    return out


def report(results: dict[str, Any]) -> str:
    lines = ["cold start, launch to first answer (imports included; target bundled < 0.5 s):"]
    for name, seconds in results.items():
        label = "bare Starlette (baseline)" if name == "bare" else name
        lines.append(f"  {label:32s}{seconds:6.2f} s")
    return "\n".join(lines)
