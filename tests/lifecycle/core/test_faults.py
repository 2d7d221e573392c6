"""emulator.lifecycle.core.faults: which scripted fault fires on a request, and the namespace rate
limit."""

from __future__ import annotations

from typing import Any

from emulator.lifecycle.core.faults import pick_fault, rate_limit_wait
from emulator.lifecycle.core.namespace import Namespace, RateLimit
from emulator.lifecycle.core.scenario import Attempt, Fault, Scenario, State


def namespace(name: str = "t", seed: int = 0) -> Namespace:
    return Namespace(name, manual_clock=True, seed=seed, journal_limit=100)


def scenario(*faults: Fault, name: str = "faulty") -> Scenario:
    return Scenario(name, f"{name}.yaml", "", (Attempt((State("done"),)),), faults=faults)


def fault(operation: str = "retrieve", **fields: Any) -> Fault:
    return Fault(operation=operation, **{"status": 500, **fields})


def fired(
    ns: Namespace,
    sc: Scenario,
    n: int,
    *,
    action: str | None = "retrieve",
    operation: str = "retrieveJob",
    job_id: str | None = "j1",
) -> list[int]:
    """The 1-based request numbers on which some fault fired, out of ``n`` requests."""
    return [i for i in range(1, n + 1) if pick_fault(ns, sc, action, operation, job_id) is not None]


def test_nth_fires_on_that_request_only() -> None:
    assert fired(namespace(), scenario(fault(nth=2)), 6) == [2]


def test_every_fires_on_each_multiple() -> None:
    assert fired(namespace(), scenario(fault(every=3)), 10) == [3, 6, 9]


def test_no_trigger_means_every_request() -> None:
    assert fired(namespace(), scenario(fault()), 3) == [1, 2, 3]


def test_times_caps_how_often_a_fault_fires() -> None:
    assert fired(namespace(), scenario(fault(times=2)), 5) == [1, 2]
    assert fired(namespace(), scenario(fault(every=2, times=2)), 10) == [2, 4]


def test_probability_zero_and_one() -> None:
    assert fired(namespace(), scenario(fault(probability=0.0)), 20) == []
    assert fired(namespace(), scenario(fault(probability=1.0)), 5) == [1, 2, 3, 4, 5]


def test_probability_is_reproducible_per_seed_and_namespace() -> None:
    sc = scenario(fault(probability=0.5))
    first = fired(namespace("a", seed=7), sc, 200)
    assert first == fired(namespace("a", seed=7), sc, 200)
    assert first != fired(namespace("b", seed=7), sc, 200)
    assert first != fired(namespace("a", seed=8), sc, 200)
    assert 60 < len(first) < 140


def test_operation_matches_the_action_or_the_operation_key() -> None:
    by_action = scenario(fault("retrieve", nth=1))
    assert fired(namespace(), by_action, 1, action="retrieve", operation="retrieveJob") == [1]
    by_key = scenario(fault("retrieveJob", nth=1))
    assert fired(namespace(), by_key, 1, action="retrieve", operation="retrieveJob") == [1]
    by_path = scenario(fault("GET /job/{id}", nth=1))
    assert fired(namespace(), by_path, 1, action=None, operation="GET /job/{id}") == [1]


def test_other_operations_neither_fire_nor_count() -> None:
    ns, sc = namespace(), scenario(fault("retry", nth=2))
    assert fired(ns, sc, 3, action="retrieve") == []
    assert fired(ns, sc, 2, action="retry", operation="retryJob") == [2]


def test_job_scope_counts_each_job_separately() -> None:
    ns, sc = namespace(), scenario(fault(nth=2))
    assert fired(ns, sc, 1, job_id="a") == []
    assert fired(ns, sc, 1, job_id="b") == []
    assert fired(ns, sc, 1, job_id="a") == [1]  # a's second request
    assert fired(ns, sc, 1, job_id="b") == [1]


def test_namespace_scope_counts_across_jobs() -> None:
    ns, sc = namespace(), scenario(fault(nth=2, scope="namespace"))
    assert fired(ns, sc, 1, job_id="a") == []
    assert fired(ns, sc, 1, job_id="b") == [1]
    assert fired(ns, sc, 4, job_id="c") == []


def test_requests_without_a_job_share_one_counter() -> None:
    ns, sc = namespace(), scenario(fault("create", nth=2))
    assert fired(ns, sc, 3, action="create", operation="createJob", job_id=None) == [2]


def test_first_matching_fault_wins_but_every_matching_fault_counts() -> None:
    first, second = fault(nth=1, status=503), fault(nth=2, status=429)
    ns, sc = namespace(), scenario(first, second)
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is first
    # The second fault counted request 1 even though the first one answered it.
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is second
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is None


def test_a_fault_that_loses_to_an_earlier_one_is_not_used_up() -> None:
    first, second = fault(nth=1, status=503), fault(times=1, status=429)
    ns, sc = namespace(), scenario(first, second)
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is first  # both would fire
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is second
    assert pick_fault(ns, sc, "retrieve", "retrieveJob", "j") is None


def test_counters_are_per_scenario_and_reset_with_the_namespace() -> None:
    ns = namespace()
    one, two = scenario(fault(nth=2), name="one"), scenario(fault(nth=2), name="two")
    assert fired(ns, one, 1) == []
    assert fired(ns, two, 1) == []
    assert fired(ns, one, 1) == [1]
    ns.reset()
    assert fired(ns, one, 2) == [2]


def test_namespaces_do_not_share_counters() -> None:
    sc = scenario(fault(nth=2))
    a, b = namespace("a"), namespace("b")
    assert fired(a, sc, 1) == []
    assert fired(b, sc, 1) == []
    assert fired(a, sc, 1) == [1]


# --- rate limit -----------------------------------------------------------------------------


def test_no_rate_limit_never_waits() -> None:
    ns = namespace()
    assert all(rate_limit_wait(ns, 0.0) is None for _ in range(100))


def test_rate_limit_refuses_past_the_budget_with_the_seconds_to_wait() -> None:
    ns = namespace()
    ns.rate_limit = RateLimit(requests=2, per=10.0)
    assert rate_limit_wait(ns, 0.0) is None
    assert rate_limit_wait(ns, 1.0) is None
    assert rate_limit_wait(ns, 2.0) == 8  # the oldest request leaves the window at t=10
    assert rate_limit_wait(ns, 9.5) == 1  # rounded up, never 0
    assert rate_limit_wait(ns, 10.0) is None  # t=0 is out of the window now
    assert rate_limit_wait(ns, 10.5) == 1  # t=1 leaves at 11


def test_refused_requests_do_not_use_the_budget() -> None:
    ns = namespace()
    ns.rate_limit = RateLimit(requests=1, per=5.0)
    assert rate_limit_wait(ns, 0.0) is None
    for t in (1.0, 2.0, 3.0, 4.0):
        assert rate_limit_wait(ns, t) is not None
    assert rate_limit_wait(ns, 5.0) is None
