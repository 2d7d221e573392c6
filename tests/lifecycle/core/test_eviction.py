"""emulator.lifecycle.core.namespace / eviction: namespaces freed, evicted when idle past a TTL,
past
a cap on their number and past the memory budget, oldest idle first, each eviction recorded."""

from __future__ import annotations

from emulator.lifecycle.core.eviction import NAMESPACE_BYTES, Limits
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.namespace import Namespace, Namespaces


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def spaces(limits: Limits) -> tuple[Namespaces, Ticks]:
    made = Namespaces(
        lambda name: Namespace(name, manual_clock=True, seed=0, journal_limit=100), limits
    )
    ticks = Ticks()
    made.monotonic = ticks
    return made, ticks


def fill(ns: Namespace, nbytes: int) -> None:
    body = b'"' + b"x" * (nbytes - 2) + b'"'
    ns.journal.record(Exchange(0, 0.0, "POST", "/", "", None, None, None, 200, {}, {}, body))


def test_freeing_forgets_the_namespace_and_a_later_use_starts_a_new_one() -> None:
    made, _ = spaces(Limits())
    first = made.get("t1")
    fill(first, 1000)
    assert made.free("t1") and not made.free("t1")
    assert made.peek("t1") is None and made.names() == []
    assert made.get("t1") is not first and len(made.get("t1").journal) == 0
    assert made.evictions.freed == 1 and made.evictions.counts["ttl"] == 0


def test_idle_past_the_ttl_is_evicted_and_recorded_but_default_stays() -> None:
    made, ticks = spaces(Limits(ttl=60))
    for name in ("default", "old", "busy"):
        made.get(name)
    ticks.now += 50
    made.get("busy")
    ticks.now += 20  # old: idle 70 s; busy: 20 s; default: 70 s but exempt
    made.sweep()
    assert made.names() == ["busy", "default"]
    (gone,) = made.evictions.recent
    assert (gone.namespace, gone.reason, gone.idle) == ("old", "ttl", 70.0)
    assert made.evictions.counts == {"ttl": 1, "cap": 0, "memory": 0}


def test_a_sweep_runs_by_itself_on_a_request_at_most_every_quarter_second() -> None:
    made, ticks = spaces(Limits(ttl=60))
    made.get("old")
    ticks.now += 61
    made.get("new")  # the request that notices
    assert made.names() == ["new"]


def test_past_the_cap_the_one_idle_longest_goes() -> None:
    made, ticks = spaces(Limits(cap=3))
    for name in ("a", "b", "c"):
        made.get(name)
        ticks.now += 1
    made.get("a")  # a is used again: b is now idle longest
    made.get("d")
    assert made.names() == ["a", "c", "d"]
    assert [(e.namespace, e.reason) for e in made.evictions.recent] == [("b", "cap")]


def test_over_the_budget_the_idle_longest_go_until_it_fits() -> None:
    # Each is an empty namespace plus a ~50 kB journal entry: three fit.
    made, ticks = spaces(Limits(budget=3 * (NAMESPACE_BYTES + 52_000)))
    for name in ("a", "b", "c", "d", "e"):
        fill(made.get(name), 50_000)
        ticks.now += 1
    made.sweep()
    assert made.names() == ["c", "d", "e"]
    assert made.nbytes() <= made.limits.budget
    assert [(e.namespace, e.reason) for e in made.evictions.recent] == [
        ("a", "memory"),
        ("b", "memory"),
    ]
    assert made.evictions.recent[0].bytes > 50_000 and made.evictions.recent[0].exchanges == 1


def test_the_namespace_in_use_is_not_evicted_for_memory_even_alone_over_budget() -> None:
    made, _ = spaces(Limits(budget=1000))
    fill(made.get("only"), 100_000)
    made.sweep()
    assert made.names() == ["only"]


def test_looking_is_not_using() -> None:
    made, ticks = spaces(Limits(ttl=60))
    made.get("a")
    ticks.now += 61
    assert made.peek("a") is not None and [ns.name for ns in made.live()] == ["a"]
    made.sweep()
    assert made.peek("a") is None
