"""emulator.lifecycle.persistence.redis_journal: one journal for every worker, bounded like the
one in memory: by entries, by bytes, with unread violations kept apart."""

from __future__ import annotations

from typing import Any

from emulator.lifecycle.core.journal import Exchange, Journal
from emulator.openapi.violation import Violation

from .redis_helpers import space

BROKEN = (Violation("response", ("body", "id"), "type", "not a string"),)


def exchange(n: int, *, violations: tuple[Violation, ...] = (), body: Any = None) -> Exchange:
    return Exchange(
        seq=0,
        at=float(n),
        method="GET",
        path=f"/v1/jobs/j{n}",
        query="",
        operation="get /v1/jobs/{id}",
        action="retrieve",
        job_id=f"j{n % 3}",
        status=200 if n % 2 else 404,
        request_headers={"authorization": "Bearer k"},
        response_headers={},
        request_body=body,
        response_body=b'{"id":"j"}',
        violations=violations,
    )


def test_entries_come_back_numbered_in_order_and_filtered_as_in_memory(redis_client: Any) -> None:
    ns = space(redis_client)
    memory = Journal()
    for n in range(1, 9):
        ns.journal.record(exchange(n))
        memory.record(exchange(n))
    for filters in ({}, {"job_id": "j1"}, {"status": 404}, {"since": 5}, {"method": "get"}):
        assert [e.as_dict() for e in ns.journal.entries(**filters)] == [
            e.as_dict() for e in memory.entries(**filters)
        ]
    assert ns.journal.last_seq == 8 and len(ns.journal) == 8


def test_past_the_limit_the_oldest_go_and_are_counted(redis_client: Any) -> None:
    ns = space(redis_client, journal_limit=3)
    for n in range(1, 6):
        ns.journal.record(exchange(n))
    assert [e.seq for e in ns.journal.entries()] == [3, 4, 5]
    assert ns.journal.dropped == 2


def test_unread_violations_outlive_the_bound_until_read(redis_client: Any) -> None:
    ns = space(redis_client, journal_limit=2)
    ns.journal.record(exchange(1, violations=BROKEN))
    for n in range(2, 6):
        ns.journal.record(exchange(n))
    assert [e.seq for e in ns.journal.entries()] == [1, 4, 5]  # kept apart, first
    assert [e.seq for e, _ in ns.journal.violations()] == [1]
    ns.journal.seen(ns.journal.entries(with_violations=True))
    assert [e.seq for e in ns.journal.entries()] == [4, 5]


def test_a_violation_read_before_it_is_pushed_out_goes_like_any_entry(redis_client: Any) -> None:
    ns = space(redis_client, journal_limit=2)
    ns.journal.record(exchange(1, violations=BROKEN))
    ns.journal.seen(ns.journal.entries())
    for n in range(2, 5):
        ns.journal.record(exchange(n))
    assert [e.seq for e in ns.journal.entries()] == [3, 4]


def test_the_byte_budget_bounds_entries_and_kept_violations(redis_client: Any) -> None:
    ns = space(redis_client, journal_bytes=2000)
    for n in range(1, 30):
        ns.journal.record(exchange(n, violations=BROKEN))
    assert ns.journal.nbytes <= 2 * 2000
    assert ns.journal.dropped_violations > 0
    assert ns.journal.entries()[-1].seq == 29


def test_a_large_body_keeps_its_first_kib_and_says_so(redis_client: Any) -> None:
    ns = space(redis_client, journal_body=100)
    ns.journal.record(exchange(1, body="x" * 5000))
    [kept] = ns.journal.entries()
    assert kept.request_body == "x" * 1024
    assert kept.truncated == (("request_body", 5000),)


def test_clear_empties_it_and_numbering_goes_on(redis_client: Any) -> None:
    ns = space(redis_client)
    ns.journal.record(exchange(1))
    ns.journal.clear()
    assert ns.journal.entries() == [] and ns.journal.nbytes == 0
    ns.journal.record(exchange(2))
    assert [e.seq for e in ns.journal.entries()] == [2]
