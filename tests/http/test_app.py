"""emulator.http.app in process: request refusals in each provider's envelope, routing answers,
strict and non-strict self-checks, stateless serving, example fallback, and no crashes."""

from __future__ import annotations

import functools
import random
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from tests.support import REPO, RETAB, WRITER, osapi_auth

ROOT = REPO
WRITER_SPEC = ROOT / "specs" / "writer.yaml"
JSON = {"content-type": "application/json"}
UNKNOWN_UUID = "0d8e7a51-3f2b-4e9c-a1d6-7b4c5e2f8a91"


OSAPI = osapi_auth()


def client(app: Emulator) -> TestClient:
    # raise_server_exceptions: a crash inside the app fails the test instead of hiding in a 500.
    return TestClient(app, base_url="http://emulator", follow_redirects=False)


@functools.cache
def shared_app(api: str | None, spec: Path | None, settings: Settings) -> Emulator:
    return build(api=api, spec=spec, settings=settings)


def serve(api: str | None = "writer", **options: Any) -> TestClient:
    """A client of an app built once per configuration, its default namespace freshly reset."""
    spec = options.pop("spec", None)
    c = client(shared_app(api, spec, Settings(manual_clock=True, **options)))
    assert c.post("/_emulator/reset").status_code == 200
    return c


def create_writer_job(c: TestClient, scenario: str | None = None) -> str:
    headers = {**WRITER, **({"X-Emulator-Scenario": scenario} if scenario else {})}
    body = {"inputs": [{"id": "topic", "value": ["shoes"]}]}
    r = c.post("/v1/applications/app-1/jobs", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def journal(c: TestClient, **query: str) -> list[dict[str, Any]]:
    r = c.get("/_emulator/journal", params=query)
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["entries"]
    return entries


# --- request validation, in each provider's own envelope ---------------------------------------


def writer_error(r: Any, status: int, tpe: str, key: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["tpe"] == tpe and body["extras"] == {}
    (item,) = body["errors"]
    assert item["key"] == key
    return str(item["description"])


def test_writer_refuses_a_malformed_job_id_with_400_bad_request() -> None:
    r = serve().get("/v1/applications/jobs/not-a-uuid", headers=WRITER)
    text = writer_error(r, 400, "BadRequest", "fail.badRequest.invalidParameters")
    assert "not-a-uuid" in text and "uuid" in text


def test_writer_refuses_a_create_without_inputs() -> None:
    r = serve().post("/v1/applications/app-1/jobs", json={}, headers=WRITER)
    text = writer_error(r, 400, "BadRequest", "fail.badRequest.invalidParameters")
    assert "'inputs' is a required property" in text


def test_a_body_refusal_names_the_field_in_the_envelope_and_the_journal() -> None:
    c = serve()
    r = c.post("/v1/applications/app-1/jobs", json={"inputs": [{"k": 1}]}, headers=WRITER)
    text = writer_error(r, 400, "BadRequest", "fail.badRequest.invalidParameters")
    assert text == "body field 'inputs[0]': 'id' is a required property"
    (entry,) = c.get("/_emulator/journal").json()["entries"]
    assert entry["violations"] == [
        {"side": "request", "path": "$.body.inputs[0].id", "rule": "required", "message": text}
    ]


def test_a_field_list_envelope_keeps_the_field_in_loc_and_the_reason_in_msg() -> None:
    r = serve("retab").post("/v1/jobs", json={"endpoint": "/v1/nope"}, headers=RETAB)
    assert r.status_code == 422, r.text
    assert {
        "loc": ["body", "request"],
        "msg": "'request' is a required property",
        "type": "required",
    } in r.json()["detail"]


def test_writer_refuses_missing_credentials_with_401() -> None:
    r = serve().get(f"/v1/applications/jobs/{UNKNOWN_UUID}")
    writer_error(r, 401, "Unauthorized", "fail.unauthorized.badToken")


def test_retab_refuses_bad_fields_with_422_detail_list() -> None:
    r = serve("retab").post("/v1/jobs", json={"endpoint": "/v1/nope"}, headers=RETAB)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}
        assert item["loc"][0] == "body"


def test_retab_refuses_missing_api_key_with_401_detail() -> None:
    r = serve("retab").get("/v1/jobs")
    assert r.status_code == 401
    assert isinstance(r.json()["detail"], str)


def test_osapi_refuses_a_malformed_uuid_with_400_message_before_auth() -> None:
    r = serve("osapi").get("/job/not-a-uuid")  # no token at all
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"message"} and "not-a-uuid" in r.json()["message"]


