"""emulator.lifecycle.core.journal: the exchanges served, and the queries tests assert with."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from emulator.lifecycle.core.journal import Exchange, Journal
from emulator.openapi.violation import Violation

BAD = Violation("response", ("body", "status"), "enum", "'x' is not one of ['a']")


def record(journal: Journal, **fields: Any) -> Exchange:
    values: dict[str, Any] = {
        "seq": 0,
        "at": 0.0,
        "method": "GET",
        "path": "/jobs/1",
        "query": "",
        "operation": "retrieveJob",
        "action": "retrieve",
        "job_id": "1",
        "status": 200,
        "request_headers": {},
        "response_headers": {},
    }
    values.update(fields)
    return journal.record(Exchange(**values))


def seqs(exchanges: list[Exchange]) -> list[int]:
    return [e.seq for e in exchanges]


def sample() -> Journal:
    journal = Journal()
    record(
        journal,
        at=10.0,
        method="POST",
        path="/jobs",
        operation="createJob",
        action="create",
        job_id="1",
        status=202,
    )
    record(journal, at=11.0)
    record(journal, at=13.5, status=429)
    record(journal, at=20.0, job_id="2", violations=(BAD,))
    record(journal, at=21.0, operation="GET /other", action=None, job_id=None, status=404)
    return journal


def test_sequence_numbers_increase_in_the_order_of_recording() -> None:
    journal = Journal()
    assert [record(journal, seq=99).seq for _ in range(3)] == [1, 2, 3]
    assert journal.last_seq == 3


def test_entries_in_order_without_filters() -> None:
    assert seqs(sample().entries()) == [1, 2, 3, 4, 5]


def test_operation_matches_the_action_or_the_operation_key() -> None:
    journal = sample()
    assert seqs(journal.entries(operation="retrieve")) == [2, 3, 4]
    assert seqs(journal.entries(operation="retrieveJob")) == [2, 3, 4]
    assert seqs(journal.entries(operation="create")) == [1]
    assert seqs(journal.entries(operation="GET /other")) == [5]
    assert journal.entries(operation="cancel") == []


def test_filter_by_job_status_and_method() -> None:
    journal = sample()
    assert seqs(journal.entries(job_id="2")) == [4]
    assert seqs(journal.entries(status=429)) == [3]
    assert seqs(journal.entries(method="post")) == [1]  # case-insensitive
    assert seqs(journal.entries(method="GET", status=200)) == [2, 4]


def test_filter_by_violations() -> None:
    journal = sample()
    assert seqs(journal.entries(with_violations=True)) == [4]
    assert seqs(journal.entries(with_violations=False)) == [1, 2, 3, 5]
    pairs = journal.violations()
    assert [(e.seq, v) for e, v in pairs] == [(4, BAD)]
    assert journal.violations(since=4) == []


def test_since_skips_up_to_and_including_the_sequence_number() -> None:
    journal = sample()
    assert seqs(journal.entries(since=3)) == [4, 5]
    assert seqs(journal.entries(since=3, operation="retrieve")) == [4]


def test_intervals_between_successive_exchanges() -> None:
    journal = sample()
    assert Journal.intervals(journal.entries(operation="retrieve")) == [2.5, 6.5]
    assert Journal.intervals(journal.entries(status=429)) == []
    assert Journal.intervals([]) == []


def test_bounded_size_drops_the_oldest() -> None:
    journal = Journal(limit=3)
    for _ in range(5):
        record(journal)
    assert seqs(journal.entries()) == [3, 4, 5]
    assert journal.dropped == 2
    journal.clear()
    assert record(journal).seq == 6  # numbering continues


def test_clear_empties_the_journal() -> None:
    journal = sample()
    journal.clear()
    assert journal.entries() == []


def test_as_dict_is_json_shaped() -> None:
    journal = Journal()
    exchange = record(journal, request_headers={"a": "1"}, violations=(BAD,), fault="retry#0")
    data = exchange.as_dict()
    assert data["seq"] == 1
    assert data["request_headers"] == {"a": "1"}
    assert data["violations"] == [
        {"side": "response", "path": "$.body.status", "rule": "enum", "message": BAD.message}
    ]
    assert data["fault"] == "retry#0"
    assert set(data) == {
        "seq",
        "at",
        "method",
        "path",
        "query",
        "operation",
        "action",
        "job_id",
        "status",
        "request_headers",
        "response_headers",
        "request_body",
        "response_body",
        "violations",
        "fault",
        "spec_gap",
        "spec_flaws",
        "truncated",
    }


def test_bytes_bound_drops_the_oldest_and_counts_what_is_held() -> None:
    journal = Journal(max_bytes=20_000, body_limit=100_000)
    for n in range(10):  # each its own body: alike ones would be kept (and counted) once
        record(journal, response_body=b'"%d' % n + b"x" * 4000 + b'"')
    assert 0 < journal.nbytes <= 20_000
    # An entry is its ~4 KB body plus ~0.5 KiB of object: four fit in 20,000 bytes.
    assert seqs(journal.entries()) == [7, 8, 9, 10] and journal.dropped == 6


def test_a_large_body_keeps_its_first_kib_and_says_how_large_it_was() -> None:
    journal = Journal(body_limit=4096)
    big = b'{"text": "' + b"y" * 100_000 + b'"}'
    entry = record(journal, request_body=big, response_body=b'{"id": 1}')
    shown = entry.as_dict()
    assert shown["truncated"] == {"request_body": len(big)}
    assert shown["request_body"].startswith('{"text": "yyy') and len(shown["request_body"]) == 1024
    assert shown["response_body"] == {"id": 1}  # decoded from the bytes kept
    assert journal.nbytes < 5000


def test_violations_pushed_out_unread_are_kept_until_read() -> None:
    journal = Journal(limit=3)
    record(journal, violations=(BAD,))
    for _ in range(10):
        record(journal)
    assert seqs(journal.entries()) == [1, 9, 10, 11]
    assert seqs(journal.entries(with_violations=True)) == [1]
    journal.seen(journal.entries(with_violations=True))
    assert seqs(journal.entries()) == [9, 10, 11]


def test_violations_read_before_they_are_pushed_out_go_with_the_rest() -> None:
    journal = Journal(limit=2)
    record(journal, violations=(BAD,))
    journal.seen(journal.entries())
    for _ in range(3):
        record(journal)
    assert seqs(journal.entries()) == [3, 4]


def test_kept_violations_are_bounded_too_and_the_loss_is_counted() -> None:
    journal = Journal(limit=1, max_bytes=5_000)
    for _ in range(20):
        record(journal, violations=(BAD,))
    assert journal.nbytes <= 2 * 5_000
    assert journal.dropped_violations > 0
    assert journal.entries()[-1].seq == 20


def alike(n: int) -> dict[str, Any]:
    """The parts of a client's n-th request, each a new object, as the wire gives them."""
    headers = {
        "host": "127.0.0.1:8000",
        "user-agent": "python-httpx/0.28.1",
        "accept": "*/*",
        "accept-encoding": "gzip, deflate",
        "connection": "keep-alive",
        "content-type": "application/json",
        "content-length": str(16 + n % 1),
    }
    body, page = json.dumps({"prompt": "a cat"}).encode(), json.dumps({"jobs": []}).encode()
    return {
        "request_headers": headers,
        "path": "/".join(("", "jobs")),
        "request_body": body,
        "response_body": page,
    }


def test_alike_entries_hold_one_copy_of_their_headers_path_and_body() -> None:
    journal = Journal()
    entries = [record(journal, **alike(n)) for n in range(3)]
    first = entries[0]
    for e in entries[1:]:
        assert e.request_headers is first.request_headers and e.path is first.path
        assert e.request_body is first.request_body and e.response_body is first.response_body
    other = record(journal, **{**alike(0), "request_headers": {"host": "elsewhere"}})
    assert other.request_headers == {"host": "elsewhere"} and other.path is first.path


def test_what_the_journal_counts_is_about_what_it_holds() -> None:
    journal = Journal()
    for n in range(50):  # warm: the recent values and the deque's first blocks
        record(journal, **alike(n))
    counted = journal.nbytes
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            record(journal, **alike(n))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    counted = journal.nbytes - counted
    # Each entry is its own Exchange and numbers; the headers, path and body are shared (kept
    # by each entry, they would be ~800 bytes more). The count errs high, by a small factor.
    assert held < 400 * 2000
    assert held <= counted <= 3 * held
