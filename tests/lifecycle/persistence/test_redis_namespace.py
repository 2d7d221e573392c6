"""emulator.lifecycle.persistence.redis_namespace and redis_tx: a namespace several workers
share through Redis: its clock, settings, counters, incarnations, eviction; transactions that
commit whole or run again."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import pytest

from emulator.lifecycle.core.clock import ManualClock
from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.core.namespace import RateLimit
from emulator.lifecycle.persistence.redis_namespace import RedisNamespace, SharedNamespaces
from emulator.lifecycle.persistence.redis_tx import Conflict

from .redis_helpers import job, shared, space


def elsewhere(work: Callable[[], object]) -> None:
    """``work`` as another worker runs it: outside this context's transaction."""
    contextvars.Context().run(work)


def twins(client: Any, name: str = "n", **settings: Any) -> tuple[RedisNamespace, RedisNamespace]:
    """One namespace as two workers hold it: two handles, two connections' worth of state."""
    return space(client, name, **settings), space(client, name, **settings)


def test_a_manual_clock_moved_by_one_worker_is_the_time_of_the_other(redis_client: Any) -> None:
    a, b = twins(redis_client, manual_clock=True)
    assert a.clock.now() == ManualClock.DEFAULT_START
    a.clock.advance(90)
    assert b.clock.now() == ManualClock.DEFAULT_START + 90
    b.clock.set(ManualClock.DEFAULT_START + 100)
    assert a.clock.now() == ManualClock.DEFAULT_START + 100
    with pytest.raises(ValueError, match="backwards"):
        a.clock.set(0)
    with pytest.raises(ValueError, match="negative"):
        a.clock.advance(-1)


def test_a_real_clock_is_redis_time_plus_what_tests_pushed(redis_client: Any) -> None:
    a, b = twins(redis_client)
    redis_now = float(".".join(str(part) for part in redis_client.time()))
    assert abs(a.clock.now() - redis_now) < 5
    a.clock.advance(3600)
    assert b.clock.now() - redis_now == pytest.approx(3600, abs=5)
    assert not a.manual_clock


def test_settings_set_on_one_worker_hold_on_the_other(redis_client: Any) -> None:
    a, b = twins(redis_client)
    a.default_scenario = "slow"
    a.rate_limit = RateLimit(3, 10.0)
    assert (b.default_scenario, b.rate_limit) == ("slow", RateLimit(3, 10.0))
    b.default_scenario = None
    b.rate_limit = None
    assert (a.default_scenario, a.rate_limit) == (None, None)


def test_counters_and_random_draws_are_one_stream_for_all_workers(redis_client: Any) -> None:
    a, b = twins(redis_client)
    assert [a.next_revision(), b.next_revision(), a.next_revision()] == [1, 2, 3]
    draws = [a.rng.getrandbits(64), b.rng.getrandbits(64), a.rng.getrandbits(64)]
    again = space(redis_client, "other")
    assert len(set(draws)) == 3
    # Another namespace with the same seed draws the same numbers in the same order: the
    # stream follows the seed, the namespace's name and the draw's number only.
    redis_client.flushdb()
    c, d = twins(redis_client)
    assert [c.rng.getrandbits(64), d.rng.getrandbits(64), c.rng.getrandbits(64)] == draws
    assert again.rng.getrandbits(64) != draws[0]


def test_a_transaction_that_read_a_changed_job_runs_again(redis_client: Any) -> None:
    a, b = twins(redis_client)
    a.store.add(job("j"))
    runs = []

    def poll_on_a() -> None:
        runs.append(1)
        a.store.update("j", lambda j: (j.polled(), None))
        if len(runs) == 1:  # meanwhile, another worker counts a poll of its own
            elsewhere(lambda: b.store.update("j", lambda j: (j.polled(), None)))

    a.atomically(poll_on_a)
    assert len(runs) == 2
    polled = a.store.get("j")
    assert polled is not None and polled.polls == 2  # both counted, neither lost


def test_a_conflicting_commit_applies_nothing(redis_client: Any) -> None:
    a, b = twins(redis_client)
    a.store.add(job("j"))
    tx = a.state.transaction()
    from emulator.lifecycle.persistence.redis_tx import CURRENT

    token = CURRENT.set(tx)
    try:
        a.store.update("j", lambda j: (j.polled(), None))
        a.journal.record(_entry())
        elsewhere(lambda: b.store.update("j", lambda j: (j.evolve(attempt=3), None)))
        with pytest.raises(Conflict):
            tx.commit()
    finally:
        CURRENT.reset(token)
    kept = b.store.get("j")
    assert kept is not None and (kept.polls, kept.attempt) == (0, 3)
    assert a.journal.entries() == []


