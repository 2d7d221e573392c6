"""emulator.lifecycle.persistence.redis_store: a namespace's jobs in Redis answer every question
the way the in-memory store does, orders, cursors and compaction included."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.lifecycle.core.job import Event
from emulator.lifecycle.core.store import JobStorage, JobStore
from emulator.lifecycle.persistence.redis_store import RedisJobStore

from .redis_helpers import job, space


def play(store: JobStorage, deletes: range) -> None:
    """Jobs in two partitions and one without, then deletions past the compaction point."""
    for n in range(120):
        store.add(job(f"j{n:03d}", None if n % 7 == 0 else "ab"[n % 2]))
    for n in deletes:
        store.delete(f"j{n:03d}")


def answers(store: JobStorage) -> dict[str, Any]:
    """Everything a listing or the control plane can ask of a store."""
    out: dict[str, Any] = {"len": len(store), "all": [j.id for j in store.all()]}
    for name, (partition, everywhere) in {
        "every": (None, True),
        "a": ("a", False),
        "b": ("b", False),
    }.items():
        ids = store.ids(partition, everywhere=everywhere)
        out[f"{name}.count"] = store.count(partition, everywhere=everywhere)
        out[f"{name}.forward"] = [j.id for j in store.walk(ids, 0, 1)]
        out[f"{name}.backward"] = [j.id for j in store.walk(ids, len(ids) - 1, -1)]
        for anchor in ("j010", "j011", "j050", "j119", "j200"):
            for step in (1, -1):
                start = store.start_after(ids, anchor, step)
                walked = [] if start is None else [j.id for j in store.walk(ids, start, step)][:3]
                out[f"{name}.after.{anchor}.{step}"] = (start is None, walked)
    return out


@pytest.mark.parametrize("deletes", [range(0), range(10, 30), range(0, 120, 2), range(5, 100)])
def test_the_redis_store_answers_like_the_memory_store(redis_client: Any, deletes: range) -> None:
    """Deleted ids stay in the orders until they outnumber the live jobs (64 at least), then
    leave them: every cursor still resumes in its place."""
    ns = space(redis_client)
    memory = JobStore()
    play(memory, deletes)
    play(ns.store, deletes)  # each call its own transaction, compacting as memory does
    assert ns.atomically(lambda: answers(ns.store)) == answers(memory)


def test_a_job_is_the_same_object_until_it_changes(redis_client: Any) -> None:
    """Views are cached by the job's identity: a poll that moves nothing keeps it."""
    ns = space(redis_client)
    ns.store.add(job("a"))
    first = ns.store.get("a")
    assert ns.store.update("a", lambda j: (j.count_poll(), None)) is not None
    again = ns.store.get("a")
    assert again is first and again is not None and again.polls == 1
    ns.store.update("a", lambda j: (j.evolve(attempt=1), None))
    changed = ns.store.get("a")
    assert changed is not first and changed is not None and changed.attempt == 1


def test_update_round_trips_every_field(redis_client: Any) -> None:
    ns = space(redis_client)
    full = job("a", "p", attempt=2, polls=5, events=(Event(1.0, "create"), Event(2.0, "x")))
    ns.store.add(full)
    assert RedisJobStore(ns).get("a") == full
    assert ns.store.nbytes > 0 and len(ns.store) == 1


def test_a_missing_job_is_none_and_delete_says_false(redis_client: Any) -> None:
    ns = space(redis_client)
    assert ns.store.get("nope") is None
    assert ns.store.update("nope", lambda j: (j, None)) is None
    assert ns.store.delete("nope") is False


def test_clear_empties_the_store(redis_client: Any) -> None:
    ns = space(redis_client)
    ns.store.add(job("a", "p"))
    ns.store.clear()
    assert len(ns.store) == 0 and ns.store.get("a") is None
    assert list(ns.store.ids()) == [] and ns.store.count("p", everywhere=False) == 0


def test_deleted_ids_leave_the_orders_once_they_outnumber_the_live_jobs(
    redis_client: Any,
) -> None:
    ns = space(redis_client)
    play(ns.store, range(5, 100))
    # Compacted once, into new lists, at the 65th delete (55 live); 30 deletes since.
    assert ns.atomically(lambda: ns.meta()["epoch"]) == b"1"
    assert (len(ns.store.ids()), len(ns.store)) == (55, 25)
