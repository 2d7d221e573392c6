"""docs/how-to/scale-out.md, run as written: the ``serve --workers 2 --state redis://...``
session prints what the page shows, the balancer configuration it gives passes requests to two
such emulators, and the pytest command runs a suite through it.

The generic docs runner (tests/test_readme.py) runs every other console block in-process; these
need a real Redis, processes of their own and haproxy, so the page marks them
``no-test: tests/http/test_scale_out_page.py`` and this module runs them, changing only what
differs on this machine: the Redis URL, the host and ports, the balancer's server lines, and
pytest's ``-n`` (one test to run).
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.doc_pages import DOCS_DIR, Block, parse
from tests.redis_support import Balancer, RedisServer, Serve, free_port
from tests.support import WRITER, WRITER_INPUTS, own_config

PAGE = DOCS_DIR / "how-to" / "scale-out.md"
TOKEN = "scale-out-page-token"


def _blocks(lang: str, containing: str) -> Block:
    """The page's one ``lang`` block that holds ``containing``, marked as run here."""
    [block] = [b for b in parse(PAGE) if b.lang == lang and containing in b.text]
    assert block.directives.get("no-test") == "tests/http/test_scale_out_page.py", block.where
    return block


def _session(block: Block) -> Iterator[tuple[str, list[str]]]:
    """(command, its documented output lines) for each ``$`` prompt; ``\\`` continues it."""
    command: str | None = None
    output: list[str] = []
    continued = False
    for line in block.text.splitlines():
        if continued and command is not None:
            command += " " + line.strip().rstrip("\\").strip()
            continued = line.endswith("\\")
        elif line.startswith("$ "):
            if command is not None:
                yield command, output
            command, output = line[2:].rstrip("\\").strip(), []
            continued = line.endswith("\\")
        else:
            output.append(line)
    if command is not None:
        yield command, output


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_the_serve_session_prints_what_the_page_shows(redis: RedisServer) -> None:
    session = dict(_session(_blocks("console", "--workers 2")))
    command = next(c for c in session if c.startswith("jobs-emulator serve"))
    documented = session[command]
    args = shlex.split(command.replace('"$EMULATOR_TOKEN"', TOKEN))[2:]
    url = args[args.index("--state") + 1]
    port = str(free_port())
    here = {"--host": "127.0.0.1", "--port": port, "--state": redis.url()}
    for flag, value in here.items():
        args[args.index(flag) + 1] = value
    serve = Serve(*args).start()
    serve.port = int(port)
    try:
        serve.ready()
        assert serve.process is not None and serve.process.stdout is not None
        printed = [serve.process.stdout.readline().rstrip("\n") for _ in documented]
        answer = httpx.get(f"{serve.url}/_emulator/health", headers={"x-emulator-token": TOKEN})
    finally:
        serve.stop()
    want = "\n".join(documented)
    for old, new in ((url, redis.url()), ("0.0.0.0:4010", f"127.0.0.1:{port}")):
        want = want.replace(old, new)
    want = re.sub(r"pid \d+", "pid ...", want)
    checker, flags = doctest.OutputChecker(), doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    got = "\n".join(printed)
    assert checker.check_output(want + "\n", got + "\n", flags), f"{want}\n---\n{got}"
    assert answer.json()["state"]["backend"] == "redis"


def _balancer_config(block: Block, port: int, backends: list[str]) -> str:
    """The page's configuration, bound to ``port`` and pointed at ``backends``."""
    lines = []
    servers = iter(backends)
    for line in block.text.splitlines():
        if line.strip().startswith("bind "):
            line = f"    bind 127.0.0.1:{port}"
        elif line.strip().startswith("server "):
            name, _, *rest = line.split()[1:]
            line = f"    server {name} {next(servers)} {' '.join(rest)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_the_balancer_configuration_serves_a_suite_through_two_emulators(
    redis: RedisServer, tmp_path: Path
) -> None:
    config = _blocks("text", "mode tcp")
    emulators = [
        Serve("--api", "writer", "--clock", "manual", "--state", redis.url()).start()
        for _ in range(2)
    ]
    balancer = Balancer(tmp_path, [])
    text = _balancer_config(config, balancer.port, [f"127.0.0.1:{e.port}" for e in emulators])
    balancer.config.write_text(text)
    try:
        for emulator in emulators:
            emulator.ready()
        balancer.start()
        with httpx.Client(base_url=balancer.url, headers=WRITER) as http:
            made = [http.post("/v1/applications/app/jobs", json=WRITER_INPUTS) for _ in range(4)]
            # Each connection goes to the next emulator: every job is seen by both.
            for job in made:
                with httpx.Client(base_url=balancer.url, headers=WRITER) as other:
                    assert other.get(f"/v1/applications/jobs/{job.json()['id']}").is_success
        _the_pytest_command(balancer.url, tmp_path / "project")
    finally:
        balancer.stop()
        for emulator in emulators:
            emulator.stop()


SUITE = """
import writerai


def test_a_job_of_its_own(emulator):
    client = writerai.Writer(api_key="k", base_url=emulator.url)
    job = client.applications.jobs.create(application_id="app", inputs=[])
    emulator.clock.advance(60)
    assert client.applications.jobs.retrieve(job.id).status == "completed"
    assert [j["id"] for j in emulator.jobs.all()] == [job.id]
"""


def _the_pytest_command(url: str, project: Path) -> None:
    """The page's ``pytest -n 4 --emulator-url ...``, against the balancer."""
    [command] = [c for c, _ in _session(_blocks("console", "--emulator-url")) if "pytest" in c]
    args = shlex.split(command.replace('"$EMULATOR_TOKEN"', TOKEN))[1:]
    args[args.index("--emulator-url") + 1] = url
    project.mkdir()
    (project / "test_suite.py").write_text(SUITE)
    token = args.index("--emulator-control-token")
    del args[token : token + 2]  # these emulators have no token (the serve test has one)
    workers = args.index("-n")
    del args[workers : workers + 2]  # one test: xdist's workers would only cost time here
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *own_config(project), *args, "-q"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
