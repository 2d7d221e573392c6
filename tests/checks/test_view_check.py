"""emulator.checks.view_check: every view a profile can serve is rendered at load and checked
against
the spec: pages (with and without a next page), immediate cancels, create answers and each
scenario state (the tasks API of tests/data/apis, with one profile key changed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import ScenarioError, build
from tests.support import DATA

API = DATA / "apis"
PROFILE = (API / "specs" / "tasks.profile.yaml").read_text()


def refusal(tmp_path: Path, old: str, new: str) -> ScenarioError:
    assert old in PROFILE
    profile = tmp_path / "tasks.profile.yaml"
    text = PROFILE.replace(old, new).replace("spec: tasks.yaml", f"spec: {API}/specs/tasks.yaml")
    profile.write_text(text)
    with pytest.raises(ScenarioError) as info:
        build(profile=profile, scenarios=API / "scenarios" / "tasks")
    return info.value


def test_the_tasks_api_passes_as_it_is() -> None:
    assert build(profile=API / "specs" / "tasks.profile.yaml").profile is not None


def test_a_page_view_the_spec_forbids_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, '    next: "{next_url}"', '    next: "{next_url}"\n    more: 1')
    assert error.file.endswith("fails.yaml") and error.pointer == "/attempts/0/states/0"
    assert error.reason == (
        "listTasks would answer a page of jobs in this state with a next page with a body the "
        "spec forbids at '': Additional properties are not allowed ('more' was unexpected)"
    )


def test_an_immediate_cancel_the_spec_forbids_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, "  to: stopped\n", "  to: cancelled\n")
    assert error.file.endswith("polled.yaml") and error.pointer == "/attempts/0/states/0"
    assert error.reason.startswith(
        "cancelTask would answer an immediate cancel of a job in this state with a body the "
        "spec forbids at 'status': 'cancelled' is not one of"
    )


def test_a_create_answer_the_spec_forbids_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, "  page:\n", "  created: {id: 1}\n  page:\n")
    assert error.pointer == "/attempts/0/states/0"
    assert error.reason.startswith("createTask would answer a job in this state")
