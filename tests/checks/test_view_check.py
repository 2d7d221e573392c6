"""emulator.checks.view_check: every view a profile can serve is rendered at load and checked
against
the spec: pages (with and without a next page), immediate cancels, create answers and each
scenario state (the tasks API of tests/data/apis, with one profile key changed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import ProfileError, ScenarioError, build
from tests.support import DATA, REPO

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


# -- each action's own view, against its operation (the transcripts API of tests/data/apis) --

TRANSCRIPTS = (API / "specs" / "transcripts.profile.yaml").read_text()


def transcripts(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TRANSCRIPTS
    profile = tmp_path / "transcripts.profile.yaml"
    text = TRANSCRIPTS.replace(old, new).replace(
        "spec: transcripts.yaml", f"spec: {API}/specs/transcripts.yaml"
    )
    profile.write_text(text.replace("scenarios: transcripts", f"scenarios: {API}/scenarios/x"))
    return profile


def build_transcripts(profile: Path) -> None:
    build(profile=profile, scenarios=API / "scenarios" / "transcripts")


def test_list_items_are_checked_in_their_own_view(tmp_path: Path) -> None:
    profile = transcripts(tmp_path, '    error: "{error.message}"  ', "    errors: 1  ")
    with pytest.raises(ScenarioError) as info:
        build_transcripts(profile)
    assert info.value.reason.startswith(
        "listTranscripts would answer a page of jobs in this state with a next page with a "
        "body the spec forbids at 'transcripts/0'"
    )


def test_without_an_item_view_pages_show_the_job_view_which_the_spec_refuses(
    tmp_path: Path,
) -> None:
    item = TRANSCRIPTS[TRANSCRIPTS.index("  item:") : TRANSCRIPTS.index("  deleted:")]
    with pytest.raises(ScenarioError) as info:
        build_transcripts(transcripts(tmp_path, item, ""))
    assert "at 'transcripts/0': Additional properties are not allowed" in info.value.reason


def test_a_delete_with_no_body_where_the_spec_declares_one_is_refused(tmp_path: Path) -> None:
    deleted = TRANSCRIPTS[
        TRANSCRIPTS.index("  deleted:") : TRANSCRIPTS.index(
            "  sentences:                    # what"
        )
    ]
    with pytest.raises(ProfileError) as info:
        build_transcripts(transcripts(tmp_path, deleted, "  deleted: none\n"))
    assert info.value.pointer == "/views/deleted"
    assert info.value.reason == (
        "deleteTranscript (delete) answers 200 with no body, but the spec declares one "
        "(application/json); write the deleted view"
    )


@pytest.mark.parametrize(
    ("old", "new", "refusal"),
    [
        (
            "    audio_url: http://deleted_by_user",
            "    audio_url: 7",
            "deleteTranscript would answer a job in this state with a body the spec forbids at "
            "'audio_url': 7 is not of type 'string'",
        ),
        (
            "    confidence: 0.98",
            "    confidence: high",
            "getTranscriptSentences would answer a job in this state with a body the spec "
            "forbids at 'confidence'",
        ),
    ],
    ids=["deleted", "read"],
)
def test_a_deleted_or_read_view_the_spec_forbids_is_refused(
    tmp_path: Path, old: str, new: str, refusal: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        build_transcripts(transcripts(tmp_path, old, new))
    assert info.value.reason.startswith(refusal)


def test_a_body_where_the_spec_declares_none_is_refused(tmp_path: Path) -> None:
    # osapi's DELETE declares 204 without content: a deleted view there would be a 500.
    osapi = (REPO / "specs" / "osapi.profile.yaml").read_text()
    profile = tmp_path / "osapi.profile.yaml"
    profile.write_text(
        osapi.replace("spec: ", f"spec: {REPO}/specs/", 1).replace(
            "views:\n", 'views:\n  deleted: {id: "{job.id}"}\n', 1
        )
    )
    with pytest.raises(ProfileError) as info:
        build(profile=profile, scenarios=REPO / "scenarios" / "osapi")
    assert info.value.pointer == "/views/deleted"
    assert info.value.reason.endswith("declares no body for 204; write deleted: none")


# -- a status monitor's answers, each at the status it is sent with (tests/data/shapes) --------

SHAPES = DATA / "shapes"
REPORTS_SPEC = (SHAPES / "specs" / "reports.yaml").read_text()
REPORTS_PROFILE = (SHAPES / "specs" / "reports.profile.yaml").read_text()
FAILED_ANSWER = """        "422":
          description: The report could not be made.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/OperationStatus"}"""


def build_reports(tmp_path: Path, spec: tuple[str, str], profile: tuple[str, str]) -> None:
    assert spec[0] in REPORTS_SPEC and profile[0] in REPORTS_PROFILE
    (tmp_path / "reports.yaml").write_text(REPORTS_SPEC.replace(*spec))
    written = REPORTS_PROFILE.replace(*profile).replace(
        "scenarios: reports", f"scenarios: {SHAPES}/scenarios/reports"
    )
    (tmp_path / "reports.profile.yaml").write_text(written)
    build(profile=tmp_path / "reports.profile.yaml")


def test_the_reports_monitor_passes_as_it_is(tmp_path: Path) -> None:
    build_reports(tmp_path, ("", ""), ("", ""))


def test_a_failed_jobs_monitor_answer_is_held_to_the_failed_status(tmp_path: Path) -> None:
    closed = FAILED_ANSWER.replace(
        '{$ref: "#/components/schemas/OperationStatus"}',
        "{type: object, additionalProperties: false, properties: {error: {type: object}}}",
    )
    with pytest.raises(ScenarioError) as info:
        build_reports(tmp_path, (FAILED_ANSWER, closed), ("", ""))
    assert info.value.file.endswith("fails.yaml")
    assert info.value.pointer == "/attempts/0/states/1"  # the failed state, not the running one
    assert info.value.reason.startswith(
        "getReportOperation would answer a job in this state with a body the spec forbids"
    )


def test_a_monitor_status_the_spec_gives_no_body_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        build_reports(tmp_path, ("", ""), ("running_status: 202", "running_status: 303"))
    assert info.value.pointer == "/operations/monitor/running_status"
    assert info.value.reason == (
        "getReportOperation (monitor) answers 303 with the monitor view while the job runs, but "
        "the spec declares no body for 303; name a status it declares the view's body for"
    )
