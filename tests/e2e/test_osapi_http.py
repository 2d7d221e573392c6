"""osapi's job queue over plain HTTP with HS256 JWTs, on the bundled spec and on upstream's own.

Every test runs twice (the ``osapi_server`` fixture is parametrized): once over the spec this
project wrote, once over osapi's unmodified OpenAPI file with its cross-file ``$ref``.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from emulator.testing.handle import EmulatorHandle
from tests.support import osapi_token

from .e2e_support import assert_clean, entries

# The emulator's documented default secret is 20 bytes; PyJWT warns about short HMAC keys.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

CREATE = {"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"}


def client(emu: EmulatorHandle, *roles: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {osapi_token(*roles)}"} if roles else {}
    return httpx.Client(base_url=emu.url, headers=headers, timeout=10)


@pytest.fixture
def admin(osapi: EmulatorHandle) -> httpx.Client:
    return client(osapi, "admin")


def create(http: httpx.Client, body: dict[str, Any] = CREATE) -> dict[str, Any]:
    response = http.post("/job", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def get(http: httpx.Client, job_id: str) -> dict[str, Any]:
    response = http.get(f"/job/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def test_create_answers_created_with_a_store_wide_revision(
    osapi: EmulatorHandle, admin: httpx.Client
) -> None:
    first, second = create(admin), create(admin)
    assert first["status"] == second["status"] == "created"  # not the spec example's value
    assert uuid.UUID(first["job_id"]).version == 4
    assert (first["revision"], second["revision"]) == (1, 2)
    assert first["timestamp"] == "2026-01-01T00:00:00Z"
    job = get(admin, first["job_id"])
    assert (job["id"], job["status"], job["operation"]) == (
        first["job_id"],
        "submitted",
        CREATE["operation"],
    )
    assert_clean(osapi)


def test_retry_creates_a_new_job_and_marks_the_original(
    osapi: EmulatorHandle, admin: httpx.Client
) -> None:
    original = create(admin)["job_id"]
    retried = admin.post(f"/job/{original}/retry")
    assert retried.status_code == 201
    new = retried.json()
    assert new["status"] == "created"
    assert new["job_id"] != original
    assert new["revision"] == 2

    old = get(admin, original)
    retried_events = [e for e in old["timeline"] if e["event"] == "retried"]
    assert len(retried_events) == 1
    assert new["job_id"] in retried_events[0]["message"]
    spawned = get(admin, new["job_id"])
    assert spawned["operation"] == CREATE["operation"]
    assert not [e for e in spawned["timeline"] if e["event"] == "retried"]

    # No state check: a completed job retries too. submitted 5 s, processing 30 s.
    osapi.clock.advance(35)
    assert get(admin, original)["status"] == "completed"
    again = admin.post(f"/job/{original}/retry", json={"target_hostname": "web-2"})
    assert again.status_code == 201
    assert again.json()["job_id"] not in (original, new["job_id"])
    assert len([e for e in get(admin, original)["timeline"] if e["event"] == "retried"]) == 2
    total = admin.get("/job", params={"limit": 0}).json()["total_items"]
    assert total == 3
    assert_clean(osapi)


def test_delete_then_get_and_retry_are_404(osapi: EmulatorHandle, admin: httpx.Client) -> None:
    job_id = create(admin)["job_id"]
    deleted = admin.delete(f"/job/{job_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    for response in (admin.get(f"/job/{job_id}"), admin.post(f"/job/{job_id}/retry")):
        assert response.status_code == 404
        assert response.json() == {"error": f"job not found: {job_id}"}
    assert admin.delete(f"/job/{job_id}").status_code == 404
    assert_clean(osapi)


def test_read_only_token_cannot_write(osapi: EmulatorHandle, admin: httpx.Client) -> None:
    job_id = create(admin)["job_id"]
    reader = client(osapi, "read")
    assert reader.get(f"/job/{job_id}").status_code == 200
    assert reader.get("/job").status_code == 200
    for response in (reader.post("/job", json=CREATE), reader.post(f"/job/{job_id}/retry")):
        assert response.status_code == 403
        assert response.json()["error"].startswith("Insufficient permissions")
        assert "job:write" in response.json()["error"]
    assert admin.get("/job").json()["total_items"] == 1  # neither write took effect
    assert_clean(osapi)


def test_malformed_uuid_is_400_before_auth_and_missing_token_is_401(osapi: EmulatorHandle) -> None:
    anonymous = client(osapi)
    for response in (anonymous.get("/job/not-a-uuid"), anonymous.post("/job/42/retry")):
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
    assert client(osapi, "admin").get("/job/not-a-uuid").status_code == 400

    missing = anonymous.get(f"/job/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (401, {"error": "Bearer token required"})
    assert anonymous.post("/job", json=CREATE).status_code == 401
    forged = jwt.encode(
        {"roles": ["admin"]}, "another-secret-of-32-bytes-or-more", algorithm="HS256"
    )
    bad = anonymous.get("/job", headers={"Authorization": f"Bearer {forged}"})
    assert bad.status_code == 401
    seen = entries(osapi)
    assert not [e for e in seen if e["status"] >= 500]
    assert not [v for e in seen for v in e["violations"] if v["side"] == "response"]


def test_static_routes_beat_the_job_id_template(osapi: EmulatorHandle, admin: httpx.Client) -> None:
    create(admin)
    create(admin, {"operation": {"type": "network.dns.get"}, "target_hostname": "_any"})
    stats = admin.get("/job/status")
    assert stats.status_code == 200
    body = stats.json()
    assert body["total_jobs"] == 2
    assert body["status_counts"] == {"submitted": 2}
    assert body["operation_counts"] == {"node.hostname.get": 1, "network.dns.get": 1}
    workers = admin.get("/job/workers")
    assert workers.status_code == 200
    assert isinstance(workers.json()["workers"], list)
    routed = {e["path"]: e["operation"] for e in entries(osapi, method="GET")}
    assert routed["/job/status"] not in (None, routed.get("/job/{id}"))
    assert [e["action"] for e in entries(osapi, method="GET")] == ["stats", None]
    assert_clean(osapi)


def test_broadcast_reaches_partial_failure_with_worker_states(
    osapi: EmulatorHandle, admin: httpx.Client
) -> None:
    body = {"operation": {"type": "network.dns.get"}, "target_hostname": "_all"}
    job_id = create(admin, body)["job_id"]
    assert osapi.jobs.get(job_id)["scenario"] == "partial-failure"  # chosen by its match rule
    osapi.clock.advance(5)
    running = get(admin, job_id)
    assert running["status"] == "processing"
    assert set(running["worker_states"]) == {"web-1", "web-2"}
    osapi.clock.advance(30)
    done = get(admin, job_id)
    assert done["status"] == "partial_failure"
    assert done["worker_states"]["web-1"]["status"] == "completed"
    assert done["worker_states"]["web-2"]["status"] == "failed"
    assert done["error"] == "1 of 2 workers failed"
    assert [e["event"] for e in done["timeline"]] == ["submitted", "started", "failed"]
    assert_clean(osapi)


def test_list_limit_zero_is_unlimited_and_items_never_null(
    osapi: EmulatorHandle, admin: httpx.Client
) -> None:
    empty = admin.get("/job")
    assert empty.status_code == 200
    assert empty.json() == {"total_items": 0, "items": []}
    ids = [create(admin)["job_id"] for _ in range(12)]
    default = admin.get("/job").json()
    assert default["total_items"] == 12
    assert len(default["items"]) == 10
    everything = admin.get("/job", params={"limit": 0}).json()
    assert [item["id"] for item in everything["items"]] == list(reversed(ids))  # newest first
    tail = admin.get("/job", params={"limit": 5, "offset": 10}).json()
    assert [item["id"] for item in tail["items"]] == list(reversed(ids))[10:]
    none_failed = admin.get("/job", params={"status": "failed"}).json()
    assert none_failed == {"total_items": 0, "items": []}
    assert_clean(osapi)
