"""Lifecycle features that are profile and scenario data: per-status stamps, cancel exits, the
spec's base path, next-page URLs and tokens, undeclared cursor parameters, null templates and
provider-spelt verbs (tests/data/apis: the tasks API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from tests.support import DATA

API = DATA / "apis" / "specs"
AUTH = {"Authorization": "Bearer k"}


def client(profile: str = "tasks.profile.yaml", **settings: Any) -> TestClient:
    app = build(profile=API / profile, settings=Settings(manual_clock=True, **settings))
    return TestClient(app, base_url="http://emu")


@pytest.fixture
def tasks() -> Iterator[TestClient]:
    with client() as c:
        yield c


def advance(c: TestClient, seconds: float, ns: str = "") -> None:
    prefix = f"/_ns/{ns}" if ns else ""
    assert c.post(f"{prefix}/_emulator/clock/advance", json={"seconds": seconds}).status_code == 200


def create(c: TestClient, scenario: str | None = None, prefix: str = "/v1") -> dict[str, Any]:
    headers = {**AUTH, **({"X-Emulator-Scenario": scenario} if scenario else {})}
    response = c.post(f"{prefix}/tasks", json={"kind": "x"}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def get(c: TestClient, task_id: str, prefix: str = "/v1") -> dict[str, Any]:
    response = c.get(f"{prefix}/tasks/{task_id}", headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_routes_live_under_the_servers_url_path(tasks: TestClient) -> None:
    task = create(tasks)
    assert task["links"]["self"] == f"http://emu/v1/tasks/{task['id']}"
    missing = tasks.post("/tasks", json={"kind": "x"}, headers=AUTH)
    assert missing.status_code == 404
    assert "no operation in the spec for POST /tasks" in missing.text
    assert tasks.get("/_emulator/health").status_code == 200  # the control plane stays put


def test_base_path_setting_overrides_the_spec() -> None:
    with client(base_path="/api/") as c:
        task = create(c, prefix="/api")
        assert task["links"]["self"] == f"http://emu/api/tasks/{task['id']}"
        assert c.post("/v1/tasks", json={"kind": "x"}, headers=AUTH).status_code == 404
    with client(base_path="") as c:
        assert create(c, prefix="")["id"].startswith("t_")


def test_links_carry_the_namespace_prefix(tasks: TestClient) -> None:
    task = create(tasks, prefix="/_ns/n1/v1")
    assert task["links"]["self"] == f"http://emu/_ns/n1/v1/tasks/{task['id']}"


def test_a_stamp_per_status_reached(tasks: TestClient) -> None:
    task = create(tasks)
    t0 = task["created_at"]
    assert (task["running_at"], task["completed_at"]) == (None, None)
    assert "outcome" not in task  # outcome? is left out when the conditional renders null
    advance(tasks, 5)
    assert get(tasks, task["id"])["running_at"] == t0 + 5
    advance(tasks, 60)
    done = get(tasks, task["id"])
    assert (done["status"], done["completed_at"], done["failed_at"]) == ("done", t0 + 65, None)
    assert done["outcome"] == "all good"


def test_failed_stamp_and_the_null_conditional(tasks: TestClient) -> None:
    task = create(tasks, "fails")
    advance(tasks, 30)
    failed = get(tasks, task["id"])
    assert failed["status"] == "failed"
    assert (failed["failed_at"], failed["completed_at"]) == (task["created_at"] + 30, None)
    assert failed["outcome"] == "failed: out of memory"


def test_cancel_exit_leads_through_stopping_to_stopped(tasks: TestClient) -> None:
    task = create(tasks)
    advance(tasks, 10)
    cancelled = tasks.post(f"/v1/tasks/{task['id']}/cancel", headers=AUTH)
    assert cancelled.status_code == 200
    body = cancelled.json()
    t0 = task["created_at"]
    assert (body["status"], body["stopping_at"]) == ("stopping", t0 + 10)
    assert body["running_at"] == t0 + 5
    refused = tasks.post(f"/v1/tasks/{task['id']}/cancel", headers=AUTH)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "the job cannot be stopped in status stopping"}
    advance(tasks, 10)
    stopped = get(tasks, task["id"])
    assert (stopped["status"], stopped["stopped_at"], stopped["completed_at"]) == (
        "stopped",
        t0 + 20,
        None,
    )
    journal = tasks.get("/_emulator/journal").json()["entries"]
    assert [e for e in journal if e["violations"]] == []


def test_immediate_cancel_stamps_the_cancelled_status(tasks: TestClient) -> None:
    task = create(tasks)
    body = tasks.post(f"/v1/tasks/{task['id']}/cancel", headers=AUTH).json()
    assert (body["status"], body["stopped_at"]) == ("stopped", task["created_at"])


def test_cursor_pages_link_to_the_next_page_and_end_with_null(tasks: TestClient) -> None:
    ids = [create(tasks, prefix="/_ns/p/v1")["id"] for _ in range(5)]
    seen, url = [], "/_ns/p/v1/tasks"
    while url:
        page = tasks.get(url, headers=AUTH).json()
        seen += [t["id"] for t in page["results"]]
        url = page["next"]
        assert url is None or url.startswith("http://emu/_ns/p/v1/tasks?cursor=")
    assert seen == ids[::-1]
    # The limit given is kept in the next link; the cursor is a parameter only the profile knows.
    first = tasks.get("/_ns/p/v1/tasks?limit=4", headers=AUTH).json()
    assert first["next"] == f"http://emu/_ns/p/v1/tasks?limit=4&cursor={ids[1]}"


def test_page_tokens_are_opaque_and_absent_on_the_last_page() -> None:
    with client("tasks-token.profile.yaml") as c:
        ids = [create(c)["id"] for _ in range(3)]
        first = c.get("/v1/tasks", headers=AUTH).json()
        assert [t["id"] for t in first["results"]] == ids[:0:-1]
        token = first["next_page_token"]
        assert token and first["next"] == f"http://emu/v1/tasks?page_token={token}"
        last = c.get("/v1/tasks", params={"page_token": token}, headers=AUTH).json()
        assert [t["id"] for t in last["results"]] == ids[:1]
        assert (last["next"], last["next_page_token"], last["total"]) == (None, None, 3)


def test_a_poll_answered_by_a_fault_does_not_count(tasks: TestClient) -> None:
    task = create(tasks, "polled")
    url = f"/v1/tasks/{task['id']}"
    assert tasks.get(url, headers=AUTH).status_code == 503  # never reached the job
    assert get(tasks, task["id"])["status"] == "queued"  # poll 1 sees the first state
    assert get(tasks, task["id"])["status"] == "done"
