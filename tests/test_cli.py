"""emulator.cli: ``check`` and ``serve`` accept the bundled files, refuse broken ones in one line
naming file and pointer, and ``serve`` really serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emulator import cli
from emulator.http.server import stack
from tests.support import TESTS

TESTS = TESTS
DATA = TESTS / "data"
BROKEN_SPEC = DATA / "specs" / "broken" / "dangling_local.yaml"
BROKEN_SCENARIOS = DATA / "scenarios" / "broken" / "writer-forbidden-status"
BROKEN_PROFILE = DATA / "profiles" / "broken" / "unknown_action.yaml"
REFERENCE_OSAPI = (
    TESTS.parents[1] / "shared" / "reference-specs" / "osapi" / "job" / "gen" / "api.yaml"
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_check_accepts_the_bundled_defaults_and_lists_scenarios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["check"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "ok: writer: 4 operations; scenarios: always-fail, fail-then-retry, happy-path",
        "ok: openai: 4 operations; scenarios: always-fail, expires, happy-path",
        "ok: osapi: 7 operations; scenarios: always-fail, fail-then-retry, happy-path, "
        "partial-failure",
        "ok: replicate: 4 operations; scenarios: always-fail, happy-path",
        "ok: retab: 6 operations; scenarios: always-fail, cancel-while-running, "
        "fail-then-retry, happy-path, retry-dispatch-delayed",
    ]


def test_check_one_api_and_a_spec_without_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--api", "retab"], capsys)
    assert code == 0 and one_line(out).startswith("ok: retab: 6 operations")
    spec = TESTS.parent / "specs" / "writer.yaml"
    code, out, _ = run(["check", "--spec", str(spec)], capsys)
    assert code == 0
    assert one_line(out) == f"ok: {spec}: 4 operations; scenarios: none"


@pytest.mark.skipif(not REFERENCE_OSAPI.is_file(), reason="reference specs not present")
def test_check_the_bundled_profile_over_the_upstream_spec(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["check", "--api", "osapi", "--spec", str(REFERENCE_OSAPI)], capsys)
    assert code == 0 and one_line(out).startswith("ok: osapi: 7 operations")


@pytest.mark.parametrize(
    ("options", "file", "pointer"),
    [
        (["--spec", str(BROKEN_SPEC)], BROKEN_SPEC, "/paths/~1things/get/responses/200"),
        (["--api", "writer", "--scenarios", str(BROKEN_SCENARIOS)],
         BROKEN_SCENARIOS / "happy-path.yaml", "/attempts/0/states/1"),
        (["--profile", str(BROKEN_PROFILE)], BROKEN_PROFILE, "/operations/launch"),
    ],
)  # fmt: skip
def test_check_refuses_broken_files_in_one_line(
    capsys: pytest.CaptureFixture[str], options: list[str], file: Path, pointer: str
) -> None:
    code, out, err = run(["check", *options], capsys)
    assert code != 0 and out == ""
    line = one_line(err)
    assert line.startswith(f"error: {file}: {pointer}")


@pytest.mark.parametrize(
    ("options", "file"),
    [
        (["--spec", str(BROKEN_SPEC)], BROKEN_SPEC),
        (["--api", "writer", "--scenarios", str(BROKEN_SCENARIOS)],
         BROKEN_SCENARIOS / "happy-path.yaml"),
        (["--profile", str(BROKEN_PROFILE)], BROKEN_PROFILE),
    ],
)  # fmt: skip
def test_serve_refuses_broken_files_before_serving(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    file: Path,
) -> None:
    served: list[object] = []
    monkeypatch.setattr("emulator.http.server.serve_forever", lambda *args: served.append(args))
    code, out, err = run(["serve", "--port", "0", *options], capsys)
    assert code == 2
    assert served == [] and out == ""
    assert one_line(err).startswith(f"jobs-emulator: refused to start: {file}: /")


@pytest.mark.parametrize(
    ("options", "warned"),
    [(["--host", "0.0.0.0"], True), (["--host", "192.0.2.7"], True), (["--host", "ci-box"], True),
     (["--host", "0.0.0.0", "--control-token", "t"], False), ([], False),
     (["--host", "::1"], False), (["--host", "localhost"], False)],
)  # fmt: skip
def test_serve_warns_when_reachable_beyond_loopback_without_a_control_token(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    warned: bool,
) -> None:
    # Nothing binds or listens: the warning is printed before serving.
    bound: list[tuple[object, ...]] = []
    monkeypatch.setattr("emulator.http.server.bind", lambda *args: bound.append(args) or None)
    monkeypatch.setattr("emulator.http.server.serve_forever", lambda *args: None)
    code, _, err = run(["serve", *options], capsys)
    assert code == 0 and len(bound) == 1
    assert ("unlocked control plane" in err and "--control-token" in err) is warned, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_starts_on_a_free_port_and_answers_health() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--api", "osapi", "--port", str(port),
         "--clock", "manual"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30  # a cold start on a busy 2-core CI machine
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        assert health is not None and health.status_code == 200, proc.poll()
        assert health.json()["profile"] == "osapi" and health.json()["operations"] == 7
        clock = httpx.get(f"http://127.0.0.1:{port}/_emulator/clock").json()
        assert clock["mode"] == "manual"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    startup = out.splitlines()[0]
    assert f"http://127.0.0.1:{port}" in startup
    assert "7 operations" in startup and "osapi" in startup
    assert startup.endswith(f"({stack()})")  # the loop and parser it serves with
