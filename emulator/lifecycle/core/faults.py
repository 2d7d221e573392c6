"""Scripted faults and per-namespace rate limits, decided on the namespace's counters.

Every request to an operation counts, the client's automatic re-sends included, so "fail the
first poll with 429" means the first request the emulator sees, whoever sent it.
"""

from __future__ import annotations

import math

from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.scenario import Fault, Scenario

__all__ = ["pick_fault", "rate_limit_wait"]


def pick_fault(
    ns: Namespace, scenario: Scenario, action: str | None, operation: str, job_id: str | None
) -> Fault | None:
    """The first of the scenario's faults that fires on this request (counting it)."""
    chosen: Fault | None = None
    with ns.lock:
        for index, fault in enumerate(scenario.faults):
            if fault.operation not in (action, operation):
                continue
            scope = job_id if fault.scope == "job" and job_id else "*"
            key = (scenario.name, str(index), scope)
            count = ns.fault_counts[key] = ns.fault_counts.get(key, 0) + 1
            if chosen is not None:
                continue
            if fault.times is not None and ns.fault_fired.get(key, 0) >= fault.times:
                continue
            if _fires(ns, fault, count):
                ns.fault_fired[key] = ns.fault_fired.get(key, 0) + 1
                chosen = fault
    return chosen


def _fires(ns: Namespace, fault: Fault, count: int) -> bool:
    if fault.nth is not None and count == fault.nth:
        return True
    if fault.every is not None and count % fault.every == 0:
        return True
    if fault.probability is not None:
        return ns.rng.random() < fault.probability
    return fault.nth is None and fault.every is None


def rate_limit_wait(ns: Namespace, now: float) -> int | None:
    """None if this request is within the namespace's rate limit, else seconds to wait."""
    limit = ns.rate_limit
    if limit is None:
        return None
    with ns.lock:
        window = ns.recent_requests
        while window and window[0] <= now - limit.per:
            window.popleft()
        if len(window) >= limit.requests:
            return max(1, math.ceil(window[0] + limit.per - now))
        window.append(now)
        return None
