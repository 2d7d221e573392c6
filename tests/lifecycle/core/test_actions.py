"""emulator.lifecycle.core.actions through the API: retry models (reset vs new), refusals from the
wrong state in the
provider's own words, cancel rules, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from tests.support import DATA, RETAB, WRITER, emulator_for, osapi_auth

START = 1_767_225_600  # the manual clock's start
WEEK = 7 * 24 * 3600


OSAPI = osapi_auth("write")


@pytest.fixture(scope="module")
def apps() -> dict[str, TestClient]:
    return {api: emulator_for(api) for api in ("writer", "retab", "osapi")}


@pytest.fixture
def writer(apps: dict[str, TestClient]) -> TestClient:
    return reset(apps["writer"])


@pytest.fixture
def retab(apps: dict[str, TestClient]) -> TestClient:
    return reset(apps["retab"])


@pytest.fixture
def osapi(apps: dict[str, TestClient]) -> TestClient:
    return reset(apps["osapi"])


def reset(c: TestClient) -> TestClient:
    assert c.post("/_emulator/reset").status_code == 200
    return c


def advance(c: TestClient, seconds: float) -> None:
    assert c.post("/_emulator/clock/advance", json={"seconds": seconds}).status_code == 200


def status(r: Any, code: int) -> Any:
    assert r.status_code == code, r.text
    return r.json() if r.content else None


# --- Writer: retry resets the same job, only from failed ----------------------------------------


def writer_create(c: TestClient, scenario: str) -> str:
    r = c.post(
        "/v1/applications/app-1/jobs",
        json={"inputs": []},
        headers={**WRITER, "X-Emulator-Scenario": scenario},
    )
    return str(status(r, 202)["id"])


def writer_get(c: TestClient, job_id: str) -> Any:
    return status(c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER), 200)


def writer_retry(c: TestClient, job_id: str) -> Any:
    return c.post(f"/v1/applications/jobs/{job_id}/retry", headers=WRITER)


def test_writer_retry_resets_the_same_job_and_plays_the_next_attempt(writer: TestClient) -> None:
    job_id = writer_create(writer, "fail-then-retry")
    advance(writer, 60)
    failed = writer_get(writer, job_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The model timed out while generating the response."
    accepted = status(writer_retry(writer, job_id), 202)
    assert accepted == {"id": job_id, "status": "in_progress", "created_at": failed["created_at"]}
    again = writer_get(writer, job_id)
    assert (again["status"], again["error"], again["completed_at"]) == ("in_progress", None, None)
    advance(writer, 30)
    done = writer_get(writer, job_id)
    assert done["status"] == "completed"
    assert done["data"]["suggestion"].startswith("Second time lucky")
    assert writer.get("/_emulator/jobs").json()["jobs"][0]["attempt"] == 1


@pytest.mark.parametrize("state", ["in_progress", "completed"])
def test_writer_retry_is_refused_unless_failed(writer: TestClient, state: str) -> None:
    job_id = writer_create(writer, "happy-path")
    if state == "completed":
        advance(writer, 60)
    assert writer_get(writer, job_id)["status"] == state
    body = status(writer_retry(writer, job_id), 400)
    assert body["tpe"] == "BadRequest"
    assert body["errors"][0]["key"] == "fail.badRequest.invalidParameters"
    assert writer_get(writer, job_id)["status"] == state  # the refusal changed nothing


def test_writer_retry_of_an_unknown_job_is_404(writer: TestClient) -> None:
    body = status(writer_retry(writer, "0d8e7a51-3f2b-4e9c-a1d6-7b4c5e2f8a91"), 404)
    assert body["tpe"] == "NotFound"


# --- Retab: retry resets in place from failed/cancelled/expired; cancel rules -------------------


def retab_create(c: TestClient, scenario: str = "happy-path") -> str:
    r = c.post(
        "/v1/jobs",
        json={"endpoint": "/v1/documents/extract", "request": {"doc": 1}},
        headers={**RETAB, "X-Emulator-Scenario": scenario},
    )
    return str(status(r, 200)["id"])


def retab_get(c: TestClient, job_id: str, **query: str) -> Any:
    return status(c.get(f"/v1/jobs/{job_id}", params=query, headers=RETAB), 200)


def retab_post(c: TestClient, job_id: str, action: str) -> Any:
    return c.post(f"/v1/jobs/{job_id}/{action}", headers=RETAB)


def test_retab_retry_resets_in_place_keeping_the_failure_code(retab: TestClient) -> None:
    job_id = retab_create(retab, "fail-then-retry")
    advance(retab, 70)
    failed = retab_get(retab, job_id, include_response="true")
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "provider_timeout"
    assert failed["last_failure_code"] == "provider_timeout"
    assert failed["expires_at"] == START + WEEK
    advance(retab, 100)
    requeued = status(retab_post(retab, job_id, "retry"), 200)
    assert requeued["id"] == job_id
    assert requeued["status"] == "queued"
    assert requeued["error"] is None and "response" not in requeued
    assert requeued["last_failure_code"] == "provider_timeout"
    assert requeued["expires_at"] == START + 170 + WEEK  # refreshed
    assert requeued["cancelled"] is False and requeued["completed_at"] is None
    advance(retab, 70)
    done = retab_get(retab, job_id, include_response="true")
    assert done["status"] == "completed" and done["response"]["status_code"] == 200
    assert done["attempt_count"] == 2


def test_retab_retry_is_refused_from_a_live_status_in_retabs_words(retab: TestClient) -> None:
    job_id = retab_create(retab)
    assert status(retab_post(retab, job_id, "retry"), 400) == {
        "detail": "Job cannot be retried from status queued"
    }
    advance(retab, 80)
    assert retab_get(retab, job_id)["status"] == "completed"
    body = status(retab_post(retab, job_id, "retry"), 400)
    assert body == {"detail": "Job cannot be retried from status completed"}


def test_retab_retry_after_a_cancel(retab: TestClient) -> None:
    job_id = retab_create(retab)
    status(retab_post(retab, job_id, "cancel"), 200)
    requeued = status(retab_post(retab, job_id, "retry"), 200)
    assert (requeued["id"], requeued["status"], requeued["cancelled"]) == (job_id, "queued", False)


def test_retab_cancel_is_immediate_from_queued(retab: TestClient) -> None:
    job_id = retab_create(retab)
    cancelled = status(retab_post(retab, job_id, "cancel"), 200)
    assert (cancelled["status"], cancelled["cancelled"]) == ("cancelled", True)
    assert cancelled["completed_at"] == START
    body = status(retab_post(retab, job_id, "cancel"), 400)
    assert body == {"detail": "Job cannot be cancelled from status cancelled"}


def test_retab_cancel_while_running_stops_at_the_end_of_the_state(retab: TestClient) -> None:
    job_id = retab_create(retab)
    advance(retab, 10)
    assert retab_get(retab, job_id)["status"] == "in_progress"
    accepted = status(retab_post(retab, job_id, "cancel"), 200)
    assert (accepted["status"], accepted["cancelled"]) == ("in_progress", True)
    advance(retab, 60)
    assert retab_get(retab, job_id)["status"] == "cancelled"


def test_retab_cancel_while_running_may_still_complete(retab: TestClient) -> None:
    job_id = retab_create(retab, "cancel-while-running")
    advance(retab, 10)
    status(retab_post(retab, job_id, "cancel"), 200)
    advance(retab, 120)
    finished = retab_get(retab, job_id)
    assert (finished["status"], finished["cancelled"]) == ("completed", True)


def test_retab_cancel_is_refused_from_a_terminal_status(retab: TestClient) -> None:
    job_id = retab_create(retab, "always-fail")
    advance(retab, 80)
    assert status(retab_post(retab, job_id, "cancel"), 400) == {
        "detail": "Job cannot be cancelled from status failed"
    }
    assert status(retab_post(retab, "job_aaaaaaaaaaaaaaaaaaaaa", "cancel"), 404) == {
        "detail": "Job not found"
    }


def test_retab_retry_with_dispatch_delayed_commits_then_answers_503(retab: TestClient) -> None:
    job_id = retab_create(retab, "retry-dispatch-delayed")
    advance(retab, 80)
    assert retab_get(retab, job_id)["status"] == "failed"
    delayed = status(retab_post(retab, job_id, "retry"), 503)
    assert delayed == {"detail": "Retry queued; dispatch is delayed"}
    assert retab_get(retab, job_id)["status"] == "queued"  # the retry took effect
    # The SDK re-sends 5xx: that second retry meets a queued job and is refused.
    assert status(retab_post(retab, job_id, "retry"), 400) == {
        "detail": "Job cannot be retried from status queued"
    }


# --- osapi: retry makes a new job from any status; delete ----------------------------------------


def osapi_create(c: TestClient, target: str = "_any") -> Any:
    r = c.post(
        "/job",
        json={"operation": {"type": "node.hostname.get"}, "target_hostname": target},
        headers=OSAPI,
    )
    return status(r, 201)


def osapi_get(c: TestClient, job_id: str) -> Any:
    return status(c.get(f"/job/{job_id}", headers=OSAPI), 200)


def test_osapi_retry_creates_a_new_job_and_marks_the_original(osapi: TestClient) -> None:
    created = osapi_create(osapi)
    original = created["job_id"]
    assert (created["status"], created["revision"]) == ("created", 1)
    advance(osapi, 60)
    assert osapi_get(osapi, original)["status"] == "completed"
    retried = status(osapi.post(f"/job/{original}/retry", headers=OSAPI), 201)
    assert retried["job_id"] != original
    assert (retried["status"], retried["revision"]) == ("created", 2)
    fresh = osapi_get(osapi, retried["job_id"])
    assert fresh["status"] == "submitted"
    assert fresh["operation"] == {"type": "node.hostname.get"}
    old = osapi_get(osapi, original)
    assert old["status"] == "completed"  # kept as it was
    assert old["timeline"][-1]["event"] == "retried"
    assert retried["job_id"] in old["timeline"][-1]["message"]


def test_osapi_retry_has_no_state_check_and_takes_an_optional_body(osapi: TestClient) -> None:
    running = osapi_create(osapi)["job_id"]
    assert osapi_get(osapi, running)["status"] == "submitted"
    first = status(osapi.post(f"/job/{running}/retry", headers=OSAPI), 201)
    second = status(
        osapi.post(f"/job/{running}/retry", json={"target_hostname": "web-02"}, headers=OSAPI), 201
    )
    assert len({running, first["job_id"], second["job_id"]}) == 3
    assert second["revision"] == first["revision"] + 1
    entries = osapi.get("/_emulator/journal", params={"operation": "retry"}).json()["entries"]
    assert [e["request_body"] for e in entries] == [None, {"target_hostname": "web-02"}]


def test_osapi_delete_answers_204_and_the_job_is_gone(osapi: TestClient) -> None:
    job_id = osapi_create(osapi)["job_id"]
    r = osapi.delete(f"/job/{job_id}", headers=OSAPI)
    assert r.status_code == 204 and r.content == b""
    gone = {"error": f"job not found: {job_id}"}
    assert status(osapi.get(f"/job/{job_id}", headers=OSAPI), 404) == gone
    assert status(osapi.post(f"/job/{job_id}/retry", headers=OSAPI), 404) == gone
    assert status(osapi.delete(f"/job/{job_id}", headers=OSAPI), 404) == gone
    # The revision counter is store-wide: the delete was a write too.
    assert osapi_create(osapi)["revision"] == 3


def test_osapi_broadcast_partial_failure(osapi: TestClient) -> None:
    job_id = osapi_create(osapi, "_all")["job_id"]
    advance(osapi, 60)
    job = osapi_get(osapi, job_id)
    assert job["status"] == "partial_failure"
    assert set(job["worker_states"]) == {"web-1", "web-2"}
    assert job["responses"]["web-2"]["status"] == "failed"


def test_uuid4_text_is_what_the_uuid_module_writes() -> None:
    import random
    import uuid

    from emulator.lifecycle.core.actions import uuid4_text

    rng = random.Random(11)
    for bits in [0, 2**128 - 1, *(rng.getrandbits(128) for _ in range(2000))]:
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


# --- names and partitions -------------------------------------------------------------------

SHAPES = DATA / "shapes" / "specs"


def workflows_app(tmp_path: Path, id_rules: str) -> TestClient:
    """The workflows shape (tests/data/shapes) with other ``job.id`` rules."""
    text = (SHAPES / "workflows.profile.yaml").read_text(encoding="utf-8")
    start, end = text.index("  id:\n"), text.index("  partition:")
    profile = tmp_path / "workflows.profile.yaml"
    profile.write_text(text[:start] + id_rules + text[end:], encoding="utf-8")
    spec = (SHAPES / "workflows.yaml").read_text(encoding="utf-8")
    (tmp_path / "workflows.yaml").write_text(spec, encoding="utf-8")
    scenarios = SHAPES.parent / "scenarios" / "workflows"
    app = build(profile=profile, scenarios=scenarios, settings=Settings(manual_clock=True))
    return TestClient(app, base_url="http://e")


def submit(c: TestClient, namespace: str, **metadata: str) -> Any:
    body = {"workflow": {"metadata": metadata, "spec": {}}}
    return c.post(f"/api/v1/workflows/{namespace}", json=body)


def test_generated_ids_are_still_found_only_through_their_own_partition(tmp_path: Path) -> None:
    c = workflows_app(tmp_path, "  id: {nanoid: 8}\n")  # the emulator names them
    made = status(submit(c, "argo", name="ignored"), 200)["metadata"]
    assert made["name"] != "ignored" and len(made["name"]) == 8
    assert status(c.get(f"/api/v1/workflows/argo/{made['name']}"), 200)
    missing = status(c.get(f"/api/v1/workflows/other/{made['name']}"), 404)
    assert missing["message"] == f'workflows.argoproj.io "{made["name"]}" not found'


def test_a_name_from_the_request_wins_over_its_prefix_and_a_missing_one_is_generated(
    tmp_path: Path,
) -> None:
    rules = "  id: {from: request.body.workflow.metadata.name, prefix: wf-, nanoid: 4}\n"
    c = workflows_app(tmp_path, rules)
    assert status(submit(c, "a", name="mine"), 200)["metadata"]["name"] == "mine"
    generated = status(submit(c, "a"), 200)["metadata"]["name"]
    assert generated.startswith("wf-") and len(generated) == 7
    # The duplicate kind defaults to the profile's conflict.
    assert status(submit(c, "a", name="mine"), 409)["code"] == 10
    assert status(submit(c, "b", name="mine"), 200)["metadata"]["namespace"] == "b"
