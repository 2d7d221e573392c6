"""emulator.lifecycle.core.store: one namespace's jobs, by id and in creation order."""

from __future__ import annotations

import threading
import tracemalloc
from dataclasses import replace
from typing import Any

import pytest

from emulator import Settings, build
from emulator.lifecycle.core.actions import Binding, Request
from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.store import EVENT_BYTES, JobStorage, JobStore


def job(job_id: str, partition: str | None = None) -> Job:
    return Job(
        id=job_id,
        scenario="s",
        request_json=b"{}",
        created_at=0.0,
        updated_at=0.0,
        entered_at=0.0,
        partition=partition,
    )


def filled(*ids: str, partition: str | None = None) -> JobStore:
    store = JobStore()
    for job_id in ids:
        store.add(job(job_id, partition))
    return store


def test_add_get_and_len() -> None:
    store = filled("a", "b")
    assert len(store) == 2
    got = store.get("a")
    assert got is not None
    assert got.id == "a"
    assert store.get("missing") is None


def test_adding_an_existing_id_replaces_it_without_a_second_listing_entry() -> None:
    store = filled("a", "b")
    store.add(replace(job("a"), polls=7))
    assert len(store) == 2
    assert store.ids() == ["a", "b"]
    got = store.get("a")
    assert got is not None
    assert got.polls == 7


def test_update_swaps_the_job_and_returns_the_extra() -> None:
    store = filled("a")
    result = store.update("a", lambda j: (replace(j, polls=j.polls + 1), "extra"))
    assert result is not None
    new, extra = result
    assert (new.polls, extra) == (1, "extra")
    assert store.get("a") is new


def test_update_of_a_missing_job_is_none_and_does_not_call_the_change() -> None:
    calls: list[Job] = []

    def change(j: Job) -> tuple[Job, None]:
        calls.append(j)
        return j, None

    assert filled().update("missing", change) is None
    assert calls == []


def test_update_is_atomic_under_concurrency() -> None:
    store = filled("a")

    def bump() -> None:
        for _ in range(500):
            store.update("a", lambda j: (replace(j, polls=j.polls + 1), None))

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.get("a")
    assert final is not None
    assert final.polls == 8 * 500


def test_update_that_raises_leaves_the_job_unchanged() -> None:
    store = filled("a")
    before = store.get("a")

    def broken(j: Job) -> tuple[Job, None]:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.update("a", broken)
    assert store.get("a") is before


def test_delete() -> None:
    store = filled("a", "b")
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert store.get("a") is None
    assert len(store) == 1
    assert [j.id for j in store.all()] == ["b"]


def test_ids_in_creation_order_overall_and_per_partition() -> None:
    store = JobStore()
    for job_id, part in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("n", None)]:
        store.add(job(job_id, part))
    assert store.ids() == ["a1", "b1", "a2", "n"]
    assert store.ids("A", everywhere=False) == ["a1", "a2"]
    assert store.ids("B", everywhere=False) == ["b1"]
    assert store.ids(None, everywhere=False) == ["n"]
    assert store.ids("C", everywhere=False) == []


def test_walk_skips_deleted_jobs_forwards_and_backwards() -> None:
    store = filled("a", "b", "c", "d")
    store.delete("b")
    ids = store.ids()
    assert [j.id for j in store.walk(ids, 0, 1)] == ["a", "c", "d"]
    assert [j.id for j in store.walk(ids, 3, -1)] == ["d", "c", "a"]
    assert [j.id for j in store.walk(ids, 1, 1)] == ["c", "d"]
    assert list(store.walk(ids, 4, 1)) == []
    assert list(store.walk(ids, -1, -1)) == []


def test_start_after_in_the_overall_order_and_in_a_partition() -> None:
    store = JobStore()
    for job_id, part in [("a1", "A"), ("b1", "B"), ("a2", "A")]:
        store.add(job(job_id, part))
    assert store.start_after(store.ids(), "a2", 1) == 3
    assert store.start_after(store.ids(), "a2", -1) == 1
    assert store.start_after(store.ids("A", everywhere=False), "a2", -1) == 0
    assert store.start_after(store.ids("A", everywhere=False), "b1", 1) is None
    assert store.start_after(store.ids(), "missing", 1) is None


def test_clear_forgets_everything() -> None:
    store = filled("a", "b")
    store.clear()
    assert len(store) == 0
    assert store.ids() == []
    assert store.start_after(store.ids(), "a", 1) is None
    store.add(job("c"))
    assert store.ids() == ["c"]
    assert store.start_after(store.ids(), "c", 1) == 1


