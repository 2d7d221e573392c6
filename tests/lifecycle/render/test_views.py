"""emulator.lifecycle.render.views: a job as each provider's profile renders it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from emulator import LiveServer, Settings, build
from emulator.lifecycle.core.engine import Rules, observe, retry_in_place, start
from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Attempt, Duration, Scenario, State
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.render.views import job_context, render_view
from tests.support import DATA, REPO

SPECS = REPO / "specs"
VAULT = DATA / "apis" / "specs" / "vault.profile.yaml"
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def profile(name: str) -> Profile:
    return load_profile(SPECS / f"{name}.profile.yaml")


def rules(p: Profile) -> Rules:
    s = p.statuses
    return Rules(s.started, s.terminal, s.failed, expires_after=p.job.expires_after)


def scenario(*states: State) -> Scenario:
    return Scenario("test", "test.yaml", "", (Attempt(states),))


def advanced(job: Job, sc: Scenario, p: Profile, *times: float) -> Job:
    for now in times:
        job = observe(job, sc, now, rules(p), poll=True)
    return job


# --- context and views ----------------------------------------------------------------------

WRITER_SCENARIO = scenario(
    State("in_progress", Duration(polls=1)),
    State("failed", error={"code": "timeout", "message": "The model timed out."}),
)


def writer_job(p: Profile) -> Job:
    request = {"path": {"application_id": "app-1"}, "body": {"inputs": []}, "query": {}}
    return start("0b6c7a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21", WRITER_SCENARIO, request, T0, rules(p))


def test_context_reflects_the_current_state_and_the_profile_timestamps() -> None:
    p = profile("writer")
    job = advanced(writer_job(p), WRITER_SCENARIO, p, T0 + 1, T0 + 2)
    context = job_context(job, WRITER_SCENARIO, p)
    assert context["job"]["status"] == "failed"
    assert context["job"]["created_at"] == "2026-01-01T00:00:00Z"
    assert context["job"]["completed_at"] == "2026-01-01T00:00:02Z"
    assert context["job"]["last_failure_code"] == "timeout"
    assert context["error"] == {"code": "timeout", "message": "The model timed out."}
    assert context["request"]["path"] == {"application_id": "app-1"}
    assert "timeline" not in context  # writer's profile has none


def test_writer_job_view() -> None:
    p = profile("writer")
    running = writer_job(p)
    body = render_view(p, "job", job_context(running, WRITER_SCENARIO, p))
    assert body == {
        "id": running.id,
        "status": "in_progress",
        "application_id": "app-1",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "completed_at": None,
        "data": None,
        "error": None,
    }
    failed = advanced(running, WRITER_SCENARIO, p, T0 + 5, T0 + 5)
    body = render_view(p, "job", job_context(failed, WRITER_SCENARIO, p))
    assert body["status"] == "failed"
    assert body["error"] == "The model timed out."
    assert body["completed_at"] == "2026-01-01T00:00:05Z"


def test_missing_view_falls_back_to_the_job_view() -> None:
    p = profile("writer")
    context = job_context(writer_job(p), WRITER_SCENARIO, p)
    assert "status" not in p.views
    assert render_view(p, "status", context) == render_view(p, "job", context)


def test_profile_without_views_shows_the_job_context() -> None:
    p = replace(profile("writer"), views={})
    context = job_context(writer_job(p), WRITER_SCENARIO, p)
    body = render_view(p, "job", context)
    assert body == context["job"]
    assert body is not context["job"]


RETAB_SCENARIO = scenario(
    State("queued", Duration(polls=1)),
    State("in_progress", Duration(polls=1)),
    State("completed", result={"status_code": 200, "body": {"ok": True}}),
)


def retab_job(p: Profile) -> Job:
    request = {"body": {"endpoint": "/v1/extractions", "request": {"doc": 1}, "metadata": {}}}
    job = start("job_abc", RETAB_SCENARIO, request, T0, rules(p))
    return advanced(job, RETAB_SCENARIO, p, T0 + 1, T0 + 10.7, T0 + 20.2)


def test_unix_profile_renders_integer_timestamps() -> None:
    p = profile("retab")
    body = render_view(p, "job", job_context(retab_job(p), RETAB_SCENARIO, p))
    assert body["status"] == "completed"
    assert body["created_at"] == int(T0)
    assert body["started_at"] == int(T0) + 10
    assert body["completed_at"] == int(T0) + 20
    assert body["expires_at"] == int(T0) + 604_800
    assert body["attempt_count"] == 1
    assert body["response"] == {"status_code": 200, "body": {"ok": True}}


def test_hidden_keys_are_left_out() -> None:
    p = profile("retab")
    context = job_context(retab_job(p), RETAB_SCENARIO, p)
    shown = render_view(p, "job", context)
    assert shown["request"] == {"doc": 1}
    assert "response" in shown
    hidden = render_view(p, "job", context, hidden=frozenset({"request", "response"}))
    assert "request" not in hidden
    assert "response" not in hidden
    assert hidden["id"] == "job_abc"
    assert render_view(p, "job", context, hidden=frozenset({"no_such_key"})) == shown


def test_retab_status_view_is_the_light_one() -> None:
    p = profile("retab")
    body = render_view(p, "status", job_context(retab_job(p), RETAB_SCENARIO, p))
    assert set(body) == {
        "id",
        "object",
        "status",
        "created_at",
        "started_at",
        "completed_at",
        "expires_at",
    }


# --- timeline -------------------------------------------------------------------------------

OSAPI_SCENARIO = scenario(
    State("submitted", Duration(seconds=5)),
    State("processing", Duration(seconds=5), fields={"hostname": "worker-1"}),
    State("completed", result={"ok": True}, fields={"hostname": "worker-2"}),
)


def osapi_context(job: Job) -> dict[str, Any]:
    p = profile("osapi")
    return job_context(job, OSAPI_SCENARIO, p)


def test_timeline_renders_each_event_with_its_time_and_fields() -> None:
    p = profile("osapi")
    job = start("j1", OSAPI_SCENARIO, {"body": {"operation": {"type": "x"}}}, T0, rules(p))
    job = observe(job, OSAPI_SCENARIO, T0 + 60, rules(p), poll=True)
    assert osapi_context(job)["timeline"] == [
        {
            "timestamp": "2026-01-01T00:00:00Z",
            "event": "submitted",
            "hostname": "api",
            "message": "Job submitted",
        },
        {
            "timestamp": "2026-01-01T00:00:05Z",
            "event": "started",
            "hostname": "worker-1",
            "message": "Job started",
        },
        {
            "timestamp": "2026-01-01T00:00:10Z",
            "event": "completed",
            "hostname": "worker-2",
            "message": "Job completed",
        },
    ]
    body = render_view(p, "job", osapi_context(job))
    assert body["timeline"] == osapi_context(job)["timeline"]
    assert body["hostname"] == "worker-2"  # the view shows the current state's fields
    assert body["result"] == {"ok": True}
    assert "error" not in body  # optional key, None


def test_timeline_retry_entry_names_the_new_job() -> None:
    p = profile("osapi")
    job = start("j1", OSAPI_SCENARIO, {}, T0, rules(p))
    job = retry_in_place(job, OSAPI_SCENARIO, T0 + 1, rules(p))
    retried = [e for e in osapi_context(job)["timeline"] if e["event"] == "retried"]
    assert retried == [
        {
            "timestamp": "2026-01-01T00:00:01Z",
            "event": "retried",
            "hostname": "api",
            "message": "Job retried as j1",
        }
    ]


def test_events_without_a_timeline_template_are_skipped() -> None:
    p = profile("osapi")
    job = replace(
        start("j1", OSAPI_SCENARIO, {}, T0, rules(p)),
        events=(Event(T0, "create"), Event(T0, "status:unknown_status")),
    )
    assert [e["event"] for e in osapi_context(job)["timeline"]] == ["submitted"]


# --- hidden keys never change what a view was read from ---------------------------------------


def test_hiding_a_key_leaves_the_request_and_the_scenario_as_they_were() -> None:
    """Over HTTP, the vault API of tests/data/apis: its job view is ``"{request.body}"`` and
    its status view ``"{result}"``, both with a hidden ``secret``. Leaving the secret out of
    one answer must not take it out of the job's request (shared by every job created with the
    same body) or out of the scenario's result (shared by every job of the scenario)."""
    app = build(profile=VAULT, settings=Settings(manual_clock=True))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        body = {"name": "a", "secret": "s"}
        first = client.post("/things", json=body).json()["id"]
        assert client.get(f"/things/{first}").json() == {"name": "a"}
        shown = client.get(f"/things/{first}", params={"include_secret": "true"})
        assert shown.json() == body
        second = client.post("/things", json=body).json()["id"]
        shown = client.get(f"/things/{second}", params={"include_secret": "true"})
        assert shown.json() == body
        assert client.get(f"/things/{first}/result").json() == {"answer": 42}
        shown = client.get(f"/things/{second}/result", params={"include_secret": "true"})
        assert shown.json() == {"answer": 42, "secret": "r"}


