"""Time as the emulator sees it.

Every timestamp the emulator writes and every lifecycle deadline reads one ``Clock``, so a
test that owns a ``ManualClock`` owns time itself: lifecycles move when the test says so.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "OffsetClock", "SystemClock"]


class Clock(Protocol):
    """Seconds since the Unix epoch, as a float."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to.

    >>> clock = ManualClock(start=1_700_000_000.0)
    >>> clock.advance(90)
    1700000090.0
    """

    # A fixed, recent instant so that unix and RFC 3339 timestamps look real in responses.
    DEFAULT_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward; returns the new time. Time never runs backwards."""
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by a negative amount ({seconds})")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, instant: float) -> float:
        """Jump to ``instant`` (seconds since the epoch), forwards only."""
        with self._lock:
            if instant < self._now:
                raise ValueError(f"cannot move the clock backwards ({instant} < {self._now})")
            self._now = float(instant)
            return self._now


class OffsetClock:
    """Wall-clock time plus however far a test has pushed it forward.

    Lets ``POST /_emulator/clock/advance`` work with ``--clock real`` too.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = 0.0

    def now(self) -> float:
        return self._base.now() + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"cannot advance the clock by a negative amount ({seconds})")
        self._offset += seconds
        return self.now()

    def set(self, instant: float) -> float:
        if instant < self.now():
            raise ValueError(f"cannot move the clock backwards ({instant} < {self.now()})")
        self._offset += instant - self.now()
        return self.now()
