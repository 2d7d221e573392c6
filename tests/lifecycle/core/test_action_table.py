"""emulator.lifecycle.core.action_table: an action is one row of the table and its handler.

A ``peek`` action (look at a job without counting a poll; a finished job is a conflict) is
added to a copy of the table, bound by a profile of the tasks API of tests/data/apis, and
picked up with nothing else changed: the profile loader accepts it, dispatch answers it over
HTTP, the spec-gap prediction lists its refusals, and the view check renders its view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from emulator import ProfileError, ScenarioError, build
from emulator.checks.spec_gaps import predicted_gaps
from emulator.lifecycle.core.action_table import ACTION_TABLE, Action, unknown_job
from emulator.lifecycle.core.actions import Binding, JobActions, Refusal, Reply, Request
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.settings import Settings
from tests.support import DATA

API = DATA / "apis"
SCENARIOS = API / "scenarios" / "tasks"
STATUS_VIEW = '  status:\n    id: "{job.id}"\n    status: "{job.status}"\n'
AUTH = {"authorization": "Bearer t"}


def peek(
    actions: JobActions,
    bound: Binding,
    ns: Namespace,
    request: Request,
    job_id: str | None,
    scenario: Scenario,
) -> Reply:
    """The new action's handler: the job as it is now, without counting a poll."""
    assert job_id is not None
    job = actions.observe(ns, job_id, poll=False)
    if actions.status_of(job) in actions.rules.terminal:
        raise Refusal("conflict", {"message": "finished"}, job_id)
    return Reply(bound.success, actions.view(job, bound.view or "job", request), job.id)


def peek_refusals(profile: Profile) -> tuple[str, ...]:
    return (*unknown_job(profile), "conflict")


TABLE = {
    **ACTION_TABLE,
    "peek": Action(
        "peek", peek, job_bound=True, view="status", checked_as="job", refusals=peek_refusals
    ),
}


def tasks_with_peek(tmp_path: Path, view: str = STATUS_VIEW) -> Path:
    """The tasks API with ``GET /tasks/{task_id}/peek`` (declaring only 200) bound to peek."""
    spec: dict[str, Any] = yaml.safe_load((API / "specs" / "tasks.yaml").read_text())
    spec["paths"]["/tasks/{task_id}/peek"] = {
        "get": {
            "operationId": "peekTask",
            "parameters": [{"$ref": "#/components/parameters/TaskId"}],
            "responses": {
                "200": {
                    "description": "The task's status.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["id", "status"],
                                "additionalProperties": False,
                                "properties": {"id": {"type": "string"}, "status": {}},
                            }
                        }
                    },
                }
            },
        }
    }
    (tmp_path / "tasks.yaml").write_text(yaml.safe_dump(spec))
    profile = (API / "specs" / "tasks.profile.yaml").read_text()
    profile = profile.replace("  list: listTasks\n", "  list: listTasks\n  peek: peekTask\n")
    profile = profile.replace("views:\n", "views:\n" + view)
    path = tmp_path / "tasks.profile.yaml"
    path.write_text(profile)
    return path


def test_the_table_is_read_only_and_names_every_action_once() -> None:
    with pytest.raises(TypeError):
        ACTION_TABLE["peek"] = TABLE["peek"]  # type: ignore[index]
    assert all(name == action.name for name, action in ACTION_TABLE.items())
    assert {n for n, a in ACTION_TABLE.items() if a.required} == {"create", "retrieve"}


def test_without_its_row_the_action_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        build(profile=tasks_with_peek(tmp_path), scenarios=SCENARIOS)
    assert info.value.pointer == "/operations/peek"
    assert "unknown action 'peek'" in info.value.reason


def test_dispatch_answers_a_new_action_from_its_row(tmp_path: Path) -> None:
    app = build(
        profile=tasks_with_peek(tmp_path),
        scenarios=SCENARIOS,
        settings=Settings(manual_clock=True),
        action_table=TABLE,
    )
    with TestClient(app, base_url="http://test/v1") as client:
        created = client.post(
            "/tasks", json={"kind": "x"}, headers={**AUTH, "x-emulator-scenario": "fails"}
        )
        job_id = created.json()["id"]
        peeked = client.get(f"/tasks/{job_id}/peek", headers=AUTH)
        assert (peeked.status_code, peeked.json()) == (200, {"id": job_id, "status": "running"})
        missing = client.get("/tasks/t_nothing/peek", headers=AUTH)
        assert missing.status_code == 404
        moved = client.post("http://test/_emulator/clock/advance", json={"seconds": 31})
        assert moved.status_code == 200
        finished = client.get(f"/tasks/{job_id}/peek", headers=AUTH)
        assert (finished.status_code, finished.json()) == (409, {"detail": "finished"})
        journal = client.get("http://test/_emulator/journal").json()
        peeks = [e for e in journal["entries"] if e["action"] == "peek"]
        assert [e["status"] for e in peeks] == [200, 404, 409]


def test_the_spec_gap_prediction_lists_a_new_actions_refusals(tmp_path: Path) -> None:
    app = build(profile=tasks_with_peek(tmp_path), scenarios=SCENARIOS, action_table=TABLE)
    gaps = predicted_gaps(app.profile, app.spec, app.scenarios, table=TABLE)
    peek_gaps = {gap.status: gap.reasons for gap in gaps if gap.operation == "peekTask"}
    assert peek_gaps[404] == ("not_found",)
    assert peek_gaps[409] == ("conflict",)


def test_the_view_check_renders_a_new_actions_view(tmp_path: Path) -> None:
    extra = STATUS_VIEW + "    extra: 1\n"
    with pytest.raises(ScenarioError) as info:
        build(profile=tasks_with_peek(tmp_path, extra), scenarios=SCENARIOS, action_table=TABLE)
    assert info.value.pointer == "/attempts/0/states/0"
    assert info.value.reason.startswith(
        "peekTask would answer a job in this state with a body the spec forbids at '': "
        "Additional properties are not allowed ('extra' was unexpected)"
    )
