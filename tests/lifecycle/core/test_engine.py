"""emulator.lifecycle.core.engine: pure lifecycle functions on (job, scenario, now, event)."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import pytest

from emulator.lifecycle.core.engine import (
    MAX_EVENTS,
    Rules,
    cancel,
    current,
    force,
    next_change,
    observe,
    retry_in_place,
    signal,
    start,
)
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.scenario import Attempt, Duration, Scenario, State

RULES = Rules(
    started=frozenset({"in_progress"}),
    terminal=frozenset({"completed", "failed", "cancelled"}),
    failed=frozenset({"failed"}),
    expires_after=100.0,
)
T0 = 1_000.0


def scenario(*attempts: Attempt) -> Scenario:
    return Scenario("test", "test.yaml", "", attempts)


def attempt(*states: State, on_cancel: Literal["stop", "finish"] = "stop") -> Attempt:
    return Attempt(states, on_cancel)


def lasting(status: str, **duration: Any) -> State:
    return State(status, Duration(**duration))


def status_of(job: Job, sc: Scenario) -> str:
    return current(job, sc).status


def poll(job: Job, sc: Scenario, now: float = T0) -> tuple[Job, str]:
    job = observe(job, sc, now, RULES, poll=True)
    return job, status_of(job, sc)


def events(job: Job) -> list[tuple[float, str]]:
    return [(e.at, e.name) for e in job.events]


# --- durations ------------------------------------------------------------------------------


def test_state_lasts_its_polls_and_the_next_poll_sees_the_next_state() -> None:
    sc = scenario(
        attempt(lasting("queued", polls=2), lasting("in_progress", polls=1), State("completed"))
    )
    job = start("j", sc, {}, T0, RULES)
    seen = []
    for _ in range(5):
        job, status = poll(job, sc)
        seen.append(status)
    assert seen == ["queued", "queued", "in_progress", "completed", "completed"]


def test_reads_that_are_not_polls_do_not_count() -> None:
    sc = scenario(attempt(lasting("queued", polls=1), State("completed")))
    job = start("j", sc, {}, T0, RULES)
    for _ in range(5):
        job = observe(job, sc, T0, RULES, poll=False)
    assert status_of(job, sc) == "queued"
    job, status = poll(job, sc)
    assert status == "queued"
    job, status = poll(job, sc)
    assert status == "completed"


def test_time_transitions_chain_and_carry_the_exact_transition_time() -> None:
    sc = scenario(
        attempt(
            lasting("queued", seconds=10), lasting("in_progress", seconds=5), State("completed")
        )
    )
    job = start("j", sc, {}, T0, RULES)
    job = observe(job, sc, T0 + 9.5, RULES, poll=False)
    assert status_of(job, sc) == "queued"
    job = observe(job, sc, T0 + 60, RULES, poll=False)  # both deadlines passed at once
    assert status_of(job, sc) == "completed"
    assert job.started_at == T0 + 10
    assert job.completed_at == T0 + 15
    assert job.entered_at == T0 + 15
    assert job.updated_at == T0 + 15
    assert events(job)[-2:] == [(T0 + 10, "status:in_progress"), (T0 + 15, "status:completed")]


def test_time_transition_happens_exactly_at_the_deadline() -> None:
    sc = scenario(attempt(lasting("queued", seconds=10), State("completed")))
    job = start("j", sc, {}, T0, RULES)
    assert status_of(observe(job, sc, T0 + 10, RULES, poll=False), sc) == "completed"


def test_polls_or_seconds_whichever_comes_first() -> None:
    sc = scenario(attempt(lasting("queued", polls=3, seconds=10), State("completed")))
    fresh = start("j", sc, {}, T0, RULES)
    by_time = observe(fresh, sc, T0 + 10, RULES, poll=True)
    assert status_of(by_time, sc) == "completed"
    assert by_time.completed_at == T0 + 10
    job = fresh
    for _ in range(3):
        job, status = poll(job, sc, T0 + 1)
        assert status == "queued"
    job, status = poll(job, sc, T0 + 2)
    assert status == "completed"
    assert job.completed_at == T0 + 2  # a poll-driven transition happens at the poll


def test_until_cancel_waits_for_the_cancel() -> None:
    sc = scenario(
        attempt(
            lasting("queued", polls=1), lasting("in_progress", until="cancel"), State("cancelled")
        )
    )
    job = start("j", sc, {}, T0, RULES)
    for _ in range(10):
        job, status = poll(job, sc, T0 + 10_000)
    assert status == "in_progress"
    job = cancel(job, sc, T0 + 20_000, RULES, immediate=False)
    assert status_of(job, sc) == "cancelled"
    assert job.completed_at == T0 + 20_000


def test_last_state_is_final_even_with_a_duration() -> None:
    sc = scenario(attempt(lasting("queued", polls=1), lasting("completed", polls=1, seconds=1)))
    job = start("j", sc, {}, T0, RULES)
    for _ in range(5):
        job, status = poll(job, sc, T0 + 1_000)
    assert status == "completed"
    assert job.state_index == 1


def test_next_change_is_the_deadline_of_a_timed_state_and_none_otherwise() -> None:
    sc = scenario(
        attempt(
            lasting("queued", polls=2, seconds=10), lasting("in_progress", polls=1), State("done")
        )
    )
    job = start("j", sc, {}, T0, RULES)
    assert next_change(job, sc) == T0 + 10
    job = observe(job, sc, T0 + 10, RULES, poll=False)
    assert next_change(job, sc) is None  # only a poll ends in_progress
    job, _ = poll(job, sc, T0 + 11)
    job, status = poll(job, sc, T0 + 11)
    assert (status, next_change(job, sc)) == ("done", None)  # final
    forced = force(start("k", sc, {}, T0, RULES), State("held"), T0, RULES)
    assert next_change(forced, sc) is None  # imposed from outside: the script does not move it


# --- timestamps and counters ----------------------------------------------------------------


def test_started_and_completed_are_set_on_the_right_transitions() -> None:
    sc = scenario(
        attempt(lasting("queued", polls=1), lasting("in_progress", polls=1), State("completed"))
    )
    job = start("j", sc, {}, T0, RULES)
    assert (job.started_at, job.completed_at, job.attempt_count) == (None, None, 0)
    assert job.created_at == T0
    job, _ = poll(job, sc, T0 + 1)
    job, status = poll(job, sc, T0 + 2)
    assert status == "in_progress"
    assert (job.started_at, job.completed_at, job.attempt_count) == (T0 + 2, None, 1)
    assert job.last_attempt_at == T0 + 2
    job, status = poll(job, sc, T0 + 3)  # the poll that entered in_progress was its one poll
    assert status == "completed"
    assert (job.started_at, job.completed_at, job.attempt_count) == (T0 + 2, T0 + 3, 1)
    assert job.created_at == T0


def test_a_job_created_in_a_started_status_is_started_at_creation() -> None:
    sc = scenario(attempt(lasting("in_progress", polls=1), State("completed")))
    job = start("j", sc, {}, T0, RULES)
    assert job.started_at == T0
    assert job.attempt_count == 1
    assert job.expires_at == T0 + 100


def test_seeded_state_passes_through_the_states_before_it() -> None:
    sc = scenario(
        attempt(lasting("queued", polls=1), lasting("in_progress", polls=1), State("completed"))
    )
    job = start("seeded", sc, {"body": {}}, T0, RULES, state_index=2)
    assert status_of(job, sc) == "completed"
    assert job.started_at == T0
    assert job.completed_at == T0
    assert [name for _, name in events(job)] == [
        "create",
        "status:queued",
        "status:in_progress",
        "status:completed",
    ]


def test_events_record_each_status_once_with_its_fields() -> None:
    sc = scenario(
        attempt(
            State("queued", Duration(polls=1), fields={"hostname": "a"}),
            State("queued", Duration(polls=1), fields={"hostname": "b"}),
            State("completed", fields={"hostname": "c"}),
        )
    )
    job = start("j", sc, {}, T0, RULES)
    for _ in range(4):
        job, _ = poll(job, sc, T0 + 5)
    names = [e.name for e in job.events]
    assert names == ["create", "status:queued", "status:completed"]  # no repeated status
    assert job.events[0].at == T0
    assert job.events[1].variables == {"hostname": "a"}
    assert job.events[2].variables == {"hostname": "c"}


# --- retry ----------------------------------------------------------------------------------

FAIL_THEN_PASS = scenario(
    attempt(
        lasting("queued", polls=1),
        lasting("in_progress", polls=1),
        State("failed", error={"code": "provider_timeout", "message": "timed out"}),
    ),
    attempt(
        lasting("queued", polls=1),
        lasting("in_progress", polls=1),
        State("completed", result={"ok": True}),
    ),
)


def run_to_end(job: Job, sc: Scenario, now: float) -> Job:
    for _ in range(6):
        job = observe(job, sc, now, RULES, poll=True)
    return job


def test_failure_records_the_error_code() -> None:
    job = run_to_end(start("j", FAIL_THEN_PASS, {}, T0, RULES), FAIL_THEN_PASS, T0 + 1)
    assert status_of(job, FAIL_THEN_PASS) == "failed"
    assert job.last_failure_code == "provider_timeout"
    assert current(job, FAIL_THEN_PASS).error == {
        "code": "provider_timeout",
        "message": "timed out",
    }


def test_failure_without_a_code_records_the_status() -> None:
    sc = scenario(attempt(lasting("queued", polls=1), State("failed", error="boom")))
    job = run_to_end(start("j", sc, {}, T0, RULES), sc, T0)
    assert job.last_failure_code == "failed"


def test_retry_in_place_starts_the_next_attempt_on_the_same_job() -> None:
    sc = FAIL_THEN_PASS
    failed = run_to_end(start("j", sc, {"body": 1}, T0, RULES), sc, T0 + 1)
    job = retry_in_place(failed, sc, T0 + 50, RULES)
    assert job.id == "j"
    assert job.request == {"body": 1}
    assert (job.attempt, job.state_index, job.polls) == (1, 0, 0)
    assert status_of(job, sc) == "queued"
    assert current(job, sc).error is None  # the new state has no error
    assert job.last_failure_code == "provider_timeout"  # history is kept
    assert job.expires_at == T0 + 50 + 100  # refreshed
    assert (job.started_at, job.completed_at) == (None, None)
    assert job.created_at == T0
    assert job.updated_at == T0 + 50
    assert events(job)[-2:] == [(T0 + 50, "retry"), (T0 + 50, "status:queued")]
    assert job.events[-2].variables == {"new_id": "j"}
    done = run_to_end(job, sc, T0 + 60)
    assert status_of(done, sc) == "completed"
    assert current(done, sc).result == {"ok": True}
    assert done.attempt_count == 2
    assert (done.started_at, done.completed_at) == (T0 + 60, T0 + 60)


def test_retries_past_the_last_attempt_replay_the_last_attempt() -> None:
    sc = scenario(
        attempt(lasting("queued", polls=1), State("failed", error={"code": "first"})),
        attempt(lasting("queued", polls=1), State("failed", error={"code": "again"})),
    )
    job = start("j", sc, {}, T0, RULES)
    for n in range(1, 4):
        job = retry_in_place(run_to_end(job, sc, T0), sc, T0 + n, RULES)
        assert job.attempt == n
        job = run_to_end(job, sc, T0 + n)
        assert status_of(job, sc) == "failed"
        assert current(job, sc).error == {"code": "again"}
        assert job.last_failure_code == "again"


def test_retry_clears_a_cancel_and_an_override() -> None:
    sc = FAIL_THEN_PASS
    job = cancel(start("j", sc, {}, T0, RULES), sc, T0 + 1, RULES, immediate=True)
    job = retry_in_place(job, sc, T0 + 2, RULES)
    assert job.override is None
    assert job.cancel_requested is False
    assert status_of(job, sc) == "queued"


# --- cancel and force -----------------------------------------------------------------------

RUNNING = (lasting("queued", polls=1), lasting("in_progress", seconds=10), State("completed"))


def running_job(sc: Scenario) -> Job:
    job, status = poll(start("j", sc, {}, T0, RULES), sc, T0)
    job, status = poll(job, sc, T0)
    assert status == "in_progress"
    return job


def test_immediate_cancel_ends_the_job_now_and_for_good() -> None:
    sc = scenario(attempt(*RUNNING))
    job = cancel(start("j", sc, {}, T0, RULES), sc, T0 + 3, RULES, immediate=True)
    assert status_of(job, sc) == "cancelled"
    assert job.cancel_requested is True
    assert job.completed_at == T0 + 3
    assert events(job)[-1] == (T0 + 3, "status:cancelled")
    later = run_to_end(job, sc, T0 + 1_000)
    assert status_of(later, sc) == "cancelled"


def test_each_named_cancel_ends_in_its_own_state_at_once_or_at_the_end_of_the_state() -> None:
    rules = dataclasses.replace(
        RULES,
        cancel_states={
            "stop": State("failed", error={"message": "stopped"}),
            "terminate": State("failed", error={"message": "terminated"}),
        },
    )
    sc = scenario(attempt(*RUNNING, on_cancel="stop"))
    now = cancel(running_job(sc), sc, T0 + 2, rules, immediate=True, by="terminate")
    assert (status_of(now, sc), current(now, sc).error) == ("failed", {"message": "terminated"})
    asked = cancel(running_job(sc), sc, T0 + 2, rules, immediate=False, by="stop")
    assert (status_of(asked, sc), asked.cancelled_by) == ("in_progress", "stop")
    later = observe(asked, sc, T0 + 30, rules, poll=False)
    assert (status_of(later, sc), current(later, sc).error) == ("failed", {"message": "stopped"})
    unnamed = cancel(running_job(sc), sc, T0 + 2, rules, immediate=True, by="other")
    assert status_of(unnamed, sc) == "cancelled"  # a name without a state of its own
    again = retry_in_place(later, sc, T0 + 40, rules)
    assert (again.cancelled_by, again.cancel_requested) == (None, False)


def test_a_named_cancel_takes_its_own_exit_before_the_cancel_exit() -> None:
    states = (
        State("running", Duration(seconds=10), exits={"stop": 2, "cancel": 3}),
        State("done"),
        State("stopping", Duration(seconds=5)),
        State("cancelled"),
    )
    sc = scenario(attempt(*states))
    job = start("j", sc, {}, T0, RULES)
    assert status_of(cancel(job, sc, T0 + 1, RULES, immediate=False, by="stop"), sc) == "stopping"
    assert status_of(cancel(job, sc, T0 + 1, RULES, immediate=False, by="x"), sc) == "cancelled"


def test_a_signal_takes_the_exit_of_its_name_or_nothing() -> None:
    states = (
        State("running", Duration(seconds=10), exits={"suspend": 2}),
        State("done"),
        State("suspended", exits={"resume": 0}),
    )
    sc = scenario(attempt(*states))
    job = start("j", sc, {}, T0, RULES)
    assert signal(job, sc, T0 + 1, RULES, "resume") is None
    held = signal(job, sc, T0 + 1, RULES, "suspend")
    assert held is not None and status_of(held, sc) == "suspended"
    assert status_of(observe(held, sc, T0 + 1_000, RULES, poll=False), sc) == "suspended"
    back = signal(held, sc, T0 + 1_000, RULES, "resume")
    assert back is not None and (status_of(back, sc), back.entered_at) == ("running", T0 + 1_000)
    assert status_of(observe(back, sc, T0 + 1_010, RULES, poll=False), sc) == "done"


def test_cancel_of_a_running_job_stops_at_the_end_of_its_state() -> None:
    sc = scenario(attempt(*RUNNING, on_cancel="stop"))
    job = cancel(running_job(sc), sc, T0 + 2, RULES, immediate=False)
    assert status_of(job, sc) == "in_progress"
    assert job.cancel_requested is True
    assert job.updated_at == T0 + 2
    assert status_of(observe(job, sc, T0 + 9, RULES, poll=True), sc) == "in_progress"
    job = observe(job, sc, T0 + 30, RULES, poll=True)
    assert status_of(job, sc) == "cancelled"
    assert job.completed_at == T0 + 10  # when the state would have ended


def test_cancel_with_on_cancel_finish_lets_the_attempt_finish() -> None:
    sc = scenario(attempt(*RUNNING, on_cancel="finish"))
    job = cancel(running_job(sc), sc, T0 + 2, RULES, immediate=False)
    job = observe(job, sc, T0 + 30, RULES, poll=True)
    assert status_of(job, sc) == "completed"
    assert job.cancel_requested is True
    assert job.completed_at == T0 + 10


def test_force_imposes_a_state_that_the_script_does_not_move() -> None:
    sc = scenario(attempt(*RUNNING))
    forced = State("failed", error={"code": "forced", "message": "by test"})
    job = force(start("j", sc, {}, T0, RULES), forced, T0 + 4, RULES)
    assert current(job, sc) == forced
    assert job.completed_at == T0 + 4
    assert job.last_failure_code == "forced"
    assert events(job)[-1] == (T0 + 4, "status:failed")
    assert current(run_to_end(job, sc, T0 + 1_000), sc) == forced


def test_a_poll_copies_every_field_of_the_job_and_adds_one_poll() -> None:
    values = {f.name: f"v-{f.name}" for f in dataclasses.fields(Job)}
    job = Job(**{**values, "polls": 41})  # type: ignore[arg-type]
    polled = job.polled()
    assert polled == dataclasses.replace(job, polls=42) and job.polls == 41


def test_evolve_is_replace_for_every_field_and_leaves_the_job_as_it_was() -> None:
    values = {f.name: f"v-{f.name}" for f in dataclasses.fields(Job)}
    job = Job(**values)  # type: ignore[arg-type]
    for name in values:
        changed = job.evolve(**{name: "new"})
        assert changed == dataclasses.replace(job, **{name: "new"}) and changed is not job
    assert job == Job(**values)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        job.evolve(no_such_field=1)


def test_a_poll_in_place_counts_on_the_stored_job_and_a_pure_poll_leaves_it() -> None:
    sc = scenario(attempt(lasting("queued", polls=3), State("completed")))
    job = start("j", sc, {}, T0, RULES)
    pure = observe(job, sc, T0, RULES, poll=True)
    assert (pure is not job, pure.polls, job.polls) == (True, 1, 0)
    counted = observe(job, sc, T0, RULES, poll=True, in_place=True)
    assert (counted is job, job.polls) == (True, 1)
    for _ in range(3):
        job = observe(job, sc, T0, RULES, poll=True, in_place=True)
    assert status_of(job, sc) == "completed" and job.polls == 1  # the move made a new job


def test_a_job_retried_without_end_keeps_its_create_and_its_latest_events() -> None:
    sc = scenario(attempt(State("failed", error={"code": "boom"})))
    job = start("j", sc, {}, T0, RULES)
    for n in range(1, 2001):
        job = retry_in_place(job, sc, T0 + n, RULES)
    assert len(job.events) <= MAX_EVENTS
    assert job.events[0].name == "create" and job.events[0].at == T0
    assert [(e.at, e.name) for e in job.events[-2:]] == [
        (T0 + 2000, "retry"),
        (T0 + 2000, "status:failed"),
    ]
    assert job.attempt == 2000


def test_alike_jobs_share_their_request_bytes_and_status_names() -> None:
    # Memory per job: 100k jobs made from one body hold one copy of it and of each status name.
    sc = scenario(attempt(lasting("in_progress", polls=1), State("completed")))
    body = {"body": {"inputs": [{"id": "topic", "value": ["shoes"]}]}, "path": {}, "query": {}}
    a, b = start("a", sc, dict(body), T0, RULES), start("b", sc, dict(body), T0, RULES)
    assert a.request_json is b.request_json
    assert a.events[-1].name is b.events[-1].name == "status:in_progress"
    a, b = poll(poll(a, sc)[0], sc)[0], poll(poll(b, sc)[0], sc)[0]
    assert a.events[-1].name is b.events[-1].name == "status:completed"
