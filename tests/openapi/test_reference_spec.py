"""osapi's own, unmodified OpenAPI file (kept outside the project, with a cross-file ``$ref``) is
loaded as is and served under the bundled osapi profile; every answer fits that file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.openapi import load_spec
from emulator.openapi.validation import check_response
from tests.support import REPO, osapi_token

REFERENCE = REPO.parent / "shared" / "reference-specs" / "osapi"
JOB_SPEC = REFERENCE / "job" / "gen" / "api.yaml"
COMMON_SPEC = REFERENCE / "common" / "gen" / "api.yaml"

pytestmark = pytest.mark.skipif(not JOB_SPEC.is_file(), reason="reference specs not present")


def auth(*roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {osapi_token(*roles)}"}


@pytest.fixture(scope="module")
def digests() -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (JOB_SPEC, COMMON_SPEC)}


@pytest.fixture(scope="module")
def c(digests: dict[Path, str]) -> Iterator[TestClient]:
    app = build(api="osapi", spec=JOB_SPEC, settings=Settings(manual_clock=True, strict=True))
    yield TestClient(app, base_url="http://osapi")
    # Loading and serving never touch the upstream files.
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in digests} == digests


def test_loads_through_the_cross_file_ref() -> None:
    spec = load_spec(JOB_SPEC)
    assert spec.openapi == "3.0.0"
    keys = {op.key for op in spec.operations}
    assert keys >= {"GetJobByID", "DeleteJobByID", "RetryJobByID", "POST /job", "GET /job/status"}
    create = spec.operation("POST /job")
    assert create is not None
    media = create.responses["400"].content["application/json"]
    assert media.validator is not None
    # ErrorResponse lives in ../../common/gen/api.yaml: its `error` must be a string.
    assert media.validator.is_valid({"error": "bad"})
    assert not media.validator.is_valid({"error": 42})


def test_malformed_uuid_is_400_before_auth(c: TestClient) -> None:
    r = c.get("/job/not-a-uuid")
    assert r.status_code == 400
    assert set(r.json()) == {"message"} and "not-a-uuid" in r.json()["message"]


def test_missing_token_is_401_and_weak_token_403(c: TestClient) -> None:
    r = c.get("/job/550e8400-e29b-41d4-a716-446655440000")
    assert (r.status_code, r.json()) == (401, {"error": "Bearer token required"})
    r = c.delete("/job/550e8400-e29b-41d4-a716-446655440000", headers=auth("read"))
    assert r.status_code == 403 and r.json()["error"].startswith("Insufficient permissions")


def test_valid_requests_get_answers_that_fit_the_upstream_spec(c: TestClient) -> None:
    c.post("/_emulator/reset")
    admin = auth("admin")
    created = c.post(
        "/job",
        json={"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    assert created.json()["status"] == "created"  # not the spec example's "unprocessed"
    c.post("/_emulator/clock/advance", json={"seconds": 60})
    calls = [
        ("GET", f"/job/{job_id}", 200),
        ("GET", "/job?limit=0", 200),
        ("GET", "/job/status", 200),
        ("GET", "/job/workers", 200),
        ("POST", f"/job/{job_id}/retry", 201),
        ("DELETE", f"/job/{job_id}", 204),
        ("GET", f"/job/{job_id}", 404),
    ]
    spec = c.app.spec  # type: ignore[attr-defined]
    for method, path, expected in calls:
        r = c.request(method, path, headers=admin)
        assert r.status_code == expected, (method, path, r.text)
        op = c.app.pipeline.router.match(method, path.split("?")[0]).operation  # type: ignore[attr-defined]
        body = r.json() if r.content else None
        assert check_response(op, r.status_code, r.headers.get("content-type"), body) == []
        assert spec.operation(op.key) is op
    assert c.get("/job/" + job_id, headers=admin).json() == {"error": f"job not found: {job_id}"}
    entries = c.get("/_emulator/journal").json()["entries"]
    assert len(entries) == 1 + len(calls) + 1
    assert c.get("/_emulator/journal", params={"violations": "true"}).json()["entries"] == []