def test_update_holds_the_job_while_the_change_runs() -> None:
    store = filled("a")
    blocked: list[bool] = []

    def slow_change(j: Job) -> tuple[Job, None]:
        other = threading.Thread(
            target=store.update, args=("a", lambda k: (replace(k, polls=k.polls + 10), None))
        )
        other.start()
        other.join(timeout=0.2)
        blocked.append(other.is_alive())  # the second update waits for this one
        threads.append(other)
        return replace(j, polls=j.polls + 1), None

    threads: list[threading.Thread] = []
    store.update("a", slow_change)
    threads[0].join()
    assert blocked == [True]
    final = store.get("a")
    assert final is not None
    assert final.polls == 11  # neither change was lost


class Recording(JobStore):
    """A store that notes every write: what a persistent backend would hook."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def add(self, job: Job) -> None:
        self.writes.append(f"add {job.id}")
        super().add(job)

    def update(self, job_id: str, change: Any) -> Any:
        self.writes.append(f"update {job_id}")
        return super().update(job_id, change)

    def delete(self, job_id: str) -> bool:
        self.writes.append(f"delete {job_id}")
        return super().delete(job_id)


def test_a_namespace_keeps_its_jobs_in_the_store_it_is_given() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    actions = app.actions
    assert actions is not None
    store = Recording()
    storage: JobStorage = store  # the in-memory store is one implementation of the protocol
    ns = Namespace("given", manual_clock=True, seed=0, journal_limit=10, store=storage)
    request = Request(path={"application_id": "a"}, query={}, params={}, body={"inputs": []})
    scenario = actions.choose_scenario(ns, request)
    created = actions.create(Binding("create", "created", 200), ns, request, None, scenario)
    assert created.job_id is not None
    actions.show(Binding("retrieve", "job", 200), ns, request, created.job_id, scenario)
    actions.delete(Binding("delete", None, 204), ns, request, created.job_id, scenario)
    job_id = created.job_id
    assert store.writes == [f"add {job_id}", f"update {job_id}", f"delete {job_id}"]
    assert len(ns.store) == 0


def test_deleted_jobs_are_forgotten_once_they_outnumber_the_live_ones() -> None:
    store = filled(*(f"j{n}" for n in range(300)), partition="p")
    held = store.nbytes
    for n in range(250):
        assert store.delete(f"j{n}")
    # The orders keep at most as many deleted ids as live ones (and a few): they no longer grow
    # with every job ever deleted.
    ids = store.ids()
    assert len(ids) <= 2 * len(store) + 64 < 300
    assert store.ids("p", everywhere=False) == ids
    assert [j.id for j in store.walk(ids, 0, 1)] == [f"j{n}" for n in range(250, 300)]
    assert ids[(store.start_after(ids, "j260", 1) or 0) - 1] == "j260"
    assert store.count("p", everywhere=False) == 50 and store.nbytes == held * 50 // 300


def test_what_a_job_holds_counts_its_events() -> None:
    store = filled("a")
    before = store.nbytes
    grown = store.update("a", lambda j: (replace(j, events=(*j.events, Event(1.0, "retry"))), 0))
    assert grown is not None and store.nbytes == before + EVENT_BYTES
    assert store.delete("a") and store.nbytes == 0


@pytest.mark.parametrize("everywhere", [True, False])
def test_a_cursor_naming_a_forgotten_deleted_job_resumes_in_its_place(everywhere: bool) -> None:
    store = filled(*(f"j{n:03}" for n in range(300)), partition="p")

    def after(job_id: str, step: int) -> list[str]:
        ids = store.ids("p", everywhere=everywhere)
        start = store.start_after(ids, job_id, step)
        assert start is not None, job_id
        return [j.id for j in store.walk(ids, start, step)][:2]

    # Two compactions: ids dropped by the first are moved to their place by the second.
    for n in [n for n in range(300) if n % 10]:
        assert store.delete(f"j{n:03}")
    ids = store.ids("p", everywhere=everywhere)
    assert "j155" not in ids and "j205" not in ids and "j299" in ids
    assert after("j155", 1) == ["j160", "j170"] and after("j155", -1) == ["j150", "j140"]
    assert after("j205", 1) == ["j210", "j220"] and after("j205", -1) == ["j200", "j190"]
    assert after("j299", -1) == ["j290", "j280"]  # deleted since: still in the order
    assert after("j001", -1) == ["j000"] and after("j289", 1) == ["j290"]


def test_a_job_costs_the_store_one_dict_entry_and_its_places_in_the_orders() -> None:
    jobs = [job(f"job-{n:05}") for n in range(3000)]
    store = JobStore()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for j in jobs:
            store.add(j)
        held = (tracemalloc.get_traced_memory()[0] - before) / len(jobs)
    finally:
        tracemalloc.stop()
    # One id -> position dict, the positions, the order, the jobs beside it and the partition's
    # order: ~87 bytes a job at this size (tracemalloc). A dict of jobs beside a dict of
    # positions took ~112.
    assert held < 100
    assert all(store.get(j.id) is j for j in jobs)
    assert store.start_after(store.ids(), "job-01500", 1) == 1501
