"""emulator.http.control.plane: every /_emulator endpoint, per namespace, and its answers to bad
input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from emulator.bundle import bundled_scenarios
from tests.support import REPO, WRITER

NS_HEADER = "X-Emulator-Namespace"
START = 1_767_225_600.0  # the manual clock's start, 2026-01-01T00:00:00Z


def serve(scenarios: Path | None = None) -> TestClient:
    app = build(api="writer", scenarios=scenarios, settings=Settings(manual_clock=True))
    return TestClient(app, base_url="http://emulator", follow_redirects=False)


@pytest.fixture(scope="module")
def shared() -> TestClient:
    return serve()


@pytest.fixture
def c(shared: TestClient) -> TestClient:
    # One app for the module; every namespace a test uses starts from a reset.
    for name in ("default", "a", "b", "shared"):
        assert shared.post("/_emulator/reset", headers={NS_HEADER: name}).status_code == 200
    return shared


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def create(c: TestClient, prefix: str = "", **headers: str) -> str:
    r = c.post(
        f"{prefix}/v1/applications/app-1/jobs", json={"inputs": []}, headers={**WRITER, **headers}
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def retrieve(c: TestClient, job_id: str, prefix: str = "", **headers: str) -> Any:
    return c.get(f"{prefix}/v1/applications/jobs/{job_id}", headers={**WRITER, **headers})


# --- each endpoint --------------------------------------------------------------------------------


def test_health(c: TestClient) -> None:
    health = ok(c.get("/_emulator/health"))
    assert {k: health[k] for k in ("status", "spec", "profile", "operations")} == {
        "status": "ok",
        "spec": "Writer async application jobs (emulated)",
        "profile": "writer",
        "operations": 4,
    }
    assert health["namespaces"]["evicted"] == {"ttl": 0, "cap": 0, "memory": 0}
    assert 0 < health["memory"]["bytes"] < health["memory"]["max"]
    assert c.head("/_emulator/health").status_code == 200


def test_openapi_document_is_the_served_spec(c: TestClient) -> None:
    document = ok(c.get("/_emulator/openapi.json"))
    assert document["openapi"] == "3.1.0"
    assert "/v1/applications/jobs/{job_id}" in document["paths"]


def test_clock_get_advance_set(c: TestClient) -> None:
    assert ok(c.get("/_emulator/clock")) == {
        "now": START,
        "iso": "2026-01-01T00:00:00Z",
        "mode": "manual",
    }
    assert ok(c.post("/_emulator/clock/advance", json={"seconds": 90}))["now"] == START + 90
    moved = ok(c.post("/_emulator/clock/set", json={"now": START + 3600}))
    assert moved["iso"] == "2026-01-01T01:00:00Z"


def test_advancing_the_clock_moves_the_lifecycle(c: TestClient) -> None:
    job_id = create(c)
    c.post("/_emulator/clock/advance", json={"seconds": 60})
    body = retrieve(c, job_id).json()
    assert body["status"] == "completed"
    assert body["completed_at"] == "2026-01-01T00:01:00Z"


def test_advance_to_next_moves_to_the_next_instant_a_job_changes_state(c: TestClient) -> None:
    first = create(c)  # in progress for two polls or 60 s
    c.post("/_emulator/clock/advance", json={"seconds": 25})
    second = create(c)
    moved = ok(c.post("/_emulator/clock/advance", json={"to": "next"}))
    assert (moved["now"], moved["changed"]) == (START + 60, [first])
    assert retrieve(c, first).json()["status"] == "completed"
    assert retrieve(c, second).json()["status"] == "in_progress"
    moved = ok(c.post("/_emulator/clock/advance", json={"to": "next"}))
    assert (moved["now"], moved["changed"]) == (START + 85, [second])
    assert moved["iso"] == "2026-01-01T00:01:25Z"
    # Every job is final: no instant to move to, and the clock stays where it was.
    refused = c.post("/_emulator/clock/advance", json={"to": "next"})
    assert refused.status_code == 409
    assert "changes state with time" in refused.json()["error"]
    assert ok(c.get("/_emulator/clock"))["now"] == START + 85
    assert c.post("/_emulator/clock/advance", json={"to": "later"}).status_code == 400


def test_jobs_list_show_and_force(c: TestClient) -> None:
    first, second = create(c), create(c)
    listed = ok(c.get("/_emulator/jobs"))["jobs"]
    assert [j["id"] for j in listed] == [first, second]
    shown = ok(c.get(f"/_emulator/jobs/{first}"))
    assert shown["status"] == "in_progress" and shown["scenario"] == "happy-path"
    assert (shown["attempt"], shown["state"], shown["polls"]) == (0, 0, 0)
    assert shown["view"]["id"] == first
    forced = ok(
        c.post(
            f"/_emulator/jobs/{first}", json={"status": "failed", "error": {"message": "forced"}}
        )
    )
    assert forced["status"] == "failed"
    body = retrieve(c, first).json()
    assert (body["status"], body["error"]) == ("failed", "forced")
    done = {"status": "completed", "result": {"suggestion": "ok"}}
    assert ok(c.put(f"/_emulator/jobs/{second}", json=done))["status"] == "completed"
    assert retrieve(c, second).json()["data"] == {"suggestion": "ok"}


def test_reading_a_job_through_control_is_not_a_poll(c: TestClient) -> None:
    job_id = create(c)
    for _ in range(5):
        c.get(f"/_emulator/jobs/{job_id}")
    assert ok(c.get(f"/_emulator/jobs/{job_id}"))["polls"] == 0
    retrieve(c, job_id)
    assert ok(c.get(f"/_emulator/jobs/{job_id}"))["polls"] == 1


def test_scenarios_and_namespace_default(c: TestClient) -> None:
    listed = ok(c.get("/_emulator/scenarios"))
    assert listed["default"] == "happy-path"
    names = {s["name"] for s in listed["scenarios"]}
    assert names == {"happy-path", "always-fail", "fail-then-retry"}
    assert all(s["file"].endswith(".yaml") and s["description"] for s in listed["scenarios"])
    assert ok(c.put("/_emulator/scenario", json={"default": "always-fail"}))["default"] == (
        "always-fail"
    )
    job_id = create(c)
    assert ok(c.get(f"/_emulator/jobs/{job_id}"))["scenario"] == "always-fail"
    # The header still beats the namespace default.
    other = create(c, **{"X-Emulator-Scenario": "happy-path"})
    assert ok(c.get(f"/_emulator/jobs/{other}"))["scenario"] == "happy-path"
    assert ok(c.put("/_emulator/scenario", json={"default": None}))["default"] == "happy-path"


def test_journal_filters_and_since(c: TestClient) -> None:
    job_id = create(c)
    retrieve(c, job_id)
    c.get("/v1/applications/jobs/not-a-uuid", headers=WRITER)
    entries = ok(c.get("/_emulator/journal"))["entries"]
    # Sequence numbers keep counting across resets, so `since` never goes back in time.
    base = entries[0]["seq"] - 1
    assert [(e["seq"] - base, e["method"], e["status"]) for e in entries] == [
        (1, "POST", 202),
        (2, "GET", 200),
        (3, "GET", 400),
    ]
    first = entries[0]
    assert first["operation"] == "createJob" and first["action"] == "create"
    assert first["job_id"] == job_id and first["request_body"] == {"inputs": []}
    assert first["response_body"]["id"] == job_id
    assert first["request_headers"]["authorization"] == "Bearer [redacted]"  # --journal-secrets

    def seqs(**query: str) -> list[int]:
        found = ok(c.get("/_emulator/journal", params=query))["entries"]
        return [e["seq"] - base for e in found]

    assert seqs(operation="retrieve") == [2, 3]
    assert seqs(operation="createJob") == [1]
    assert seqs(job_id=job_id) == [1, 2]
    assert seqs(status="400") == [3]
    assert seqs(method="get") == [2, 3]
    assert seqs(violations="true") == [3]  # the malformed uuid is a request violation
    assert seqs(violations="false") == [1, 2]
    assert seqs(since=str(base + 2)) == [3]


def test_journal_summary_measures_intervals_on_the_emulator_clock(c: TestClient) -> None:
    job_id = create(c)
    c.post("/_emulator/clock/advance", json={"seconds": 5})
    retrieve(c, job_id)
    c.post("/_emulator/clock/advance", json={"seconds": 2})
    retrieve(c, job_id)
    summary = ok(c.get("/_emulator/journal/summary"))
    assert summary == {
        "count": 3,
        "intervals": [5.0, 2.0],
        "min_interval": 2.0,
        "statuses": [202, 200, 200],
    }
    only_polls = ok(c.get("/_emulator/journal/summary", params={"operation": "retrieve"}))
    assert only_polls["intervals"] == [2.0]


def test_rate_limit_put_and_delete(c: TestClient) -> None:
    assert ok(c.put("/_emulator/rate-limit", json={"requests": 2, "per": 10})) == {
        "requests": 2,
        "per": 10.0,
    }
    job_id = create(c)
    assert retrieve(c, job_id).status_code == 200
    limited = retrieve(c, job_id)
    assert limited.status_code == 429
    assert limited.json()["tpe"] == "TooManyRequests"
    assert int(limited.headers["retry-after"]) == 10
    c.post("/_emulator/clock/advance", json={"seconds": 10})
    assert retrieve(c, job_id).status_code == 200
    assert ok(c.delete("/_emulator/rate-limit")) == {"requests": None}
    assert all(retrieve(c, job_id).status_code == 200 for _ in range(5))


def test_reset_forgets_everything_and_can_switch_the_clock(c: TestClient) -> None:
    job_id = create(c)
    c.post("/_emulator/clock/advance", json={"seconds": 100})
    c.put("/_emulator/scenario", json={"default": "always-fail"})
    c.put("/_emulator/rate-limit", json={"requests": 1, "per": 60})
    reset = ok(c.post("/_emulator/reset"))
    assert reset["reset"] == "default" and reset["clock"]["now"] == START
    assert ok(c.get("/_emulator/jobs"))["jobs"] == []
    assert ok(c.get("/_emulator/journal"))["entries"] == []
    assert ok(c.get("/_emulator/scenarios"))["default"] == "happy-path"
    assert retrieve(c, job_id).status_code == 404  # and no 429: the rate limit is gone too
    real = ok(c.post("/_emulator/reset", json={"clock": "real"}))
    assert real["clock"]["mode"] == "real" and real["clock"]["now"] > START
    assert ok(c.post("/_emulator/reset", json={"clock": "manual"}))["clock"]["mode"] == "manual"


def test_reset_seeds_the_jobs_scenarios_ask_for(tmp_path: Path) -> None:
    for file in bundled_scenarios("writer").glob("*.yaml"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "seeded.yaml").write_text(
        "description: One finished job that exists before any test request.\n"
        "attempts:\n  - states:\n      - {status: in_progress, for: {polls: 1}}\n"
        "      - {status: completed, result: {suggestion: seeded}}\n"
        "seed_jobs:\n  - id: 11111111-2222-4333-8444-555555555555\n    state: 1\n"
        "    request: {path: {application_id: app-1}}\n",
        encoding="utf-8",
    )
    c = serve(scenarios=tmp_path)
    seeded = "11111111-2222-4333-8444-555555555555"
    for namespace in ("default", "other"):
        body = retrieve(c, seeded, **{NS_HEADER: namespace}).json()
        assert (body["status"], body["data"]) == ("completed", {"suggestion": "seeded"})
    c.post(f"/_emulator/jobs/{seeded}", json={"status": "failed"})
    c.post("/_emulator/reset")
    assert retrieve(c, seeded).json()["status"] == "completed"


# --- namespaces -----------------------------------------------------------------------------------

NAMESPACE_FORMS = {
    "header": lambda name: ("", {NS_HEADER: name}),
    "prefix": lambda name: (f"/_ns/{name}", {}),
}


@pytest.mark.parametrize("form", NAMESPACE_FORMS)
def test_namespaces_do_not_see_each_other(c: TestClient, form: str) -> None:
    a_prefix, a_headers = NAMESPACE_FORMS[form]("a")
    b_prefix, b_headers = NAMESPACE_FORMS[form]("b")

    def control(method: str, path: str, prefix: str, headers: dict[str, str], **kw: Any) -> Any:
        return ok(c.request(method, f"{prefix}/_emulator{path}", headers=headers, **kw))

    job_a = create(c, a_prefix, **a_headers)
    assert retrieve(c, job_a, a_prefix, **a_headers).status_code == 200
    assert retrieve(c, job_a, b_prefix, **b_headers).status_code == 404
    assert retrieve(c, job_a).status_code == 404  # nor the default namespace
    assert [j["id"] for j in control("GET", "/jobs", a_prefix, a_headers)["jobs"]] == [job_a]
    assert control("GET", "/jobs", b_prefix, b_headers)["jobs"] == []

    control("POST", "/clock/advance", a_prefix, a_headers, json={"seconds": 600})
    assert control("GET", "/clock", a_prefix, a_headers)["now"] == START + 600
    assert control("GET", "/clock", b_prefix, b_headers)["now"] == START

    control("PUT", "/scenario", b_prefix, b_headers, json={"default": "always-fail"})
    assert control("GET", "/scenarios", a_prefix, a_headers)["default"] == "happy-path"
    control("PUT", "/rate-limit", b_prefix, b_headers, json={"requests": 1, "per": 60})
    assert all(retrieve(c, job_a, a_prefix, **a_headers).status_code == 200 for _ in range(3))

    journal_a = control("GET", "/journal", a_prefix, a_headers)["entries"]
    journal_b = control("GET", "/journal", b_prefix, b_headers)["entries"]
    assert {e["job_id"] for e in journal_a} == {job_a}
    # b saw one request, the 404 for a's job id, and none of a's traffic.
    assert [(e["job_id"], e["status"]) for e in journal_b] == [(job_a, 404)]
    assert journal_a[0]["path"] == "/v1/applications/app-1/jobs"  # prefix removed

    control("POST", "/reset", b_prefix, b_headers)
    assert retrieve(c, job_a, a_prefix, **a_headers).status_code == 200


def test_prefix_and_header_name_the_same_namespace(c: TestClient) -> None:
    job_id = create(c, "/_ns/shared")
    assert retrieve(c, job_id, **{NS_HEADER: "shared"}).status_code == 200
    assert ok(c.get("/_emulator/jobs", headers={NS_HEADER: "shared"}))["jobs"][0]["id"] == job_id


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/reset", "not json", 400, "JSON"),
        ("POST", "/reset", '{"clock": "sundial"}', 400, "clock must be"),
        ("POST", "/clock/advance", "{}", 400, '"seconds": <number>'),
        ("POST", "/clock/advance", '{"seconds": "10"}', 400, '"seconds": <number>'),
        ("POST", "/clock/advance", '{"seconds": true}', 400, '"seconds": <number>'),
        ("POST", "/clock/advance", '{"seconds": -1}', 400, "negative"),
        ("POST", "/clock/advance", '{"seconds": NaN}', 400, "JSON"),
        ("POST", "/clock/advance", '{"seconds": Infinity}', 400, "JSON"),
        ("POST", "/clock/advance", '{"seconds": 1e300}', 400, "9999"),
        ("POST", "/clock/set", '{"now": 0}', 400, "backwards"),
        ("POST", "/clock/set", '{"now": 1e300}', 400, "9999"),
        ("DELETE", "/clock", None, 405, "clock"),
        ("POST", "/jobs/JOB", "{}", 400, '"status"'),
        ("POST", "/jobs/JOB", '{"status": 3}', 400, '"status"'),
        ("POST", "/jobs/JOB", '{"status": "failed", "fields": "x"}', 400, '"fields"'),
        ("POST", "/jobs/JOB", '{"status": "failed", "fields": [1, 2]}', 400, '"fields"'),
        ("POST", "/jobs/nope", '{"status": "failed"}', 404, "no job 'nope'"),
        ("GET", "/jobs/nope", None, 404, "no job 'nope' in namespace 'default'"),
        ("GET", "/jobs/a/b", None, 404, "no job 'a/b'"),
        ("DELETE", "/jobs/JOB", None, 405, "takes GET, HEAD, POST, PUT, not DELETE"),
        ("PUT", "/scenario", '{"default": "nope"}', 400, "unknown scenario 'nope'"),
        ("PUT", "/rate-limit", "{}", 400, '"requests": <int>'),
        ("PUT", "/rate-limit", '{"requests": 0, "per": 1}', 400, '"requests": <int>'),
        ("PUT", "/rate-limit", '{"requests": 2, "per": -1}', 400, '"per": <seconds>'),
        ("PUT", "/rate-limit", '{"requests": 2, "per": NaN}', 400, "JSON"),
        ("GET", "/journal?since=abc", None, 400, "integers"),
        ("GET", "/journal?status=ok", None, 400, "integers"),
        ("GET", "/journal?violations=maybe", None, 400, "true or false"),
        ("GET", "/nothing-here", None, 404, "no control endpoint GET /_emulator/nothing-here"),
        ("POST", "/health", None, 405, "/_emulator/health takes GET, HEAD, not POST"),
    ],
)
def test_bad_control_requests_get_json_errors(
    c: TestClient, method: str, path: str, body: str | None, status: int, message: str
) -> None:
    job_id = create(c)
    before = ok(c.get(f"/_emulator/jobs/{job_id}"))
    clock = ok(c.get("/_emulator/clock"))
    r = c.request(
        method,
        "/_emulator" + path.replace("JOB", job_id),
        content=body,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == status, r.text
    assert message in r.json()["error"]
    # A refused control request changes nothing, and the emulator still answers.
    assert ok(c.get(f"/_emulator/jobs/{job_id}")) == before
    assert ok(c.get("/_emulator/clock")) == clock
    assert retrieve(c, job_id).status_code == 200


def test_a_profile_less_emulator_keeps_no_jobs() -> None:
    specs = REPO / "specs"
    c = TestClient(build(api=None, spec=specs / "writer.yaml"))
    r = c.get("/_emulator/jobs")
    assert r.status_code == 404 and "no profile" in r.json()["error"]
    assert ok(c.get("/_emulator/health"))["profile"] is None


# --- the route table ------------------------------------------------------------------------------


def test_a_method_a_route_does_not_take_is_a_405_with_allow(c: TestClient) -> None:
    r = c.delete("/_emulator/clock/advance")
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    assert r.json() == {"error": "/_emulator/clock/advance takes POST, not DELETE"}
    assert c.head("/_emulator/journal").status_code == 200  # GET routes answer HEAD too


def test_an_unknown_path_under_a_known_one_names_the_paths_there(c: TestClient) -> None:
    r = c.get("/_emulator/clock/rewind")
    assert r.status_code == 404
    assert r.json()["error"] == (
        "no control endpoint GET /_emulator/clock/rewind; under /_emulator/clock: "
        "/_emulator/clock, /_emulator/clock/advance, /_emulator/clock/set"
    )


def test_the_route_table_is_the_control_api_doc(shared: TestClient) -> None:
    """Every route of the table is in docs/reference/control-api.md, and every
    ``METHOD /_emulator/...`` the doc names is a route of the table."""
    app = shared.app
    assert isinstance(app, Emulator)
    table = {
        (method, f"/_emulator{route.shown}".rstrip("/"))
        for route in app.control.routes
        for method in route.methods or ()
        if method != "HEAD" and route.path != "/"
    }
    doc = (REPO / "docs" / "reference" / "control-api.md").read_text()
    named = set(re.findall(r"`(GET|POST|PUT|DELETE) (/_emulator[^` ?]*)", doc))
    named |= {("GET", path) for path in re.findall(r"`(/_emulator/[^` ?]+)", doc)}
    assert named == table
