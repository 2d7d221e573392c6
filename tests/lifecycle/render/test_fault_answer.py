"""emulator.lifecycle.render.fault_answer: what a fault sends, for each way a scenario can write
one."""

from __future__ import annotations

from emulator.lifecycle.core.replies import Reply
from emulator.lifecycle.core.scenario import Fault
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.render.fault_answer import fault_answer
from tests.support import REPO

WRITER = load_profile(REPO / "specs" / "writer.profile.yaml")
CONTEXT = {"job": {"id": "j1", "status": "in_progress"}, "job_id": "j1", "base_url": "http://e"}
REPLY = Reply(200, {"id": "j1"}, "j1", {"x-served": "yes"})


def test_a_body_is_a_template_of_the_job() -> None:
    body = {"e": "{job.id} is {job.status} ({status})"}
    fault = Fault("retrieve", status=429, body=body, body_given=True)
    answer = fault_answer(WRITER, fault, CONTEXT, None, bodiless=False)
    assert (answer.status, answer.body) == (429, {"e": "j1 is in_progress (429)"})


def test_body_null_sends_no_body_even_where_the_spec_declares_one() -> None:
    fault = Fault("retrieve", status=500, body=None, body_given=True)
    assert fault_answer(WRITER, fault, CONTEXT, None, bodiless=False).body is None


def test_a_bodiless_status_sends_nothing_unless_a_kind_or_body_is_given() -> None:
    bare = fault_answer(WRITER, Fault("retrieve", status=503), CONTEXT, None, bodiless=True)
    assert bare.body is None
    kind = Fault("retrieve", status=503, kind="unavailable")
    assert (
        fault_answer(WRITER, kind, CONTEXT, None, bodiless=True).body["tpe"] == "ServiceUnavailable"
    )


def test_an_error_status_sends_the_profile_error_body() -> None:
    answer = fault_answer(WRITER, Fault("retrieve", status=404), CONTEXT, None, bodiless=False)
    assert answer.body["tpe"] == "NotFound"
    assert answer.body["errors"][0]["description"] == "Job j1 not found"


def test_a_success_status_over_the_action_keeps_its_body_and_headers() -> None:
    fault = Fault("retrieve", status=202, merge={"note": "{job.status}"}, headers={"x-f": "1"})
    answer = fault_answer(WRITER, fault, CONTEXT, REPLY, bodiless=False)
    assert answer.body == {"id": "j1", "note": "in_progress"}
    assert answer.headers == {"x-served": "yes", "x-f": "1"}
