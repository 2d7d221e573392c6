"""emulator.checks.answer_check: error kinds and scripted faults rendered at load, each held
to its operation's spec for its status (the transcripts API of tests/data/apis, changed one key
at a time); and emulator.checks.example_check: the spec's own request examples."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emulator import ProfileError, ScenarioError, build
from tests.support import DATA

API = DATA / "apis"
PROFILE = (API / "specs" / "transcripts.profile.yaml").read_text()
SPEC = API / "specs" / "transcripts.yaml"


def profile_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PROFILE
    path = tmp_path / "transcripts.profile.yaml"
    path.write_text(PROFILE.replace(old, new).replace("spec: transcripts.yaml", f"spec: {SPEC}"))
    return path


def scenario_with(tmp_path: Path, faults: str) -> Path:
    folder = tmp_path / "scenarios"
    shutil.copytree(API / "scenarios" / "transcripts", folder)
    (folder / "extra.yaml").write_text(
        "attempts: [{states: [{status: queued, for: {polls: 1}}, {status: completed}]}]\n"
        f"faults:\n{faults}"
    )
    return folder


def load(profile: Path | None = None, scenarios: Path | None = None) -> None:
    build(
        profile=profile or API / "specs" / "transcripts.profile.yaml",
        scenarios=scenarios or API / "scenarios" / "transcripts",
    )


def test_an_envelope_the_spec_forbids_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        load(profile_with(tmp_path, "status: error}", "status: failed}"))
    assert info.value.pointer == "/errors/body"
    assert info.value.reason.startswith(
        "createTranscript may answer 400 (invalid_request), and the body it sends breaks the "
        "spec at 'status'"
    )


def test_an_error_kind_with_a_body_on_a_status_declared_bodiless_is_refused(
    tmp_path: Path,
) -> None:
    kind = 'not_found: {status: 404, message: "Transcript lookup error: transcript id not found"}'
    with pytest.raises(ProfileError) as info:
        load(profile_with(tmp_path, kind, "not_found: {status: 503}"))
    assert info.value.reason == (
        "getTranscript may answer 503 (not_found), and the spec declares no body for it, but "
        "one is sent"
    )
    load(profile_with(tmp_path, kind, "not_found: {status: 503, body: null}"))  # no body: fine


def test_a_fault_body_the_spec_forbids_is_refused_naming_the_fault_and_state(
    tmp_path: Path,
) -> None:
    faults = '  - {operation: retrieve, status: 429, body: {error: "{job.attempt}"}}\n'
    with pytest.raises(ScenarioError) as info:
        load(scenarios=scenario_with(tmp_path, faults))
    assert (Path(info.value.file).name, info.value.pointer) == ("extra.yaml", "/faults/0")
    assert info.value.reason.startswith(
        "getTranscript would answer 429 for this fault (a job in state /attempts/0/states/0), "
        "and the body it sends breaks the spec at 'error': 0 is not of type 'string'"
    )


def test_no_body_where_the_spec_declares_one_is_refused(tmp_path: Path) -> None:
    faults = "  - {operation: delete, status: 404, body: null}\n"
    with pytest.raises(ScenarioError) as info:
        load(scenarios=scenario_with(tmp_path, faults))
    assert "the spec declares a body (application/json), but none is sent" in info.value.reason


def test_a_merge_that_breaks_the_spec_is_refused_unless_marked_off_spec(tmp_path: Path) -> None:
    faults = "  - {operation: retrieve, merge: {status: finished}}\n"
    with pytest.raises(ScenarioError) as info:
        load(scenarios=scenario_with(tmp_path, faults))
    assert "would answer 200 for this fault" in info.value.reason
    assert info.value.reason.endswith("mark it off_spec: true if it breaks the spec on purpose")
    load(scenarios=scenario_with(tmp_path / "2", faults.replace("}}", "}, off_spec: true}")))


def test_a_fault_template_naming_nothing_is_refused(tmp_path: Path) -> None:
    faults = '  - {operation: retrieve, status: 429, body: {error: "{jobb.id}"}}\n'
    with pytest.raises(ScenarioError) as info:
        load(scenarios=scenario_with(tmp_path, faults))
    assert info.value.pointer == "/faults/0/body"
    assert info.value.reason.startswith("unknown name {jobb.id}: a fault's body can use")


def test_a_spec_request_example_that_fails_its_own_schema_is_listed(tmp_path: Path) -> None:
    spec = tmp_path / "transcripts.yaml"
    spec.write_text(
        SPEC.read_text().replace(
            'example: {audio_url: "https://example.com/talk.mp3", speaker_labels: true}',
            'example: {audio_url: "https://example.com/talk.mp3", speaker_labels: "yes"}',
        )
    )
    app = build(spec=spec, profile=API / "specs" / "transcripts.profile.yaml")
    (warning,) = [w for w in app.warnings if w.kind == "failing-example"]
    assert warning.reason == (
        "createTranscript: the spec's request example 1 fails its own schema at "
        "'speaker_labels': 'yes' is not of type 'boolean'"
    )


def test_a_schema_example_its_own_schema_refuses_is_listed_too(tmp_path: Path) -> None:
    # The example written in the schema itself, not beside it in the media type.
    text = SPEC.read_text()
    start = text.index("    TranscriptParams:")
    params = text[start : text.index("    Transcript:", start)]
    flawed = (
        "    TranscriptParams:\n"
        "      type: object\n"
        "      required: [audio_url]\n"
        "      properties: {audio_url: {type: string}}\n"
        "      example: {audio_url: 5}\n"
    )
    given = (
        '            example: {audio_url: "https://example.com/talk.mp3", speaker_labels: true}\n'
    )
    spec = tmp_path / "transcripts.yaml"
    spec.write_text(text.replace(params, flawed).replace(given, ""))
    app = build(spec=spec, profile=API / "specs" / "transcripts.profile.yaml")
    (warning,) = [w for w in app.warnings if w.kind == "failing-example"]
    assert warning.reason.endswith("at 'audio_url': 5 is not of type 'string'")


# -- a status monitor's faults, at the status the monitor answers in each state ---------------

REPORTS = DATA / "shapes"
REPORTS_SPEC = (REPORTS / "specs" / "reports.yaml").read_text()
OPEN_SCHEMA = 'schema: {$ref: "#/components/schemas/OperationStatus"}'
# The failed answer (422) takes the monitor's view and nothing more; the running one (202)
# stays open.
CLOSED_SCHEMA = (
    "schema: {type: object, additionalProperties: false, properties: "
    "{id: {type: string}, status: {type: string}, error: {type: object}}}"
)


def with_a_closed_failed_answer(spec: str) -> str:
    failed = spec.index('"422":')
    at = spec.index(OPEN_SCHEMA, failed)
    return spec[:at] + CLOSED_SCHEMA + spec[at + len(OPEN_SCHEMA) :]


def test_a_monitor_fault_is_held_to_the_status_of_the_state_it_meets(tmp_path: Path) -> None:
    (tmp_path / "reports.yaml").write_text(with_a_closed_failed_answer(REPORTS_SPEC))
    profile = (REPORTS / "specs" / "reports.profile.yaml").read_text()
    (tmp_path / "reports.profile.yaml").write_text(profile)
    scenarios = tmp_path / "scenarios"
    shutil.copytree(REPORTS / "scenarios" / "reports", scenarios)
    build(profile=tmp_path / "reports.profile.yaml", scenarios=scenarios)  # as it is: fine
    with (scenarios / "fails.yaml").open("a") as fails:
        fails.write("faults:\n  - {operation: monitor, nth: 3, merge: {retry_hint: later}}\n")
    with pytest.raises(ScenarioError) as info:
        build(profile=tmp_path / "reports.profile.yaml", scenarios=scenarios)
    assert info.value.reason.startswith(
        "getReportOperation would answer 422 for this fault (a job in state "
        "/attempts/0/states/1), and "
    )


def test_a_spec_alone_has_its_request_examples_checked_by_check_not_by_every_load(
    tmp_path: Path,
) -> None:
    """Checking every operation's request examples is `check`'s work (for a vendor's spec of a
    thousand operations it would cost each load a tenth of a second); a load checks those of the
    operations a profile binds."""
    spec = tmp_path / "transcripts.yaml"
    spec.write_text(
        SPEC.read_text().replace(
            'example: {audio_url: "https://example.com/talk.mp3", speaker_labels: true}',
            'example: {audio_url: "https://example.com/talk.mp3", speaker_labels: "yes"}',
        )
    )
    listed = build(api=None, spec=spec, exhaustive=True).warnings
    assert [w.kind for w in listed if w.kind == "failing-example"] == ["failing-example"]
    assert not [w for w in build(api=None, spec=spec).warnings if w.kind == "failing-example"]
