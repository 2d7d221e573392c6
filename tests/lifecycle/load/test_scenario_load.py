"""emulator.lifecycle.load.scenario_load and checks.profile_check.check_scenarios: malformed
scenarios are refused at load, naming the file, the JSON pointer inside it and a reason a person
can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import ScenarioError, build
from emulator.bundle import BUNDLED_APIS, bundled_scenarios
from emulator.lifecycle.load.scenario_load import load_scenario, load_scenarios
from tests.support import DATA

BROKEN = DATA / "scenarios" / "broken"


def refusal(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


@pytest.mark.parametrize("api", BUNDLED_APIS)
def test_bundled_scenarios_load_and_pass_the_spec_check(api: str) -> None:
    scenarios = load_scenarios(bundled_scenarios(api))
    app = build(api=api)  # runs check_scenarios against the bundled spec
    retries = app.profile is not None and "retry" in app.profile.operations
    expected = {"happy-path", "always-fail"} | ({"fail-then-retry"} if retries else set())
    assert expected <= set(scenarios)
    for name, scenario in scenarios.items():
        assert scenario.name == name
        assert scenario.description, f"{scenario.file} has no description"
        assert scenario.attempts and all(a.states for a in scenario.attempts)
    assert set(app.scenarios) == set(scenarios)


def test_bundled_scenario_values_are_parsed() -> None:
    scenarios = load_scenarios(bundled_scenarios("retab"))
    delayed = scenarios["retry-dispatch-delayed"]
    (fault,) = delayed.faults
    assert (fault.operation, fault.nth, fault.commit, fault.status) == ("retry", 1, True, 503)
    assert fault.pointer == "/faults/0"
    first = delayed.attempts[0].states[0]
    assert first.status == "queued"
    assert first.duration is not None
    assert (first.duration.polls, first.duration.seconds) == (1, 10.0)
    assert scenarios["cancel-while-running"].attempts[0].on_cancel == "finish"


@pytest.mark.parametrize(
    ("file", "pointer", "reason"),
    [
        ("unknown_key_in_for.yaml", "/attempts/0/states/1/for", "unknown key 'poll'"),
        ("unknown_top_key.yaml", "/", "unknown key 'retries'"),
        ("missing_attempts.yaml", "/", "'attempts' is a required property"),
        ("status_not_a_string.yaml", "/attempts/0/states/0/status", "200 is not of type 'string'"),
        ("empty_states.yaml", "/attempts/0/states", "should be non-empty"),
        ("fault_status_out_of_range.yaml", "/faults/0/status", "700 is greater than the maximum"),
        ("state_without_for_not_last.yaml", "/attempts/0/states/0", "only the last state"),
        ("seed_missing_state.yaml", "/seed_jobs/0/state", "attempt 0 has only 2 states (0-1)"),
    ],
)
def test_malformed_scenario_names_file_pointer_and_reason(
    file: str, pointer: str, reason: str
) -> None:
    error = refusal(BROKEN / file)
    assert error.file == str(BROKEN / file)
    assert error.pointer == pointer
    assert reason in error.reason
    assert str(error) == f"{BROKEN / file}: {pointer}: {error.reason}"


def test_unknown_key_message_is_short_and_exact() -> None:
    # The documented format: "<file>: /attempts/0/states/1/for: unknown key 'poll'".
    error = refusal(BROKEN / "unknown_key_in_for.yaml")
    assert (
        str(error)
        == f"{BROKEN / 'unknown_key_in_for.yaml'}: /attempts/0/states/1/for: unknown key 'poll'"
    )


def test_several_unknown_keys_are_all_named() -> None:
    error = refusal(BROKEN / "two_unknown_keys.yaml")
    assert error.pointer == "/attempts/0/states/0/for"
    assert error.reason.startswith("unknown key")
    assert "'poll'" in error.reason and "'second'" in error.reason


def test_state_without_for_explains_why() -> None:
    error = refusal(BROKEN / "state_without_for_not_last.yaml")
    assert "could never be reached" in error.reason


def test_invalid_yaml_names_line_and_column() -> None:
    error = refusal(BROKEN / "invalid_yaml.yaml")
    assert error.pointer == "/"
    assert "invalid YAML at line 6, column" in error.reason


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    assert "cannot read file" in refusal(tmp_path / "gone.yaml").reason
    with pytest.raises(ScenarioError) as info:
        load_scenarios(tmp_path / "nowhere")
    assert info.value.file == str(tmp_path / "nowhere")
    assert "no such scenarios directory" in info.value.reason


def test_two_files_with_one_scenario_name_are_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(BROKEN / "duplicate-names")
    assert info.value.file == str(BROKEN / "duplicate-names" / "b.yaml")
    assert info.value.pointer == "/name"
    assert "'same'" in info.value.reason and "a.yaml" in info.value.reason


def test_status_the_spec_forbids_is_refused_at_build() -> None:
    folder = BROKEN / "writer-forbidden-status"
    with pytest.raises(ScenarioError) as info:
        build(api="writer", scenarios=folder)
    error = info.value
    assert error.file == str(folder / "happy-path.yaml")
    assert error.pointer == "/attempts/0/states/1"
    # The reason quotes the spec's own complaint, and says which operation would break it.
    assert "retrieveJob" in error.reason
    assert "'status'" in error.reason
    assert "'done' is not one of ['in_progress', 'failed', 'completed']" in error.reason


def test_error_shape_the_spec_forbids_is_refused_at_build() -> None:
    folder = BROKEN / "retab-error-without-code"
    with pytest.raises(ScenarioError) as info:
        build(api="retab", scenarios=folder)
    assert info.value.file == str(folder / "failing.yaml")
    assert info.value.pointer == "/attempts/0/states/2"
    assert "'error'" in info.value.reason


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "s.yaml"
    file.write_text(text)
    return file


def test_an_exit_must_lead_to_a_status_of_its_attempt(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """
attempts:
  - states:
      - {status: running, for: {seconds: 5}, on: {cancel: cancelling}}
      - {status: done}
""",
    )
    error = refusal(file)
    assert (error.pointer, error.reason) == (
        "/attempts/0/states/0/on/cancel",
        "no state of this attempt has status 'cancelling'; its statuses: running, done",
    )


def test_states_after_a_final_one_are_reachable_through_an_exit(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """
attempts:
  - states:
      - {status: running, for: {seconds: 5}, on: {cancel: stopping}}
      - {status: done}
      - {status: stopping, for: {seconds: 5}}
      - {status: stopped}
""",
    )
    states = load_scenario(file).attempts[0].states
    assert states[0].exits == {"cancel": 2}
    assert [s.exits for s in states[1:]] == [{}, {}, {}]


def test_an_exit_no_operation_of_the_profile_takes_is_refused_by_the_check(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        """
attempts:
  - states:
      - {status: in_progress, for: {seconds: 5}, on: {expire: completed}}
      - {status: completed, result: {suggestion: done}}
""",
    )
    assert load_scenario(tmp_path / "s.yaml").attempts[0].states[0].exits == {"expire": 1}
    with pytest.raises(ScenarioError) as info:  # writer binds no cancel and no 'expire'
        build(api="writer", scenarios=tmp_path)
    error = info.value
    assert error.pointer == "/attempts/0/states/0/on/expire"
    assert "no operation of profile 'writer' is named 'expire'" in error.reason
