"""A worker's requests run on what its last commit left of a job (one round trip, not two), and
never act on what another worker changed: the commit checks every remembered value and, when
one changed, reads again for the rerun itself. Two workers on one Redis, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator import LiveServer, Settings, build
from emulator.lifecycle.persistence.redis_recall import Recall
from emulator.lifecycle.persistence.redis_state import SharedState
from tests.support import WRITER, WRITER_INPUTS

Workers = Callable[[int], list[LiveServer]]


@pytest.fixture
def workers(redis_url: str) -> Iterator[Workers]:
    started: list[LiveServer] = []

    def start(count: int) -> list[LiveServer]:
        settings = Settings(manual_clock=True, strict=True, state=redis_url)
        made = [LiveServer(build(api="writer", settings=settings)).start() for _ in range(count)]
        started.extend(made)
        return made

    yield start
    for server in started:
        server.stop()


def state(server: LiveServer) -> SharedState:
    found: SharedState = server.app.shared.state
    return found


def create(http: httpx.Client, server: LiveServer, scenario: str = "fail-then-retry") -> str:
    """A job that stays in progress until the clock moves 120 s (then it fails)."""
    made = http.post(
        f"{server.url}/v1/applications/app/jobs",
        json=WRITER_INPUTS,
        headers={"x-emulator-scenario": scenario},
    )
    assert made.status_code == 202, made.text
    return f"/v1/applications/jobs/{made.json()['id']}"


def poll(http: httpx.Client, server: LiveServer, job: str) -> Any:
    return http.get(server.url + job).json()


def test_a_worker_polling_a_job_it_served_makes_one_round_trip_per_poll(
    workers: Workers,
) -> None:
    (a,) = workers(1)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        job = create(http, a)
        poll(http, a, job)
        before = state(a).round_trips
        answers = [poll(http, a, job)["status"] for _ in range(20)]
    assert answers == ["in_progress"] + ["failed"] * 19  # as in memory: it fails at poll 3
    assert state(a).round_trips - before == 20  # each poll its commit alone (no read first)
    assert state(a).recall.hits >= 20


def test_a_clock_another_worker_moved_is_never_acted_on(workers: Workers) -> None:
    a, b = workers(2)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        job = create(http, a)
        assert poll(http, a, job)["status"] == "in_progress"  # a remembers the job
        http.post(f"{b.url}/_emulator/clock/advance", json={"seconds": 600})
        before = state(a).round_trips
        assert poll(http, a, job)["status"] == "failed"
    assert state(a).recall.misses == 1
    # The failed commit read again for the rerun: its commit, and no read of its own.
    assert state(a).round_trips - before == 2


def test_polls_through_two_workers_in_turn_answer_as_one_process_does(
    workers: Workers,
) -> None:
    a, b = workers(2)
    alone = LiveServer(build(api="writer", settings=Settings(manual_clock=True, strict=True)))
    alone.start()
    seen: dict[str, list[Any]] = {}
    try:
        with httpx.Client(headers=WRITER, timeout=10) as http:
            for name, turns in (("shared", (a, b)), ("alone", (alone, alone))):
                job = create(http, turns[0])
                seen[name] = [poll(http, turns[n % 2], job) for n in range(10)]
                journal = http.get(f"{turns[1].url}/_emulator/journal").json()["entries"]
                seen[name].append([e["action"] for e in journal])
                job_id = job.rsplit("/", 1)[1]
                store = turns[0].app.namespaces.get("default").store
                seen[name].append(store.get(job_id).polls)
    finally:
        alone.stop()
    for answer in seen["shared"][:10] + seen["alone"][:10]:
        answer.pop("id")
        answer.pop("created_at", None)
    assert seen["shared"] == seen["alone"]
    assert state(a).recall.misses + state(b).recall.misses >= 4


def test_a_namespace_another_worker_reset_is_seen_empty(workers: Workers) -> None:
    a, b = workers(2)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        job = create(http, a)
        assert poll(http, a, job)["status"] == "in_progress"
        assert http.post(f"{b.url}/_emulator/reset").status_code == 200
        gone = http.get(a.url + job)
    assert gone.status_code == 404


def test_a_job_another_worker_deleted_is_gone_here_too(workers: Workers) -> None:
    a, b = workers(2)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        job = create(http, a)
        poll(http, a, job)
        job_id = job.rsplit("/", 1)[1]
        shared = state(b)
        shared.client.hdel(shared.prefix + "ns:7:default:jobs", job_id)  # as a DELETE does
        assert http.get(a.url + job).status_code == 404


def test_remembering_pauses_where_it_keeps_failing_then_tries_again() -> None:
    recall = Recall()
    recall.keep("ns:", {"gen": b"1"}, None, "job", (b"{}", None))
    assert recall.offer("ns:", "job", hooks=False) is not None
    for _ in range(Recall.MOST_FAILED + 1):
        recall.outcome(conflicted=True)
    assert recall.pauses == 1
    offered = [recall.offer("ns:", "job", hooks=False) for _ in range(Recall.PAUSE)]
    assert offered == [None] * Recall.PAUSE
    assert recall.offer("ns:", "job", hooks=False) is not None


def test_what_is_remembered_is_bounded() -> None:
    recall = Recall(max_bytes=10_000, max_namespaces=3)
    for n in range(50):
        recall.keep("ns:", {"gen": b"1"}, None, f"job{n}", (b"x" * 1000, None))
        assert len(recall) <= 10
    for n in range(5):
        recall.keep(f"ns{n}:", {"gen": b"1"}, None, "job", (b"{}", None))
        assert len(recall) <= 3
    assert recall.offer("ns:", "job", hooks=True) is None  # webhooks: only with their version


def test_a_namespace_remembered_without_its_webhooks_is_not_offered_where_they_count() -> None:
    recall = Recall()
    recall.keep("ns:", {"gen": b"1"}, None, "job", (b"{}", None))
    assert recall.offer("ns:", "job", hooks=False) is not None
    assert recall.offer("ns:", "job", hooks=True) is None
    recall.keep("ns:", {"gen": b"1"}, {"\x00v": b"3"}, "job", (b"{}", None))
    assert recall.offer("ns:", "job", hooks=True) is not None
