"""emulator.lifecycle.core.clock: the time every timestamp and lifecycle deadline reads."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from emulator.lifecycle.core.clock import Clock, ManualClock, OffsetClock, SystemClock


def test_manual_clock_starts_at_a_fixed_recent_instant() -> None:
    clock = ManualClock()
    assert clock.now() == ManualClock.DEFAULT_START
    assert datetime.fromtimestamp(clock.now(), UTC) == datetime(2026, 1, 1, tzinfo=UTC)
    assert ManualClock(start=5.0).now() == 5.0


def test_manual_clock_stands_still_until_told() -> None:
    clock = ManualClock(start=100.0)
    assert clock.now() == clock.now() == 100.0


def test_advance_moves_forward_and_returns_the_new_time() -> None:
    clock = ManualClock(start=100.0)
    assert clock.advance(90) == 190.0
    assert clock.advance(0.5) == 190.5
    assert clock.advance(0) == 190.5
    assert clock.now() == 190.5


def test_time_never_runs_backwards() -> None:
    clock = ManualClock(start=100.0)
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(99.0)
    assert clock.now() == 100.0


def test_set_jumps_forward_or_stays() -> None:
    clock = ManualClock(start=100.0)
    assert clock.set(100.0) == 100.0
    assert clock.set(250.0) == 250.0
    assert clock.now() == 250.0


def test_concurrent_advances_all_count() -> None:
    clock = ManualClock(start=0.0)

    def advance() -> None:
        for _ in range(1000):
            clock.advance(1)

    threads = [threading.Thread(target=advance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == 4000.0


def test_system_clock_is_wall_time() -> None:
    before = time.time()
    now = SystemClock().now()
    assert before <= now <= time.time()


def test_offset_clock_adds_the_pushed_offset_to_its_base() -> None:
    base = ManualClock(start=1_000.0)
    clock = OffsetClock(base)
    assert clock.now() == 1_000.0
    assert clock.advance(60) == 1_060.0
    base.advance(5)  # real time keeps running underneath
    assert clock.now() == 1_065.0
    assert clock.set(2_000.0) == 2_000.0
    base.advance(1)
    assert clock.now() == 2_001.0


def test_offset_clock_never_runs_backwards() -> None:
    clock = OffsetClock(ManualClock(start=1_000.0))
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-0.1)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(999.0)
    assert clock.now() == 1_000.0


def test_offset_clock_defaults_to_wall_time() -> None:
    clock = OffsetClock()
    assert abs(clock.now() - time.time()) < 5
    assert clock.advance(3_600) - time.time() > 3_500


def test_every_clock_satisfies_the_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), ManualClock(), OffsetClock()]
    assert all(isinstance(c.now(), float) for c in clocks)
