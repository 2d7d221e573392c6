"""Control endpoints about namespaces themselves: freeing one, what was evicted, what they hold.

``DELETE /_emulator/namespace`` frees the request's namespace (the pytest fixture's teardown),
answering the spec gaps its journal held;
``GET /_emulator/evictions`` lists the last evictions with the reason for each; ``health``
carries the counts and the bytes held against the budget.
"""

from __future__ import annotations

from typing import Any

from emulator.http.control.call import ControlCall
from emulator.http.response_check import served_gaps
from emulator.lifecycle.core.namespace import Namespaces

__all__ = ["EvictionControl"]


class EvictionControl:
    def __init__(self, namespaces: Namespaces) -> None:
        self.namespaces = namespaces

    def free(self, call: ControlCall) -> dict[str, Any]:
        """Forget the request's namespace; the next request under its name starts a new one."""
        ns = call.ns
        gaps = served_gaps(ns.journal.entries())  # for the pytest plugin's summary
        return {"freed": ns.name, "existed": self.namespaces.free(ns.name), "spec_gaps": gaps}

    def evictions(self, call: ControlCall) -> dict[str, Any]:
        recent = self.namespaces.evictions.recent
        return {**self.counts(), "evictions": [e.as_dict() for e in reversed(recent)]}

    def counts(self) -> dict[str, Any]:
        """For ``health``: namespaces live, freed and evicted (by reason), bytes against budget."""
        spaces = self.namespaces
        limits = spaces.limits
        return {
            "namespaces": {
                "live": len(spaces),
                "max": limits.cap or None,
                "ttl": limits.ttl or None,
                "freed": spaces.evictions.freed,
                "evicted": dict(spaces.evictions.counts),
            },
            "memory": {"bytes": spaces.nbytes(), "max": limits.budget or None},
        }
