"""emulator.http.crash: an unexpected exception anywhere is a journaled problem+json 500 that
names the exception and the request, reported by the plugin like a violation; and the
misconfigurations that used to reach one are refused at load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.errors import ContractViolationError, ProfileError, ScenarioError, SpecError
from emulator.http.app import Emulator
from emulator.http.control import namespace_state
from emulator.testing.handle import EmulatorHandle, check_violations
from emulator.testing.inprocess import EventLoopThread, InProcessTransport
from tests.support import DATA, REPO, WRITER, WRITER_INPUTS


def _app() -> Emulator:
    return build(api="writer", settings=Settings(manual_clock=True))


def _boom(*_: Any, **__: Any) -> Any:
    raise ZeroDivisionError("the emulator divided by zero")


def _assert_crash_answer(r: Any, request: str) -> dict[str, Any]:
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-should-retry"] == "false"
    body: dict[str, Any] = r.json()
    assert body["exception"] == "ZeroDivisionError" and body["request"] == request
    assert "ZeroDivisionError" in body["detail"] and request in body["detail"]
    return body


def test_a_crash_in_the_pipeline_is_a_journaled_problem_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app()
    monkeypatch.setattr(app.jobs, "act", _boom)
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/v1/applications/a/jobs", json=WRITER_INPUTS, headers=WRITER)
    _assert_crash_answer(r, "POST /v1/applications/a/jobs")
    (entry,) = c.get("/_emulator/journal").json()["entries"]
    assert entry["status"] == 500 and entry["request_body"]
    (violation,) = entry["violations"]
    assert violation["side"] == "server" and violation["rule"] == "internal_error"
    assert "ZeroDivisionError" in violation["message"]


def test_a_crash_in_the_control_plane_is_a_journaled_problem_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app()
    monkeypatch.setattr(namespace_state, "clock_of", _boom)
    c = TestClient(app, raise_server_exceptions=False)
    _assert_crash_answer(c.get("/_emulator/clock"), "GET /_emulator/clock")
    (entry,) = c.get("/_emulator/journal").json()["entries"]
    assert entry["action"] == "control" and entry["violations"][0]["side"] == "server"


def test_a_crash_before_the_pipeline_still_gets_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    monkeypatch.setattr(app.namespaces, "get", _boom)
    c = TestClient(app, raise_server_exceptions=False)
    _assert_crash_answer(c.get("/v1/applications/jobs/x"), "GET /v1/applications/jobs/x")


def test_the_plugin_reports_a_crash_like_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    monkeypatch.setattr(app.jobs, "act", _boom)
    loop = EventLoopThread()
    try:
        handle = EmulatorHandle.for_server(
            "http://emulator.local", "crash", transport=lambda: InProcessTransport(app, loop.loop)
        )
        handle.reset()
        handle.client().post("/v1/applications/a/jobs", json=WRITER_INPUTS, headers=WRITER)
        with pytest.raises(ContractViolationError) as info:
            check_violations(handle)
        handle.close()
    finally:
        loop.stop()
    assert "ZeroDivisionError" in str(info.value) and "rule: internal_error" in str(info.value)


@pytest.mark.parametrize("default", [[], {}, 3, True])
def test_a_default_scenario_that_is_not_a_name_is_refused(default: Any) -> None:
    c = TestClient(_app())
    r = c.put("/_emulator/scenario", json={"default": default})
    assert r.status_code == 400 and "scenario name" in r.json()["error"]


# -- misconfigurations refused at load -------------------------------------------------------


def test_retrieve_bound_to_an_operation_without_a_path_parameter_is_refused(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p.yaml"
    minimal = (DATA / "profiles" / "minimal.yaml").read_text(encoding="utf-8")
    spec = (REPO / "specs" / "retab.yaml").as_posix()
    profile.write_text(
        minimal.replace("../../../specs/writer.yaml", spec).replace(
            "retrieve: retrieveJob", "retrieve: listJobs"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as info:
        build(profile=profile)
    assert info.value.pointer == "/operations/retrieve"
    assert "no path parameter" in info.value.reason


_UNSATISFIABLE = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: SCHEMA
"""


@pytest.mark.parametrize(
    "schema",
    [
        "{type: string, minLength: 5, maxLength: 2}",
        "{not: {}}",
        "{allOf: [{type: string}, {type: integer}]}",
        "{type: integer, minimum: 5, maximum: 2}",
    ],
)
def test_an_unsatisfiable_schema_is_a_500_naming_it_never_a_refused_spec(
    tmp_path: Path, schema: str
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(_UNSATISFIABLE.replace("SCHEMA", schema), encoding="utf-8")
    schema_at = "/paths/~1things/get/responses/200/content/application~1json/schema"
    answer = TestClient(build(api=None, spec=spec)).get("/things")
    assert answer.status_code == 500
    assert answer.json()["operation"] == "GET /things"
    assert answer.json()["pointer"] == schema_at
    assert "no value satisfies the schema" in answer.json()["reason"]
    with pytest.raises(SpecError) as info:  # a team that owns its spec asks to be told
        build(api=None, spec=spec, settings=Settings(strict_spec=True))
    assert info.value.pointer == schema_at
    assert "GET /things" in info.value.reason


def _scenario_folder(tmp_path: Path, result: str) -> Path:
    (tmp_path / "stamp.yaml").write_text(
        "description: a value YAML reads but JSON cannot say\n"
        "attempts:\n  - states:\n      - {status: in_progress, for: {polls: 1}}\n"
        f"      - status: completed\n        result: {result}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize("value", ["!!binary aGk=", "!!set {a: null}", "!!timestamp 2024-01-01"])
def test_a_scenario_value_json_cannot_carry_is_refused_with_its_pointer(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        build(api="retab", scenarios=_scenario_folder(tmp_path, f"{{data: {value}}}"))
    assert info.value.pointer.startswith("/attempts/0/states/1/result/data")
    assert "quote it" in info.value.reason


def test_a_yaml_timestamp_in_a_result_never_reaches_a_500(tmp_path: Path) -> None:
    folder = _scenario_folder(tmp_path, "{data: {at: 2024-01-01T00:00:00Z}}")
    try:
        app = build(api="retab", scenarios=folder, settings=Settings(manual_clock=True))
    except ScenarioError as exc:  # refused at load, where the user can fix it
        assert exc.pointer.startswith("/attempts/0/states/1")
        return
    # Or read as the spec loader reads it: the text, served as a string.
    c = TestClient(app, raise_server_exceptions=False)
    body = {"endpoint": "/v1/documents/extract", "request": {}}
    job = c.post("/v1/jobs", json=body, headers={"Api-Key": "k"})
    assert job.status_code < 500, job.text