def test_osapi_auth_errors_use_the_error_key() -> None:
    c = serve("osapi")
    assert c.get(f"/job/{UNKNOWN_UUID}").json() == {"error": "Bearer token required"}
    r = c.post(
        "/job",
        json={"operation": {"type": "x"}, "target_hostname": "_any"},
        headers=osapi_auth("read"),
    )
    assert r.status_code == 403
    assert r.json()["error"].startswith("Insufficient permissions")


@pytest.mark.parametrize(
    ("api", "path", "auth", "status"),
    [
        ("writer", "/v1/applications/app-1/jobs", WRITER, 400),
        ("retab", "/v1/jobs", RETAB, 422),
        ("osapi", "/job", OSAPI, 400),
    ],
)
def test_malformed_json_is_a_client_error(
    api: str, path: str, auth: dict[str, str], status: int
) -> None:
    c = serve(api)
    for raw in (b"{", b'{"inputs": [', b"\xff\xfe", b'{"a": NaN}', b"[1e999]"):
        r = c.post(path, content=raw, headers={**auth, **JSON})
        assert r.status_code == status, (raw, r.text)
    assert all(e["status"] == status for e in journal(c))


def test_writer_retry_with_an_empty_json_body_is_no_body() -> None:
    c = serve()
    job_id = create_writer_job(c, "always-fail")
    c.post("/_emulator/clock/advance", json={"seconds": 60})
    assert c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER).json()["status"] == "failed"
    # writer-sdk's jobs.retry() sends Content-Type: application/json and no bytes at all.
    r = c.post(f"/v1/applications/jobs/{job_id}/retry", content=b"", headers={**WRITER, **JSON})
    assert r.status_code == 202, r.text
    assert r.json()["id"] == job_id and r.json()["status"] == "in_progress"


# --- routing ------------------------------------------------------------------------------------


def test_unknown_path_is_404_and_unknown_method_is_405_with_allow() -> None:
    c = serve()
    assert c.get("/v2/anything", headers=WRITER).status_code == 404
    r = c.delete(f"/v1/applications/jobs/{UNKNOWN_UUID}", headers=WRITER)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    r = c.get(f"/v1/applications/jobs/{UNKNOWN_UUID}/retry", headers=WRITER)
    assert (r.status_code, r.headers["allow"]) == (405, "POST")


def test_static_route_answers_405_rather_than_falling_into_a_template() -> None:
    r = serve("osapi").delete("/job/status", headers=OSAPI)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


def test_trailing_slash_is_never_redirected() -> None:
    c = serve()
    for path in ("/v1/applications/app-1/jobs/", f"/v1/applications/jobs/{UNKNOWN_UUID}/"):
        r = c.get(path, headers=WRITER)
        assert not 300 <= r.status_code < 400, (path, r.status_code)
        assert "location" not in r.headers
        assert r.status_code == 404


