"""Control endpoints about namespaces themselves: freeing one, what was evicted, what they hold.

``DELETE /_emulator/namespace`` frees the request's namespace (the pytest fixture's teardown),
answering the spec gaps its journal held;
``GET /_emulator/evictions`` lists the last evictions with the reason for each; ``health``
carries the counts and the bytes held against the budget.
"""

from __future__ import annotations

from typing import Any

from emulator.http.response_check import served_gaps
from emulator.lifecycle.core.namespace import Namespace, Namespaces

__all__ = ["EvictionControl"]


class EvictionControl:
    def __init__(self, namespaces: Namespaces | None) -> None:
        self.namespaces = namespaces

    def route(self, ns: Namespace, method: str, head: str, rest: list[str]) -> Any | None:
        """The answer, or None when the path is not one of these endpoints."""
        spaces = self.namespaces
        if spaces is None or rest:
            return None
        if head == "namespace" and method == "DELETE":
            gaps = served_gaps(ns.journal.entries())  # for the pytest plugin's summary
            return {"freed": ns.name, "existed": spaces.free(ns.name), "spec_gaps": gaps}
        if head == "evictions" and method == "GET":
            return {
                **self.counts(),
                "evictions": [e.as_dict() for e in reversed(spaces.evictions.recent)],
            }
        return None

    def counts(self) -> dict[str, Any]:
        """For ``health``: namespaces live, freed and evicted (by reason), bytes against budget."""
        spaces = self.namespaces
        if spaces is None:
            return {}
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
