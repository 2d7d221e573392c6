"""emulator.dashboard.timeline: bands from a job's status history, kinds from the profile."""

from __future__ import annotations

from emulator.dashboard.timeline import bands, mark_kind, status_kind
from emulator.lifecycle.core.engine import Rules
from emulator.lifecycle.core.job import Event

RULES = Rules(
    started=frozenset({"in_progress"}),
    terminal=frozenset({"completed", "failed", "cancelled"}),
    failed=frozenset({"failed"}),
)


def test_bands_run_from_status_to_status_and_count_attempts_by_retries() -> None:
    events = [
        Event(0, "create"),
        Event(0, "status:queued"),
        Event(5, "status:in_progress"),
        Event(9, "status:failed"),
        Event(12, "retry"),
        Event(12, "status:in_progress"),
    ]
    found = bands(events, now=20, rules=RULES)
    assert [
        (b["status"], b["kind"], b["start"], b["end"], b["attempt"], b["open"]) for b in found
    ] == [
        ("queued", "waiting", 0, 5, 0, False),
        ("in_progress", "started", 5, 9, 0, False),
        ("failed", "failed", 9, 12, 0, False),
        ("in_progress", "started", 12, 20, 1, True),
    ]


def test_an_open_band_never_ends_before_it_starts() -> None:
    assert bands([Event(30, "status:completed")], now=10)[0]["end"] == 30


def test_status_kinds_follow_the_profile_rules() -> None:
    kinds = [
        status_kind(s, RULES) for s in ("failed", "cancelled", "completed", "in_progress", "x")
    ]
    assert kinds == ["failed", "cancelled", "done", "started", "waiting"]
    assert status_kind("anything", None) == "unknown"


def test_a_mark_is_named_by_its_action_then_operation_then_method() -> None:
    assert mark_kind({"action": "retry", "operation": "retryJob", "method": "POST"}) == "retry"
    assert mark_kind({"action": None, "operation": "getThing", "method": "GET"}) == "getThing"
    assert mark_kind({"action": None, "operation": None, "method": "GET"}) == "get"