def test_head_is_answered_for_get_routes() -> None:
    c = serve()
    job_id = create_writer_job(c)
    got = c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    head = c.head(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert c.head("/v1/applications/app-1/jobs", headers=WRITER).status_code == 200
    assert [e["method"] for e in journal(c, method="HEAD")] == ["HEAD", "HEAD"]


# --- the self-check -------------------------------------------------------------------------------


def test_strict_mode_turns_a_response_violation_into_a_500_naming_rule_and_path() -> None:
    c = serve(strict=True)
    job_id = create_writer_job(c)
    forced = c.post(f"/_emulator/jobs/{job_id}", json={"status": "bogus"})
    assert forced.status_code == 200, forced.text
    r = c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["detail"].startswith("retrieveJob: ")
    assert {"side": "response", "path": "$.body.status", "rule": "enum"}.items() <= (
        problem["violations"][0].items()
    )
    (entry,) = journal(c, violations="true")
    assert (entry["status"], entry["operation"], entry["job_id"]) == (500, "retrieveJob", job_id)
    assert entry["violations"][0]["path"] == "$.body.status"
    assert entry["violations"][0]["rule"] == "enum"


def test_non_strict_mode_serves_the_violation_with_a_header_and_records_it() -> None:
    c = serve(strict=False)
    job_id = create_writer_job(c)
    c.post(f"/_emulator/jobs/{job_id}", json={"status": "bogus"})
    r = c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    assert r.status_code == 200
    assert r.json()["status"] == "bogus"
    header = r.headers["x-emulator-violations"]
    assert "$.body.status" in header and "enum" in header
    (entry,) = journal(c, violations="true")
    assert entry["status"] == 200
    assert entry["violations"][0]["path"] == "$.body.status"


def test_violation_header_stays_ascii_when_the_request_was_not() -> None:
    # Strict mode reports request violations in the header too; they quote the request.
    c = serve(strict=True)
    r = c.get("/v1/applications/jobs/caf%C3%A9%0A", headers=WRITER)
    assert r.status_code == 400
    assert r.headers["x-emulator-violations"].isascii()
    assert (
        "\\xe9" in r.headers["x-emulator-violations"] or "\\u" in r.headers["x-emulator-violations"]
    )


# --- a spec without a profile ---------------------------------------------------------------------

TOKEN_SPEC = """
openapi: 3.1.0
info: {title: Tokens, version: "1"}
paths:
  /token:
    get:
      operationId: getToken
      responses:
        '200':
          description: A generated token.
          content:
            application/json:
              schema:
                type: object
                required: [token, count]
                properties:
                  token: {type: string, pattern: '^[a-z]{12}$'}
                  count: {type: integer, minimum: 0, maximum: 1000000000}
"""


def stateless_bodies(spec: Path, seed: int) -> list[Any]:
    # A fresh build each time: the same seed must give the same bodies across processes.
    c = client(build(api=None, spec=spec, settings=Settings(seed=seed)))
    requests = [
        ("POST", "/v1/applications/app-1/jobs", {"inputs": []}),
        ("GET", "/v1/applications/app-1/jobs", None),
        ("GET", f"/v1/applications/jobs/{UNKNOWN_UUID}", None),
        ("POST", f"/v1/applications/jobs/{UNKNOWN_UUID}/retry", None),
    ]
    bodies = []
    for method, path, body in requests:
        r = c.request(method, path, json=body, headers=WRITER)
        assert r.status_code in (200, 202), (path, r.text)
        bodies.append(r.json())
    assert journal(c, violations="true") == []
    return bodies


def test_spec_without_profile_serves_every_operation_from_examples() -> None:
    spec = build(api=None, spec=WRITER_SPEC).spec
    assert len(spec.operations) == 4
    bodies = stateless_bodies(WRITER_SPEC, seed=0)
    for (op_key, status), body in zip(
        [("createJob", "202"), ("listJobs", "200"), ("retrieveJob", "200"), ("retryJob", "202")],
        bodies,
        strict=True,
    ):
        op = spec.operation(op_key)
        assert op is not None
        assert body in op.responses[status].content["application/json"].examples
    assert stateless_bodies(WRITER_SPEC, seed=0) == bodies


def test_spec_without_profile_generates_bodies_deterministically_per_seed(tmp_path: Path) -> None:
    spec = tmp_path / "tokens.yaml"
    spec.write_text(TOKEN_SPEC, encoding="utf-8")

    def token(seed: int) -> Any:
        c = client(build(api=None, spec=spec, settings=Settings(seed=seed)))
        r = c.get("/token")
        assert r.status_code == 200
        assert journal(c, violations="true") == []
        return r.json()

    first = token(0)
    assert len(first["token"]) == 12 and first["token"].isalpha()
    assert token(0) == first
    assert token(1)["token"] != first["token"]


def test_spec_without_profile_refuses_bad_requests_with_problem_json() -> None:
    c = serve(None, spec=WRITER_SPEC)
    r = c.get("/v1/applications/jobs/not-a-uuid", headers=WRITER)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert "uuid" in problem["detail"]
    r = c.post("/v1/applications/app-1/jobs", json={}, headers=WRITER)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert c.get("/_emulator/jobs").status_code == 404  # no profile, no jobs


def test_fallback_examples_answers_an_unknown_job_from_examples() -> None:
    plain = serve().get(f"/v1/applications/jobs/{UNKNOWN_UUID}", headers=WRITER)
    writer_error(plain, 404, "NotFound", "fail.notFound.resource")
    c = serve(fallback="examples")
    r = c.get(f"/v1/applications/jobs/{UNKNOWN_UUID}", headers=WRITER)
    assert r.status_code == 200
    op = c.app.spec.operation("retrieveJob")
    assert r.json() in op.responses["200"].content["application/json"].examples
    known = create_writer_job(c)
    assert c.get(f"/v1/applications/jobs/{known}", headers=WRITER).json()["id"] == known


# --- nothing crashes ------------------------------------------------------------------------------

SEGMENTS = [
    "v1",
    "jobs",
    "applications",
    "job",
    "status",
    "workers",
    "retry",
    "cancel",
    "",
    "%00",
    "%C4%80",
    "..",
    "%FF",
    "a b",
    "%2F",
    "x" * 300,
    "{id}",
    UNKNOWN_UUID,
    "job_V1StGXR8_Z5jdHi6B-myT",
    "_ns",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW"]
BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b"{}",
    b'"text"',
    b"\xff\xfe",
    b"x" * 5000,
    b'{"a": NaN}',
    b'{"inputs": 5}',
    b'{"inputs": [{"id": "a", "value": ["b"]}]}',
    b'{"endpoint": "/v1/documents/extract", "request": {}, "metadata": {"k": 1}}',
    b'{"operation": {"type": "x"}, "target_hostname": "_all"}',
]
QUERIES = [
    "",
    "?limit=0",
    "?limit=-1",
    "?limit=abc",
    "?offset=99999999999999999999999",
    "?status=bogus",
    "?order=asc&after=zzz",
    "?before=x&after=y",
    "?metadata=notjson",
    "?metadata=%7B%22k%22%3A%22v%22%7D",
    "?include_request=maybe",
    "?limit=1e5",
]
CONTENT_TYPES = [
    None,
    "application/json",
    "text/plain",
    "application/json; charset=latin-1",
    "multipart/form-data; boundary=x",
    "",
    "application/problem+json",
]


def garbage(
    rng: random.Random, app: Emulator, auth: dict[str, str]
) -> tuple[str, str, bytes, dict[str, str]]:
    if rng.random() < 0.6:  # near-misses of real routes reach validation and the handlers
        op = rng.choice(app.spec.operations)
        parts = [rng.choice(SEGMENTS) if p.startswith("{") else p for p in op.path.split("/")]
        path, method = "/".join(parts), op.method if rng.random() < 0.6 else rng.choice(METHODS)
    else:
        path = "/" + "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5)))
        method = rng.choice(METHODS)
    headers = dict(auth) if rng.random() < 0.7 else {}
    content_type = rng.choice(CONTENT_TYPES)
    if content_type is not None:
        headers["content-type"] = content_type
    if rng.random() < 0.2:
        headers["authorization"] = rng.choice(["Bearer", "Basic abc", "Bearer x.y.z", "Bearer  "])
    if rng.random() < 0.2:
        headers["x-emulator-scenario"] = rng.choice(["nope", "always-fail", ""])
    return method, path + rng.choice(QUERIES), rng.choice(BODIES), headers


@pytest.mark.parametrize("api", ["writer", "retab", "osapi"])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_a_burst_of_garbage_never_crashes_and_leaves_other_jobs_alone(
    api: str, strict: bool
) -> None:
    auth = {"writer": WRITER, "retab": RETAB, "osapi": OSAPI}[api]
    c = serve(api, strict=strict)
    create = {
        "writer": ("/v1/applications/app-1/jobs", {"inputs": []}),
        "retab": ("/v1/jobs", {"endpoint": "/v1/documents/parse", "request": {}}),
        "osapi": ("/job", {"operation": {"type": "x"}, "target_hostname": "_any"}),
    }[api]
    created = c.post(create[0], json=create[1], headers=auth).json()
    job_id = created.get("id") or created["job_id"]
    before = c.get(f"/_emulator/jobs/{job_id}").json()
    rng = random.Random(f"garbage:{api}:{strict}")
    statuses = set()
    for _ in range(80):  # tests/http/test_fuzz.py and test_hostile.py fuzz more widely
        method, path, body, headers = garbage(rng, c.app, auth)
        if path.startswith("/_emulator") or path.startswith("/_ns"):
            continue  # the control plane is the test's, not the client's
        r = c.request(method, path, content=body, headers=headers)
        statuses.add(r.status_code)
        if r.status_code >= 500:
            # Only the self-check may answer 500, and only in strict mode.
            assert strict and "contract-violation" in r.json()["type"], (method, path, r.text)
    assert {400, 404, 405} <= statuses or {401, 404, 405, 422} <= statuses
    assert c.get(f"/_emulator/jobs/{job_id}").json() == before
