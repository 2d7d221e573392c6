"""emulator.cli: ``check`` and ``serve`` accept the bundled files, refuse broken ones in one line
naming file and pointer, and ``serve`` really serves."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
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
    assert code == 0
    assert out.splitlines()[1:] == [  # the 415 osapi sends and its file does not declare
        "  spec gap: POST /job: undeclared 415 (unsupported_media_type)",
        "  spec gap: RetryJobByID (POST /job/{id}/retry): undeclared 415 (unsupported_media_type)",
    ]


@pytest.mark.parametrize(
    ("options", "file", "pointer"),
    [
        (
            ["--spec", str(BROKEN_SPEC), "--strict-spec"],
            BROKEN_SPEC,
            "/paths/~1things/get/responses/200",
        ),
        (
            ["--api", "writer", "--scenarios", str(BROKEN_SCENARIOS)],
            BROKEN_SCENARIOS / "happy-path.yaml",
            "/attempts/0/states/1",
        ),
        (["--profile", str(BROKEN_PROFILE)], BROKEN_PROFILE, "/operations/launch"),
    ],
)
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
        (["--spec", str(BROKEN_SPEC), "--strict-spec"], BROKEN_SPEC),
        (
            ["--api", "writer", "--scenarios", str(BROKEN_SCENARIOS)],
            BROKEN_SCENARIOS / "happy-path.yaml",
        ),
        (["--profile", str(BROKEN_PROFILE)], BROKEN_PROFILE),
    ],
)
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
    [
        (["--host", "0.0.0.0"], True),
        (["--host", "192.0.2.7"], True),
        (["--host", "ci-box"], True),
        (["--host", "0.0.0.0", "--control-token", "t"], False),
        ([], False),
        (["--host", "::1"], False),
        (["--host", "localhost"], False),
    ],
)
def test_serve_warns_when_reachable_beyond_loopback_without_a_control_token(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    warned: bool,
) -> None:
    # Nothing binds or listens: the warning is printed before serving.
    bound: list[tuple[object, ...]] = []
    with socket.socket() as unbound:
        fake_bind = lambda *args: bound.append(args) or unbound  # noqa: E731
        monkeypatch.setattr("emulator.http.server.bind", fake_bind)
        monkeypatch.setattr("emulator.http.server.serve_forever", lambda *args: None)
        code, _, err = run(["serve", *options], capsys)
    assert code == 0 and len(bound) == 1
    assert ("unlocked control plane" in err and "--control-token" in err) is warned, err


def test_serve_on_port_0_prints_the_port_it_got_and_answers_there() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--api",
            "osapi",
            "--port",
            "0",
            "--clock",
            "manual",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        startup = proc.stdout.readline()  # printed once listening: a script reads its port here
        found = re.search(r"on http://127\.0\.0\.1:(\d+) ", startup)
        assert found is not None, (startup, proc.poll())
        port = int(found.group(1))
        assert port != 0
        health = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=10)
        assert health.json()["profile"] == "osapi" and health.json()["operations"] == 7
        clock = httpx.get(f"http://127.0.0.1:{port}/_emulator/clock").json()
        assert clock["mode"] == "manual"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert "7 operations" in startup and "osapi" in startup
    assert startup.rstrip().endswith(f"({stack()})")  # the loop and parser it serves with


# -- specs that cannot be served at all ------------------------------------------------------

UNUSABLE_SPECS = [
    (
        "bad.yaml",
        b"openapi: 3.1.0\npaths: {a: [\n",
        "/",
        "invalid YAML at line 3, column 1: did not find expected node content",
    ),
    (
        "bad.json",
        b'{"openapi": "3.1.0",',
        "/",
        "invalid JSON at line 1, column 21: Expecting property name enclosed in double quotes",
    ),
    (
        "list.yaml",
        b"- openapi\n- 3.1.0\n",
        "/",
        "an OpenAPI document must be a mapping at the top level, not a list",
    ),
    ("empty.yaml", b"", "/", "the file is empty; expected an OpenAPI 3.0.x or 3.1.x document"),
    (
        "no-openapi.yaml",
        b"info: {title: t}\npaths: {}\n",
        "/openapi",
        "no `openapi` field; expected an OpenAPI 3.0.x or 3.1.x document",
    ),
    (
        "swagger.yaml",
        b"swagger: '1.2'\npaths: {}\n",
        "/openapi",
        "Swagger 1.2 is not supported: 2.0 and OpenAPI 3.x are",
    ),
    (
        "latin1.yaml",
        b"openapi: 3.1.0\ninfo: {title: caf\xe9}\n",
        "/",
        "not UTF-8 text: byte 0xe9 at line 2, column 18; save it as UTF-8",
    ),
    (
        "paths.yaml",
        b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: []\n",
        "/paths",
        "`paths` must be a mapping of path templates to path items",
    ),
]


def unusable(tmp_path: Path, name: str, content: bytes) -> Path:
    spec = tmp_path / name
    spec.write_bytes(content)
    return spec


@pytest.mark.parametrize(("name", "content", "pointer", "reason"), UNUSABLE_SPECS)
def test_check_refuses_a_spec_that_cannot_be_read_with_status_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: bytes,
    pointer: str,
    reason: str,
) -> None:
    spec = unusable(tmp_path, name, content)
    code, out, err = run(["check", "--spec", str(spec)], capsys)
    assert (code, out) == (2, "")
    assert one_line(err) == f"error: {spec}: {pointer}: {reason}"


@pytest.mark.parametrize(("name", "content", "pointer", "reason"), UNUSABLE_SPECS)
def test_serve_refuses_a_spec_that_cannot_be_read_and_serves_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    content: bytes,
    pointer: str,
    reason: str,
) -> None:
    served: list[object] = []
    monkeypatch.setattr("emulator.http.server.serve_forever", lambda *args: served.append(args))
    spec = unusable(tmp_path, name, content)
    code, out, err = run(["serve", "--port", "0", "--api", "writer", "--spec", str(spec)], capsys)
    assert (code, out, served) == (2, "", [])
    assert one_line(err) == f"jobs-emulator: refused to start: {spec}: {pointer}: {reason}"


def test_a_broken_bound_operation_is_listed_and_refused_only_when_strict(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served: list[object] = []
    monkeypatch.setattr("emulator.http.server.serve_forever", lambda *args: served.append(args))
    text = (TESTS.parent / "specs" / "writer.yaml").read_text(encoding="utf-8")
    head, _, tail = text.partition("operationId: retrieveJob\n")
    spec = tmp_path / "writer.yaml"
    spec.write_text(
        head
        + "operationId: retrieveJob\n"
        + tail.replace("$ref: '#/components/schemas/Job'", "$ref: '#/components/schemas/Jobs'", 1),
        encoding="utf-8",
    )
    line = (
        f"{spec}: /paths/~1v1~1applications~1jobs~1{{job_id}}/get/responses/200/content/"
        f"application~1json/schema/$ref: $ref '#/components/schemas/Jobs': {spec} has nothing "
        "at '/components/schemas/Jobs' (no 'Jobs')"
    )
    code, out, err = run(["check", "--api", "writer", "--spec", str(spec)], capsys)
    assert code == 0 and err == ""
    listed = f"  not repaired: {line.replace(': $ref', ': [unresolvable-ref] $ref', 1)} (not "
    assert listed in out
    strict = ["--strict-spec"]
    code, out, err = run(["check", "--api", "writer", "--spec", str(spec), *strict], capsys)
    assert (code, out, one_line(err)) == (2, "", f"error: {line}")
    argv = ["serve", "--port", "0", "--api", "writer", "--spec", str(spec)]
    code, out, err = run([*argv, *strict], capsys)
    assert (code, out, served) == (2, "", [])
    assert one_line(err) == f"jobs-emulator: refused to start: {line}"
    code, out, err = run(argv, capsys)
    assert code == 0 and len(served) == 1
    counted = "jobs-emulator: the spec has 1 flaws (unresolvable-ref 1); 0 repaired, 1 not"
    assert err.startswith(counted) and f"`jobs-emulator check --spec {spec}` lists each" in err


def test_init_drafts_checks_and_says_what_to_run_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = DATA / "drafting" / "exports.yaml"
    code, out, err = run(["init", "--spec", str(spec), "--out", str(tmp_path)], capsys)
    assert (code, err) == (0, "")
    profile = tmp_path / "specs" / "acme-exports.profile.yaml"
    assert f"  wrote {profile}\n" in out
    assert "  bound: create, retrieve, retry, cancel, list, delete\n" in out
    assert "  check: ok (3 scenarios: cancel-while-running, fail-then-retry, happy-path)" in out
    assert f"next:\n  jobs-emulator check --profile {profile}\n" in out
    assert run(["check", "--profile", str(profile)], capsys)[0] == 0
    again = run(["init", "--spec", str(spec), "--out", str(tmp_path)], capsys)
    assert again[0] == 2 and "exists; pass --force to overwrite" in again[2]


def test_init_refuses_a_spec_it_cannot_read_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["init", "--spec", str(tmp_path / "nope.yaml")], capsys)
    assert (code, out) == (2, "")
    assert one_line(err).startswith("jobs-emulator init: ") and "cannot read file" in err
