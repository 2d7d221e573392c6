"""Spec load: a large spec from launch to listening, next to parsing the same file and Prism.

    .venv/bin/python bench/spec_load.py                       # generated + OpenAI's spec
    .venv/bin/python bench/spec_load.py --openai openapi.yaml  # another copy of OpenAI's
    .venv/bin/python bench/spec_load.py --no-prism
    .venv/bin/python bench/spec_load.py --only github --only generated --update

For each spec, three fresh processes: **parse** (the baseline: the standard library's JSON
parser or libyaml reads the file, nothing else), **emulator** (``jobs-emulator serve`` with a
profile binding a few operations, from launch to its first health answer, imports included)
and **Prism** (``prism mock`` of the same file, launch to first answer; skipped with a note when
``npx`` cannot run it). Each gives seconds and the process's RSS (for the emulator, once
listening) and the CPU seconds it used to get there: wall time moves with whatever else runs
on the machine, CPU time much less, so both are kept, with the load average. The emulator is
started ``--repeat`` times (3) and its median kept beside every run. The specs:

- generated: ``tests/openapi/generated.py``, 1,001 operations over a 60-deep graph of
  components with fan-out and cycles, one schema broken in an operation nothing binds (the
  emulator warns and serves; Prism gets the same file);
- OpenAI: its published ``openapi.yaml`` (github.com/openai/openai-openapi, MIT), unmodified,
  under the bundled ``openai`` profile (its four Batch operations bound): by default the tests'
  gzipped copy (tests/data/upstream), or any copy given with ``--openai``;
- GitHub: its REST API description (13 MB of JSON, 1,223 operations; tests/data/wild/github,
  MIT), unmodified, with ``--spec`` alone: every operation served statelessly, nothing bound.

Targets (issues 9 and 26): a 13 MB / 1,200-operation spec listening in under 2 s and 200 MB RSS.
``--update`` writes bench/results/spec_load.json (the rows of this run, the machine's load).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import servers

sys.path.insert(0, str(servers.REPO))
from tests.openapi import generated

PRISM_TIMEOUT_S = 180
RESULTS = servers.HERE / "results" / "spec_load.json"
# Starting is not a throughput race: each server may use both CPUs, as a user's would, so one
# busy CPU (another benchmark pinned there) does not stand in for the start's own cost.
CPUS = "0,1"
SPECS = ("generated", "github", "openai")
UPSTREAM_OPENAI = servers.REPO / "tests" / "data" / "upstream" / "openai.openapi.yaml.gz"
UPSTREAM_GITHUB = servers.REPO / "tests" / "data" / "wild" / "github" / "github.json.gz"
OPENAI_URL = "https://raw.githubusercontent.com/openai/openai-openapi/master/openapi.yaml"
_PARSE = textwrap.dedent(
    """
    import json, sys, time
    started = time.perf_counter()
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            json.load(f)
        else:
            import yaml
            yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    seconds = time.perf_counter() - started
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
    print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024}))
    """
)


def generated_spec(folder: Path) -> tuple[Path, Path]:
    """The generated spec, plus a job route to bind ``retrieve`` to, and a profile for it."""
    doc = generated.spec()
    model = {"$ref": "#/components/schemas/Model59"}
    doc["paths"]["/things/by-id/{thing_id}"] = {
        "get": {
            "operationId": "getThingById",
            "parameters": [
                {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": model}}}
            },
        }
    }
    spec = folder / "generated.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    profile = folder / "generated.profile.yaml"
    profile.write_text(
        "name: generated\nspec: generated.json\n"
        "operations: {create: createThing0, retrieve: getThingById, list: listThings}\n"
        "statuses: {terminal: [completed, failed]}\n",
        encoding="utf-8",
    )
    return spec, profile


def parse(spec: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PARSE, str(spec)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def serve(*args: str, repeat: int = 1) -> dict[str, Any]:
    """The emulator started ``repeat`` times: the median run's figures, and every run's."""
    runs = []
    for _ in range(repeat):
        server = servers.start("emulator", *args, ready="/_emulator/health", timeout=300, cpus=CPUS)
        try:
            runs.append(_figures(server))
        finally:
            server.stop()
    median = statistics.median_low(run["seconds"] for run in runs)
    return {**next(run for run in runs if run["seconds"] == median), "runs": runs}


def _figures(server: servers.Server) -> dict[str, float]:
    return {
        "seconds": server.started_s,
        "cpu_s": server.cpu_s(),
        "rss_mb": server.rss_mb(),
        "load_average": os.getloadavg()[0],
    }


def prism(spec: Path) -> dict[str, Any]:
    try:
        server = servers.start("prism", str(spec), timeout=PRISM_TIMEOUT_S, cpus=CPUS)
    except RuntimeError as exc:  # a figure too: Prism could not serve this file in time
        return {"failed": str(exc)[:300]}
    try:
        return _figures(server)
    finally:
        server.stop()


def _operations(spec: Path) -> int:
    import yaml

    text = spec.read_text(encoding="utf-8")
    doc = json.loads(text) if spec.suffix == ".json" else yaml.load(text, yaml.CSafeLoader)
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(len(methods & set(item)) for item in doc.get("paths", {}).values())


def measure(
    openai: Path | None,
    with_prism: bool = True,
    only: tuple[str, ...] = SPECS,
    repeat: int = 3,
) -> dict[str, Any]:
    """Every row: the spec's size and operations, and each process's seconds, CPU seconds
    and RSS."""
    skip_prism = servers.prism_available() if with_prism else "--no-prism"
    rows: dict[str, Any] = {}
    if "generated" in only:
        with tempfile.TemporaryDirectory() as tmp:
            spec, profile = generated_spec(Path(tmp))
            rows["generated"] = _row(spec, skip_prism, repeat, "--profile", str(profile))
    if "github" in only:
        github = Path(tempfile.mkdtemp()) / "api.github.com.json"
        github.write_bytes(gzip.decompress(UPSTREAM_GITHUB.read_bytes()))
        rows["github"] = _row(github, skip_prism, repeat, "--spec", str(github))
    if "openai" not in only:
        return rows
    if openai is not None and openai.suffix == ".gz" and openai.is_file():
        plain = Path(tempfile.mkdtemp()) / openai.stem  # Prism reads plain files only
        plain.write_bytes(gzip.decompress(openai.read_bytes()))
        openai = plain
    if openai is None or not openai.is_file():
        where = f" at {openai}" if openai else ""
        rows["openai"] = {
            "skipped": f"no OpenAI spec{where}; get one with "
            f"`curl -L -o openapi.yaml {OPENAI_URL}`, then --openai "
            "openapi.yaml"
        }
    else:
        rows["openai"] = _row(openai, skip_prism, repeat, "--api", "openai", "--spec", str(openai))
    return rows


def _row(spec: Path, skip_prism: str | None, repeat: int, *serve_args: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "file": spec.name,
        "size_mb": spec.stat().st_size / 1e6,
        "operations": _operations(spec),
        "parse": parse(spec),
        "emulator": serve(*serve_args, repeat=repeat),
    }
    row["prism"] = {"skipped": skip_prism} if skip_prism else prism(spec)
    return row


def report(rows: dict[str, Any]) -> str:
    lines = [
        "spec load, launch to listening (fresh processes; parse = the same file, parsed only):"
    ]
    for name, row in rows.items():
        if "skipped" in row:
            lines.append(f"  {name}: skipped: {row['skipped']}")
            continue
        lines.append(
            f"  {name}: {row['file']}, {row['size_mb']:.1f} MB, {row['operations']} operations"
        )
        for what in ("parse", "emulator", "prism"):
            cell = row[what]
            if "skipped" in cell or "failed" in cell:
                lines.append(
                    f"    {what:9s} {'skipped: ' if 'skipped' in cell else ''}"
                    f"{cell.get('skipped') or cell['failed']}"
                )
                continue
            ratio = cell["seconds"] / row["parse"]["seconds"]
            cpu = f" {cell['cpu_s']:5.2f} CPU s" if "cpu_s" in cell else ""
            lines.append(
                f"    {what:9s}{cell['seconds']:7.2f} s{cpu} {cell['rss_mb']:7.0f} MB RSS"
                f"  ({ratio:.1f}x parse)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--openai",
        type=Path,
        default=UPSTREAM_OPENAI,
        help="OpenAI's openapi.yaml (.json, .gz; default: the tests' copy)",
    )
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument("--only", action="append", choices=SPECS, help="a spec (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="emulator starts per spec (3)")
    parser.add_argument("--update", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    only = tuple(args.only or SPECS)
    rows = measure(args.openai, not args.no_prism, only, args.repeat)
    print(report(rows))
    load = {"before": load_before, "after": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"load average: {load['before']:.1f} before, {load['after']:.1f} after")
    if args.update:  # the rows of this run; the other specs' rows are kept
        kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        RESULTS.write_text(json.dumps({**kept, "load_average": load, **rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