def test_each_action_view_falls_back_to_its_chain_then_to_the_job_view(tmp_path: Path) -> None:
    file = tmp_path / "views.profile.yaml"
    file.write_text(
        "name: views\n"
        "operations: {create: c, retrieve: r}\n"
        "statuses: {terminal: [done]}\n"
        "views:\n"
        "  job: {shown: job}\n"
        "  created: {shown: created}\n"
        "  deleted: none\n"
    )
    views = load_profile(file)
    context = {"job": {"id": "j"}}
    shown = {name: render_view(views, name, context) for name in ("retried", "cancelled", "item")}
    assert shown == {
        "retried": {"shown": "created"},
        "cancelled": {"shown": "job"},
        "item": {"shown": "job"},
    }
    assert views.explicit_view("deleted") == (True, True)  # none: no body
    assert views.explicit_view("retried") == (True, False)  # written, through created
    assert views.explicit_view("item") == (False, False)


def test_none_is_a_view_of_its_own_not_inherited_along_the_chain(tmp_path: Path) -> None:
    file = tmp_path / "none.profile.yaml"
    file.write_text(
        "name: none\n"
        "operations: {create: c, retrieve: r}\n"
        "statuses: {terminal: [done]}\n"
        "views: {job: {shown: job}, created: none}\n"
    )
    views = load_profile(file)
    assert views.explicit_view("created") == (True, True)
    assert views.explicit_view("retried") == (False, False)  # not none: the job view
    assert render_view(views, "retried", {"job": {}}) == {"shown": "job"}
