"""``jobs-emulator contract`` against real sockets: every bundled API conforms; an altered
emulator fails naming the operation, check and JSON path; JUnit and JSON reports are valid;
a target that is down, silent or not HTTP is exit 2 with a clear message, never a traceback."""

from __future__ import annotations

import http.server
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import junitparser
import pytest

from emulator import BUNDLED_APIS, LiveServer
from emulator.cli import main

from .conftest import AUTH, RawServer, altered_emulator, altered_profile, closed_port


def contract(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["contract", *args])
    out, err = capsys.readouterr()
    return code, out, err


def suites(path: Path) -> dict[str, junitparser.TestSuite]:
    xml = junitparser.JUnitXml.fromfile(str(path))
    return {suite.name: suite for suite in xml}


def test_every_bundled_api_has_credentials_here() -> None:
    assert set(AUTH) == set(BUNDLED_APIS)


@pytest.mark.parametrize("api", sorted(AUTH))
def test_every_bundled_api_conforms_stateless_and_stateful(
    api: str, served: dict[str, LiveServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code, out, err = contract(
        capsys,
        "--api",
        api,
        "--base-url",
        served[api].url,
        "--auth",
        AUTH[api],
        "--max-examples",
        "3",
        "--stateful",
        "--report",
        str(junit),
        "--json",
        str(report),
    )
    assert code == 0, out + err
    assert "result: clean (exit 0" in out
    # A progress line per operation while it runs, and per journey.
    assert err.count(" cases, ") == len(served[api].app.spec.operations)
    assert "stateful:" in err and "happy-path:" in err
    parsed = suites(junit)
    assert set(parsed) == {"conformance", "stateful"}
    for suite in parsed.values():
        assert suite.tests > 0 and suite.failures == 0 and suite.errors == 0
    data = json.loads(report.read_text())
    assert data["exit_code"] == 0
    assert [s["name"] for s in data["sections"]] == ["conformance", "stateful"]
    secret = AUTH[api].split(":", 1)[1].strip()
    assert secret not in junit.read_text() and secret not in report.read_text()


def rename_offset(profile: dict[str, Any]) -> None:
    profile["views"]["page"]["pagination"] = {"start": "{offset}", "limit": "{limit}"}


def test_an_altered_service_fails_naming_operation_check_and_path(
    tmp_path: Path, serve: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    real = serve(altered_emulator(altered_profile(tmp_path, "writer", rename_offset)))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code, out, _ = contract(
        capsys,
        "--api",
        "writer",
        "--base-url",
        real.url,
        "--auth",
        AUTH["writer"],
        "--max-examples",
        "3",
        "--report",
        str(junit),
        "--json",
        str(report),
    )
    assert code == 1
    block = out.split("  listJobs\n", 1)[1]
    assert block.startswith("    response_schema_conformance\n")
    assert "at $.pagination" in block and '"offset" is a required property' in block
    case = next(
        c for c in suites(junit)["conformance"] if c.name == "listJobs response_schema_conformance"
    )
    assert not case.is_passed and "$.pagination" in case.result[0].message
    findings = json.loads(report.read_text())["sections"][0]["findings"]
    assert {
        "operation": "listJobs",
        "check": "response_schema_conformance",
        "path": "$.pagination",
    }.items() <= findings[0].items()


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (None, "did not answer"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not HTTP"),
    ],
    ids=["silent", "garbage"],
)
def test_a_silent_or_garbage_target_is_exit_2(
    reply: bytes | None,
    says: str,
    raw_server: Callable[[bytes | None], RawServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = raw_server(reply)
    junit = tmp_path / "junit.xml"
    code, out, err = contract(
        capsys,
        "--api",
        "writer",
        "--base-url",
        target.url,
        "--timeout",
        "0.5",
        "--report",
        str(junit),
    )
    assert code == 2
    assert says in out and target.url in out
    assert "Traceback" not in out + err
    assert suites(junit)["run"].errors == 1


def test_a_target_that_is_down_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, out, err = contract(capsys, "--api", "retab", "--base-url", url)
    assert code == 2
    assert f"could not run: cannot connect to {url}" in out
    assert "is the service running there?" in out and "Traceback" not in out + err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--base-url", "localhost:4010"], "give an http(s) URL"),
        (["--base-url", "http://127.0.0.1:1", "--auth", "Bearer x"], "write it as HEADER:VALUE"),
        (["--base-url", "http://127.0.0.1:1", "--max-examples", "0"], "must be positive"),
        (["--base-url", "http://127.0.0.1:1", "--spec", "nope.yaml"], "nope.yaml"),
    ],
)
def test_bad_options_are_exit_2_naming_what_to_fix(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = contract(capsys, *args)
    assert code == 2
    assert says in out + err and "Traceback" not in out + err


class Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def decoy() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_only_the_given_url_is_contacted_and_time_is_bounded(
    decoy: str,
    served: dict[str, LiveServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The spec names another server; the run must still go only to --base-url.
    spec = tmp_path / "writer.yaml"
    text = (Path(served["writer"].app.spec.path)).read_text(encoding="utf-8")
    spec.write_text(text.replace("servers:", f"servers:\n  - url: {decoy}", 1), encoding="utf-8")
    code, _, err = contract(
        capsys,
        "--api",
        "writer",
        "--spec",
        str(spec),
        "--base-url",
        served["writer"].url,
        "--auth",
        AUTH["writer"],
        "--max-examples",
        "50",
        "--max-time",
        "1",
    )
    assert code == 0
    assert "skipped (--max-time 1 s spent)" in err
    assert Counting.hits == []


def test_the_cli_imports_schemathesis_only_for_a_contract_run() -> None:
    import subprocess
    import sys

    probe = "import emulator.cli, sys; print('schemathesis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_without_schemathesis_contract_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain install has no schemathesis: ``contract`` says which extra brings it."""
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # importing it raises ImportError
    for name in [n for n in sys.modules if n.startswith("emulator.contract.")]:
        if name not in ("emulator.contract.commands", "emulator.contract.target"):
            monkeypatch.delitem(sys.modules, name)
    code, out, err = contract(capsys, "--api", "writer", "--base-url", "http://127.0.0.1:1")
    assert code == 2 and "Traceback" not in out + err
    assert "schemathesis is not installed" in err
    assert "pip install 'jobs-emulator[contract]'" in err
