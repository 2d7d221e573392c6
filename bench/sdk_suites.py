"""Provider SDKs' own generated test suites against the emulator and against Prism, same run.

    .venv/bin/python bench/sdk_suites.py                  # both SDKs, emulator then Prism
    .venv/bin/python bench/sdk_suites.py --only together --prism node_modules/.bin/prism
    .venv/bin/python bench/sdk_suites.py --update         # also write bench/results/sdk_suites.json

Stainless generates, for every SDK it makes, a suite (``tests/api_resources``) that calls every
method against a mock server at ``TEST_API_BASE_URL`` (127.0.0.1:4010 by default, where Prism
usually runs) and validates the answers with the SDK's own models. Each SDK below is the PyPI
release nearest in date to the provider's published spec kept in tests/data/wild; its sdist
(which ships the tests) is fetched with pip into a cache folder with a venv of its own.

For each SDK the suite runs twice on a free loopback port: against ``jobs-emulator serve
--spec SPEC --base-path /`` (the SDK's paths carry no server prefix), then against ``prism mock
SPEC``; the counts come from pytest's closing line, and the failing test ids are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import servers

sys.path.insert(0, str(servers.REPO))
from tests.openapi.test_wild import CORPUS, unpack

RESULTS = servers.HERE / "results" / "sdk_suites.json"
CACHE = Path(os.environ.get("SDK_SUITES_CACHE", Path(tempfile.gettempdir()) / "sdk-suites"))
# SDK name -> (PyPI requirement, corpus spec, the suite's folder inside the sdist, what else
# the suite imports: the aiohttp flavour of the async tests; llama-stack-client's lib imports
# `fire` and `requests` without declaring them)
SDKS = {
    "together": (
        "together==2.12.0",
        "together",
        "tests/api_resources",
        ["aiohttp", "httpx-aiohttp"],
    ),
    "llama-stack-client": (
        "llama-stack-client==0.2.12",
        "llama_stack",
        "tests/api_resources",
        ["aiohttp", "httpx-aiohttp", "fire", "requests"],
    ),
}
TEST_DEPS = [
    "pytest",
    # Stainless suites declare async fixtures with @pytest.fixture, which pytest-asyncio 1.0
    # refuses: every async test was an error, against any server.
    "pytest-asyncio<1",
    "pytest-xdist",
    "respx",
    "dirty-equals",
    "pytest-mock",
    "time-machine",
    "importlib-metadata",
]
SUITE_TIMEOUT_S = 3600  # a suite of a thousand tests on a busy machine
_SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


def prepare(requirement: str, extras: list[str]) -> tuple[Path, Path]:
    """The SDK's unpacked sdist and a venv with it and its tests' dependencies installed."""
    name = requirement.replace("==", "-")
    folder = CACHE / name
    venv = folder / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        folder.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, "-d", str(folder), requirement], check=True)
        (sdist,) = folder.glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            archive.extractall(folder, filter="data")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        source = next(p for p in folder.iterdir() if p.is_dir() and p.name != "venv")
        install = [str(python), "-m", "pip", "install", "-q", str(source), *TEST_DEPS, *extras]
        subprocess.run(install, check=True)
    source = next(p for p in folder.iterdir() if p.is_dir() and p.name != "venv")
    return source, python


def run_suite(python: Path, source: Path, suite: str, port: int) -> dict[str, Any]:
    """The suite against the server on ``port``: pytest's counts and the failing ids."""
    env = {**os.environ, "TEST_API_BASE_URL": f"http://{servers.HOST}:{port}"}
    done = subprocess.run(
        [
            *(
                str(python),
                "-m",
                "pytest",
                suite,
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                "2",
                "-rfE",
            ),
            # What the SDK's own pytest configuration says, which its sdist may not ship: the
            # suite's async fixtures are plain @pytest.fixture, shared by the whole session.
            *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=session"),
        ],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_S,
    )
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    counts = {kind.removesuffix("s"): int(n) for n, kind in _SUMMARY.findall(tail)}
    failing = [
        line.split(" ", 2)[1]
        for line in done.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]
    return {"counts": counts, "summary": tail, "failing": failing}


def compare(name: str, prism: list[str]) -> dict[str, Any]:
    requirement, corpus_name, suite, extras = SDKS[name]
    source, python = prepare(requirement, extras)
    entry = next(e for e in CORPUS if e["name"] == corpus_name)
    with tempfile.TemporaryDirectory() as tmp:
        spec = unpack(entry, Path(tmp))
        emulator = servers.start(
            "emulator",
            "--spec",
            str(spec),
            "--base-path",
            "/",
            ready="/_emulator/health",
            limit_s=SUITE_TIMEOUT_S + 60,  # it outlives the suite
        )
        try:
            ours = run_suite(python, source, suite, emulator.port)
        finally:
            emulator.stop()
        theirs = _with_prism(prism, spec, python, source, suite)
    return {"sdk": requirement, "spec": entry["source"], "emulator": ours, "prism": theirs}


def _with_prism(
    prism: list[str], spec: Path, python: Path, source: Path, suite: str
) -> dict[str, Any]:
    port = servers.free_port()
    command = [*prism, "mock", str(spec), "--host", servers.HOST, "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # Prism says when it listens
            if b"Prism is listening" in line:
                break
        else:
            return {"failed": "Prism exited before listening"}
        return run_suite(python, source, suite, port)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def report(rows: dict[str, Any]) -> str:
    lines = [f"{'SDK':34s} {'server':9s} {'passed':>7s} {'failed':>7s} {'errors':>7s}"]
    for row in rows.values():
        for server in ("emulator", "prism"):
            counts = row[server].get("counts", {})
            lines.append(
                f"{row['sdk']:34s} {server:9s} {counts.get('passed', 0):7d} "
                f"{counts.get('failed', 0):7d} {counts.get('error', 0):7d}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=list(SDKS))
    parser.add_argument(
        "--prism", help="a Prism executable (default: npx @stoplight/prism-cli@5)", default=None
    )
    parser.add_argument("--update", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()
    prism = [args.prism] if args.prism else list(servers.PRISM)
    rows = {name: compare(name, prism) for name in SDKS if not args.only or name in args.only}
    if args.update and RESULTS.exists():  # a run of some SDKs keeps the others' rows
        rows = {**json.loads(RESULTS.read_text()), **rows}
    print(report(rows))
    for name, row in rows.items():
        for failing in row["emulator"].get("failing", []):
            print(f"  {name}: emulator: {failing}")
    if args.update:
        RESULTS.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
