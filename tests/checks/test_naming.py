"""emulator.checks.naming: a profile's default scenario and a fault's operation must name
something."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import ProfileError, ScenarioError, Settings, build
from emulator.bundle import bundled_profile
from tests.support import WRITER

HAPPY = (
    "attempts:\n  - states:\n      - {status: in_progress, for: {polls: 1}}\n"
    "      - {status: completed, result: {title: t, suggestion: s}}\n"
)
WRITER_OPERATIONS = (
    "listJobs (GET /v1/applications/{application_id}/jobs), "
    "createJob (POST /v1/applications/{application_id}/jobs), "
    "retrieveJob (GET /v1/applications/jobs/{job_id}), "
    "retryJob (POST /v1/applications/jobs/{job_id}/retry)"
)


def scenarios(folder: Path, **files: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def with_fault(operation: str) -> str:
    return HAPPY + f"faults:\n  - {{operation: {operation!r}, status: 503}}\n"


def test_a_default_scenario_that_names_no_scenario_is_refused(tmp_path: Path) -> None:
    folder = scenarios(tmp_path / "s", slow=HAPPY, fast=HAPPY)
    with pytest.raises(ProfileError) as info:
        build(api="writer", scenarios=folder)
    assert str(info.value) == (
        f"{bundled_profile('writer')}: /default_scenario: no scenario named 'happy-path' is in "
        f"{folder}; name one of: fast, slow"
    )


def test_the_default_scenario_plays_when_it_is_there(tmp_path: Path) -> None:
    folder = scenarios(tmp_path / "s", **{"happy-path": HAPPY, "a-first": HAPPY})
    app = build(api="writer", scenarios=folder, settings=Settings(manual_clock=True))
    c = TestClient(app)
    job = c.post("/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()
    assert c.get(f"/_emulator/jobs/{job['id']}").json()["scenario"] == "happy-path"


def test_a_fault_on_no_operation_is_refused_with_the_names_it_could_use(tmp_path: Path) -> None:
    folder = scenarios(tmp_path / "s", **{"happy-path": with_fault("retreive")})
    with pytest.raises(ScenarioError) as info:
        build(api="writer", scenarios=folder)
    assert str(info.value) == (
        f"{folder / 'happy-path.yaml'}: /faults/0/operation: 'retreive' names no action this "
        "profile binds and no operation of writer.yaml; actions: create, retrieve, list, retry; "
        f"operations: {WRITER_OPERATIONS}"
    )


@pytest.mark.parametrize(
    "operation",
    [
        "retrieve",
        "retrieveJob",
        "GET /v1/applications/jobs/{job_id}",
        "get /v1/applications/jobs/{job_id}",
    ],
)
def test_a_fault_fires_by_action_operation_id_or_method_and_path(
    tmp_path: Path, operation: str
) -> None:
    folder = scenarios(tmp_path / "s", **{"happy-path": with_fault(operation)})
    app = build(api="writer", scenarios=folder, settings=Settings(manual_clock=True))
    c = TestClient(app)
    job = c.post("/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()
    assert c.get(f"/v1/applications/jobs/{job['id']}", headers=WRITER).status_code == 503