def _entry() -> Any:
    from tests.lifecycle.persistence.test_redis_journal import exchange

    return exchange(1)


def test_reset_starts_a_new_incarnation_that_workers_holding_the_old_one_see(
    redis_client: Any,
) -> None:
    a, b = twins(redis_client, manual_clock=True)
    a.store.add(job("j"))
    a.clock.advance(60)
    a.default_scenario = "slow"
    b.reset()
    assert a.store.get("j") is None and len(a.store) == 0
    assert a.clock.now() == ManualClock.DEFAULT_START and a.default_scenario is None
    b.reset(manual_clock=False)
    assert not a.manual_clock


def test_a_new_namespace_is_seeded_once_whoever_creates_it(redis_client: Any) -> None:
    seeded: list[str] = []

    def seed(ns: Any) -> None:
        seeded.append(ns.name)
        ns.store.add(job("seed"))

    a = RedisNamespace("fresh", shared(redis_client), seed)
    b = RedisNamespace("fresh", shared(redis_client), seed)
    assert a.store.get("seed") is not None
    assert b.store.get("seed") is not None and len(b.store) == 1
    assert seeded == ["fresh"]


def test_freeing_removes_every_key(redis_client: Any) -> None:
    spaces = SharedNamespaces(shared(redis_client))
    ns = spaces.get("gone")
    ns.store.add(job("j", "p"))
    ns.journal.record(_entry())
    assert spaces.names() == ["gone"] and spaces.peek("gone") is not None
    assert spaces.free("gone") is True
    assert [k for k in redis_client.keys("*") if b":ns:" in k] == []
    assert spaces.names() == [] and spaces.evictions.freed == 1
    assert spaces.free("never") is False


def test_the_sweep_evicts_by_cap_and_budget_and_records_why(redis_client: Any) -> None:
    spaces = SharedNamespaces(shared(redis_client, Limits(cap=2, budget=10 * 1024 * 4)))
    for name in ("one", "two", "three"):
        spaces.get(name).store.add(job("j"))
    spaces.get("three")
    spaces.sweep()
    assert spaces.names() == ["three", "two"]
    assert [(e.namespace, e.reason) for e in spaces.evictions.recent] == [("one", "cap")]
    big = spaces.get("two")
    for n in range(60):
        big.store.add(job(f"j{n}", request_json=b'{"x":"' + b"y" * 1000 + b'"}'))
    spaces.get("three")
    spaces.sweep()
    assert spaces.names() == ["three"]
    assert spaces.evictions.counts == {"ttl": 0, "cap": 1, "memory": 1}


def test_namespaces_idle_past_the_ttl_go_and_redis_expires_them_too(redis_client: Any) -> None:
    if not hasattr(redis_client, "connection_pool") or "Fake" in type(redis_client).__name__:
        pytest.skip("expiry times need a real redis-server")
    spaces = SharedNamespaces(shared(redis_client, Limits(ttl=0.2)))
    ns = spaces.get("idle")
    ns.store.add(job("j"))
    keys = [k for k in redis_client.keys("*") if b":ns:" in k]
    assert keys and all(0 < redis_client.pttl(k) <= 1250 for k in keys)  # ttl + 1/4 + 1 s
    spaces.get("default").store.add(job("j"))  # never expires
    assert all(redis_client.pttl(k) == -1 for k in redis_client.keys("*:7:default:*"))
    redis_client.set("marker", 1, px=300)
    while redis_client.exists("marker"):  # Redis's own clock passes the TTL
        pass
    spaces.sweep()
    assert spaces.names() == ["default"]
    assert [e.reason for e in spaces.evictions.recent] == ["ttl"]


def test_a_namespace_whose_first_request_moves_its_clock_moves_it(redis_client: Any) -> None:
    """Made and moved in one transaction: nothing of it to check against Redis yet."""
    a, b = twins(redis_client, manual_clock=True)
    assert a.clock.set(ManualClock.DEFAULT_START + 5) == ManualClock.DEFAULT_START + 5
    assert b.clock.now() == ManualClock.DEFAULT_START + 5
