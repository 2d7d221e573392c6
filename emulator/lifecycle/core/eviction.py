"""When a namespace goes, and the record of it: idle past a TTL, past a cap on how many there
are, past the memory budget of jobs and journals, or freed by its owner (a test at teardown).

The namespaces idle longest go first. ``default`` is what people use by hand (``curl`` with no
namespace), so neither the TTL nor the cap evicts it; the memory budget does, last of all if it
is the one in use. Every eviction is counted and kept (the last 1,000) for
``GET /_emulator/evictions``; the counts are in ``GET /_emulator/health``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["NAMESPACE_BYTES", "Eviction", "Evictions", "Limits", "Reason"]

Reason = Literal["ttl", "cap", "memory"]
REASONS: tuple[Reason, ...] = ("ttl", "cap", "memory")
# An empty namespace (clock, store, journal, two seeded RNGs, locks), measured with tracemalloc.
NAMESPACE_BYTES = 10 * 1024
_RECENT = 1000


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a namespace may stay idle (seconds; 0: for ever), how many may exist (0: any
    number) and how many bytes their jobs and journals may hold in all (0: any)."""

    ttl: float = 0.0
    cap: int = 0
    budget: int = 0


@dataclass(frozen=True, slots=True)
class Eviction:
    namespace: str
    reason: Reason
    at: float  # unix time, wall clock: evictions are the server's, not a namespace's
    idle: float  # seconds since its last request
    bytes: int
    jobs: int
    exchanges: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "reason": self.reason,
            "at": self.at,
            "idle": round(self.idle, 3),
            "bytes": self.bytes,
            "jobs": self.jobs,
            "exchanges": self.exchanges,
        }


class Evictions:
    """Counts by reason since the server started, the namespaces freed, the last evictions."""

    def __init__(self) -> None:
        self.counts: dict[Reason, int] = dict.fromkeys(REASONS, 0)
        self.freed = 0
        self.recent: deque[Eviction] = deque(maxlen=_RECENT)

    def note(self, eviction: Eviction) -> None:
        self.counts[eviction.reason] += 1
        self.recent.append(eviction)

    @staticmethod
    def wall_clock() -> float:
        return time.time()
