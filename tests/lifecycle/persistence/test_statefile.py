"""emulator.lifecycle.persistence.statefile and codec: what a state file keeps, and the files it
refuses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from emulator.errors import StateFileError
from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.scenario import Duration, State
from emulator.lifecycle.persistence.backend import NamespaceState, StateBackend
from emulator.lifecycle.persistence.codec import (
    decode_exchange,
    decode_job,
    encode_exchange,
    encode_job,
)
from emulator.lifecycle.persistence.statefile import SqliteState
from emulator.openapi.violation import Violation

JOB = Job(
    id="j1",
    scenario="always-fail",
    request_json=b'{"body":{"inputs":[]}}',
    created_at=1.0,
    updated_at=2.5,
    entered_at=2.0,
    attempt=1,
    state_index=1,
    polls=3,
    override=State("failed", Duration(polls=1), error={"code": "x"}, fields={"a": [1]}),
    started_at=1.5,
    cancel_requested=True,
    events=(Event(1.0, "create"), Event(2.0, "retry", {"new_id": "j1"})),
    partition="app-1",
)
EXCHANGE = Exchange(
    seq=7,
    at=3.0,
    method="POST",
    path="/v1/jobs",
    query="a=1",
    operation="post /v1/jobs",
    action="create",
    job_id="j1",
    status=400,
    request_headers={"x": "y"},
    response_headers={"content-type": "application/json"},
    request_body={"n": [1, None]},
    response_body={"error": "bad"},
    spec_flaws=("flaw",),
    violations=(Violation("request", ("body", 0), "type", "not a string", "malformed_body"),),
)


def test_jobs_and_journal_entries_come_back_equal() -> None:
    assert decode_job(encode_job(JOB)) == JOB
    assert decode_exchange(encode_exchange(EXCHANGE)) == EXCHANGE


def opened(path: Path, serves: str = "writer", journal_limit: int = 100) -> SqliteState:
    return SqliteState(path, serves=serves, journal_limit=journal_limit)


def test_a_state_file_keeps_namespaces_jobs_and_journal_in_order(tmp_path: Path) -> None:
    state: StateBackend = opened(tmp_path / "s.db")
    state.save_state("t1", NamespaceState(manual_clock=True, clock=5.0, rate_limit=(2, 1.0)))
    for job_id in ("b", "a", "c"):
        state.save_job("t1", Job(job_id, "s", b"{}", 0.0, 0.0, 0.0))
    state.save_job("t1", JOB.__class__("b", "s", b"{}", 0.0, 9.0, 0.0))  # an update keeps b first
    state.delete_job("t1", "c")
    state.record("t1", EXCHANGE)
    state.close()
    restored = opened(tmp_path / "s.db").restore("t1")
    assert restored is not None
    assert restored.state == NamespaceState(manual_clock=True, clock=5.0, rate_limit=(2, 1.0))
    assert [(j.id, j.updated_at) for j in restored.jobs] == [("b", 9.0), ("a", 0.0)]
    assert restored.journal == [EXCHANGE]


def test_the_journal_on_disk_is_pruned_to_the_journal_limit(tmp_path: Path) -> None:
    state = opened(tmp_path / "s.db", journal_limit=10)
    state.save_state("t1", NamespaceState(manual_clock=True, clock=0.0))
    for seq in range(1, 601):
        state.record("t1", Exchange(seq, 0.0, "GET", "/", "", None, None, None, 200, {}, {}))
    restored = state.restore("t1")
    assert restored is not None
    assert [e.seq for e in restored.journal] == list(range(591, 601))
    state.close()
    assert rows(tmp_path / "s.db", "SELECT count(*) FROM journal") < 600  # pruned in batches


def rows(path: Path, sql: str) -> int:
    """Run ``sql`` on the file as another program would, and let go of it."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        found = db.execute(sql).fetchone()
        return int(found[0]) if found else 0
    finally:
        db.close()


def refused(path: Path, serves: str = "writer") -> str:
    with pytest.raises(StateFileError) as caught:
        opened(path, serves)
    assert str(caught.value).startswith(f"{path}: /")
    return str(caught.value)


def test_refused_files_name_the_file_and_the_reason(tmp_path: Path) -> None:
    assert "cannot be opened" in refused(tmp_path)  # a folder
    assert "cannot be opened" in refused(tmp_path / "missing" / "s.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not sqlite at all " * 100)
    assert "not a state file" in refused(garbage)
    other = tmp_path / "other.db"
    rows(other, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    rows(other, "INSERT INTO meta VALUES ('schema', '99')")
    assert "/meta/schema: written by another version" in refused(other)


def test_a_file_in_use_or_kept_for_another_api_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first = opened(path)
    assert "locked: another emulator is using this file" in refused(path)
    first.close()
    assert "/meta/serves: kept for 'writer', not 'retab'" in refused(path, "retab")
    opened(path).close()  # the file is free again once closed


def test_a_damaged_record_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    state = opened(path)
    state.save_state("t1", NamespaceState(manual_clock=True, clock=0.0))
    state.save_job("t1", JOB)
    state.close()
    rows(path, "UPDATE jobs SET record = '{\"id\": 1}'")
    with pytest.raises(StateFileError, match=r"/namespaces/t1/jobs/j1: unreadable record"):
        opened(path).restore("t1")
