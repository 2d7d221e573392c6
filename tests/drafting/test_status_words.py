"""emulator.drafting.status_words: statuses sorted by what their names say, in any spelling."""

from __future__ import annotations

import pytest

from emulator.drafting.status_words import sort_statuses, status_kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("queued", "waiting"),
        ("notStarted", "waiting"),  # the whole name first: not "started"
        ("VALIDATING", "waiting"),
        ("in-progress", "running"),
        ("IN_PROGRESS", "running"),
        ("processing", "running"),
        ("succeeded", "succeeded"),
        ("SUCCESS", "succeeded"),
        ("errored", "failed"),
        ("TIMEOUT_EXCEEDED", "failed"),
        ("expired", "failed"),
        ("canceled", "cancelled"),
        ("CANCELLATION_REQUESTED", "cancelling"),
        ("archived", None),
    ],
)
def test_a_status_is_read_from_its_words(name: str, kind: str | None) -> None:
    assert status_kind(name) == kind


def test_a_plan_picks_one_status_of_each_kind_and_sorts_the_rest() -> None:
    plan = sort_statuses(
        [
            "QUEUED",
            "RUNNING",
            "SUCCESS",
            "FAILED",
            "TIMEOUT_EXCEEDED",
            "CANCELLATION_REQUESTED",
            "CANCELLED",
            "ARCHIVED",
        ]
    )
    assert (plan.waiting, plan.running, plan.succeeded, plan.failed) == (
        "QUEUED",
        "RUNNING",
        "SUCCESS",
        "FAILED",
    )
    assert (plan.cancelling, plan.cancelled) == ("CANCELLATION_REQUESTED", "CANCELLED")
    assert plan.terminal == ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED")
    assert plan.failures == ("FAILED", "TIMEOUT_EXCEEDED")
    assert plan.unread == ("ARCHIVED",)


def test_the_failure_a_scenario_plays_is_the_plain_one() -> None:
    assert sort_statuses(["running", "expired", "error"]).failed == "error"


def test_a_name_that_says_nothing_before_the_endings_is_the_running_status() -> None:
    plan = sort_statuses(["pending", "exporting", "succeeded", "failed", "archived"])
    assert (plan.running, plan.unread) == ("exporting", ("archived",))
