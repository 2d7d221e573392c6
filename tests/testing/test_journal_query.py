"""The journal query API over hand-made entries: filters, timings, readable assertion failures."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.testing.journal_query import JournalQuery

JOB_A = "11111111-1111-4111-8111-111111111111"
JOB_B = "22222222-2222-4222-8222-222222222222"


def entry(
    seq: int,
    at: float,
    action: str,
    *,
    job_id: str | None = JOB_A,
    status: int = 200,
    method: str = "GET",
    response_headers: dict[str, str] | None = None,
    request_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    operations = {"create": "createJob", "retrieve": "retrieveJob", "retry": "retryJob"}
    return {
        "seq": seq,
        "at": at,
        "method": method,
        "path": f"/v1/jobs/{job_id}" if job_id else "/v1/jobs",
        "query": "",
        "operation": operations[action],
        "action": action,
        "job_id": job_id,
        "status": status,
        "request_headers": request_headers or {"authorization": "Bearer k"},
        "response_headers": response_headers or {},
        "violations": [],
    }


ENTRIES = [
    entry(1, 100.0, "create", method="POST", status=202),
    entry(2, 101.0, "retrieve"),
    entry(3, 101.5, "retrieve", job_id=JOB_B),
    entry(4, 103.0, "retrieve", status=429, response_headers={"Retry-After": "2"}),
    entry(5, 105.0, "retrieve", request_headers={"X-Stainless-Retry-Count": "1"}),
    entry(6, 106.0, "retry", method="POST", status=202),
]


def query(entries: list[dict[str, Any]] = ENTRIES) -> tuple[JournalQuery, list[dict[str, str]]]:
    seen: list[dict[str, str]] = []

    def fetch(filters: dict[str, str]) -> list[dict[str, Any]]:
        seen.append(filters)
        return list(entries)  # an unfiltered fetch: the query must filter on its own

    return JournalQuery(fetch), seen


def test_filters_match_action_or_operation_key_and_reach_the_fetch() -> None:
    journal, seen = query()
    assert [e["seq"] for e in journal.entries("retrieve")] == [2, 3, 4, 5]
    assert [e["seq"] for e in journal.entries("retrieveJob")] == [2, 3, 4, 5]
    assert [e["seq"] for e in journal.entries("retrieve", job_id=JOB_B)] == [3]
    assert [e["seq"] for e in journal.entries(status=202)] == [1, 6]
    assert [e["seq"] for e in journal.entries(method="post")] == [1, 6]
    assert journal.count() == 6
    assert journal.count("retry") == 1
    assert seen[2] == {"operation": "retrieve", "job_id": JOB_B}
    assert seen[3] == {"status": "202"}


def test_intervals_statuses_and_headers_follow_the_matching_requests() -> None:
    journal, _ = query()
    assert journal.intervals("retrieve", job_id=JOB_A) == [2.0, 2.0]
    assert journal.intervals("retrieve") == [0.5, 1.5, 2.0]
    assert journal.intervals("retry") == []
    assert journal.statuses("retrieve") == [200, 200, 429, 200]
    headers = journal.headers("retrieve", job_id=JOB_A)
    assert [h.get("x-stainless-retry-count") for h in headers] == [None, None, "1"]


def test_assert_called_counts_and_lists_the_calls_when_it_fails() -> None:
    journal, _ = query()
    assert len(journal.assert_called("retrieve")) == 4
    journal.assert_called("retrieve", at_least=4, at_most=4, exactly=4)
    journal.assert_called("retrieve", job_id=JOB_B, exactly=1)
    with pytest.raises(AssertionError) as failure:
        journal.assert_called("retrieve", at_most=3)
    message = str(failure.value)
    assert "expected 'retrieve' to be called at most 3 time(s), it was called 4 time(s)" in message
    assert f"#4 GET /v1/jobs/{JOB_A} -> 429 at +2 s" in message
    with pytest.raises(AssertionError, match="'cancel' to be called at least 1 time"):
        journal.assert_called("cancel")
    with pytest.raises(AssertionError, match="exactly 2 time"):
        journal.assert_called("retry", exactly=2)


def test_assert_min_interval_names_the_pairs_that_came_too_close() -> None:
    journal, _ = query()
    assert journal.assert_min_interval("retrieve", 2.0, job_id=JOB_A) == [2.0, 2.0]
    journal.assert_min_interval("retry", 60)  # a single call has no interval to break
    with pytest.raises(AssertionError) as failure:
        journal.assert_min_interval("retrieve", 1.0)
    message = str(failure.value)
    assert "1 of 3 intervals between 'retrieve' calls are shorter than 1 s" in message
    assert "#3 GET" in message
    assert "<- 0.5 s later" in message


def test_assert_waited_after_reads_retry_after_from_the_response() -> None:
    journal, _ = query()
    journal.assert_waited_after(429)  # Retry-After: 2, next request 2 s later
    journal.assert_waited_after(429, operation="retrieve")
    with pytest.raises(AssertionError) as failure:
        journal.assert_waited_after(429, seconds=2.5)
    message = str(failure.value)
    assert "did not wait after 1 429 response(s)" in message
    assert "(asked for 2.5 s)" in message
    assert "only 2 s later" in message


def test_assert_waited_after_prefers_retry_after_ms_and_demands_a_header() -> None:
    hasty = [
        entry(
            1,
            0.0,
            "retrieve",
            status=429,
            response_headers={"retry-after-ms": "1500", "retry-after": "1"},
        ),
        entry(2, 1.2, "retrieve"),
        entry(3, 2.0, "retrieve", status=503),
        entry(4, 2.0, "retrieve"),
    ]
    journal, _ = query(hasty)
    with pytest.raises(AssertionError, match=r"asked for 1\.5 s"):
        journal.assert_waited_after(429)
    with pytest.raises(AssertionError, match="carried neither retry-after-ms nor retry-after"):
        journal.assert_waited_after(503)
    with pytest.raises(AssertionError, match="no response had status 408"):
        journal.assert_waited_after(408)
    gave_up = [entry(1, 0.0, "retrieve", status=429, response_headers={"retry-after": "5"})]
    JournalQuery(lambda _: gave_up).assert_waited_after(429)  # no next request to judge
