"""Questions a test asks about the traffic its client sent, over journal entries.

The entries are the plain dicts the control plane serves (``GET /_emulator/journal``), so the
same queries work in-process and against a live server. Times are on the emulator's clock: with
a manual clock, an interval measures the time the test moved, not the time the client slept.

>>> entries = [
...     {"seq": 1, "at": 0.0, "method": "GET", "path": "/jobs/a", "operation": "getJob",
...      "action": "retrieve", "job_id": "a", "status": 200},
...     {"seq": 2, "at": 1.5, "method": "GET", "path": "/jobs/a", "operation": "getJob",
...      "action": "retrieve", "job_id": "a", "status": 200},
... ]
>>> journal = JournalQuery(lambda filters: entries)
>>> journal.intervals("retrieve")
[1.5]
>>> journal.assert_min_interval("retrieve", 1.0)
[1.5]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any, TypedDict, Unpack

__all__ = ["Entry", "Fetch", "Filters", "JournalQuery"]

Entry = dict[str, Any]
# Given the filters (control-plane query parameters), return entries in order. A fetch may
# pre-filter; JournalQuery filters again, so a fetch that returns everything is fine too.
Fetch = Callable[[dict[str, str]], list[Entry]]


class Filters(TypedDict, total=False):
    job_id: str | None
    status: int | None
    method: str | None


_SHOWN = 20  # entries listed in a failure message before "... and N more"
_EPSILON = 1e-9  # float noise in clock arithmetic must not fail a test


class JournalQuery:
    """Filter, count and time the requests recorded in one namespace's journal.

    ``operation`` matches an entry's action (``retrieve``, ``retry``, ...) or its operation key
    (``retrieveJob``), as the control plane's filter does.
    """

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    # -- queries ---------------------------------------------------------------------------------

    def entries(
        self,
        operation: str | None = None,
        *,
        job_id: str | None = None,
        status: int | None = None,
        method: str | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first."""
        filters = {
            key: str(value)
            for key, value in (
                ("operation", operation),
                ("job_id", job_id),
                ("status", status),
                ("method", method),
            )
            if value is not None
        }
        return [
            e
            for e in self._fetch(filters)
            if (operation is None or operation in (e.get("action"), e.get("operation")))
            and (job_id is None or e.get("job_id") == job_id)
            and (status is None or e.get("status") == status)
            and (method is None or str(e.get("method", "")).upper() == method.upper())
        ]

    def count(self, operation: str | None = None, **filters: Unpack[Filters]) -> int:
        return len(self.entries(operation, **filters))

    def intervals(self, operation: str | None = None, **filters: Unpack[Filters]) -> list[float]:
        """Seconds on the emulator's clock between successive matching requests."""
        times = [float(e["at"]) for e in self.entries(operation, **filters)]
        return [b - a for a, b in pairwise(times)]

    def headers(
        self, operation: str | None = None, **filters: Unpack[Filters]
    ) -> list[dict[str, str]]:
        """The request headers of each matching request (names in lower case)."""
        return [
            {str(k).lower(): str(v) for k, v in (e.get("request_headers") or {}).items()}
            for e in self.entries(operation, **filters)
        ]

    def statuses(self, operation: str | None = None, **filters: Unpack[Filters]) -> list[int]:
        """The response status of each matching request (0: the connection was dropped)."""
        return [int(e["status"]) for e in self.entries(operation, **filters)]

    # -- assertions ------------------------------------------------------------------------------

    def assert_called(
        self,
        operation: str,
        job_id: str | None = None,
        *,
        at_most: int | None = None,
        at_least: int | None = None,
        exactly: int | None = None,
    ) -> list[Entry]:
        """Fail unless ``operation`` was called so many times (by default: at least once)."""
        if at_most is None and at_least is None and exactly is None:
            at_least = 1
        found = self.entries(operation, job_id=job_id)
        n = len(found)
        wanted = []
        if exactly is not None and n != exactly:
            wanted.append(f"exactly {exactly}")
        if at_least is not None and n < at_least:
            wanted.append(f"at least {at_least}")
        if at_most is not None and n > at_most:
            wanted.append(f"at most {at_most}")
        if wanted:
            raise AssertionError(
                f"expected {_what(operation, job_id)} to be called {' and '.join(wanted)} "
                f"time(s), it was called {n} time(s){_listing(found)}"
            )
        return found

    def assert_min_interval(
        self, operation: str, seconds: float, job_id: str | None = None
    ) -> list[float]:
        """Fail if two successive matching requests came closer than ``seconds`` apart."""
        found = self.entries(operation, job_id=job_id)
        short = [(a, b) for a, b in pairwise(found) if b["at"] - a["at"] < seconds - _EPSILON]
        if short:
            lines = [
                f"  {_line(a, found[0]['at'])}\n  {_line(b, found[0]['at'])}  "
                f"<- {b['at'] - a['at']:g} s later"
                for a, b in short[:_SHOWN]
            ]
            raise AssertionError(
                f"{len(short)} of {len(found) - 1} intervals between {_what(operation, job_id)} "
                f"calls are shorter than {seconds:g} s:\n" + "\n".join(lines)
            )
        return [b["at"] - a["at"] for a, b in pairwise(found)]

    def assert_waited_after(
        self,
        status: int,
        seconds: float | None = None,
        *,
        operation: str | None = None,
        job_id: str | None = None,
    ) -> None:
        """Fail unless, after each response with ``status``, the next request waited long enough.

        The wait is ``seconds``, or what that response asked for: ``retry-after-ms``, else
        ``retry-after`` (in seconds). A response with no next request (the client gave up) is
        fine. Measured from the arrival of the refused request, on the emulator's clock: use a
        real clock (``clock="real"``) to measure a client's own sleeps.
        """
        found = self.entries(operation, job_id=job_id)
        refused = [i for i, e in enumerate(found) if e.get("status") == status]
        if not refused:
            raise AssertionError(f"no response had status {status}{_listing(found)}")
        hasty = []
        for i in refused:
            if i + 1 == len(found):
                continue  # the last request: the client stopped there
            entry, following = found[i], found[i + 1]
            wait = seconds if seconds is not None else _asked_wait(entry)
            if wait is None:
                raise AssertionError(
                    f"the {status} response to #{entry.get('seq')} carried neither retry-after-ms "
                    f"nor retry-after: pass seconds=..."
                )
            gap = float(following["at"]) - float(entry["at"])
            if gap < wait - _EPSILON:
                hasty.append(
                    f"  {_line(entry, found[0]['at'])}  (asked for {wait:g} s)\n"
                    f"  {_line(following, found[0]['at'])}  <- only {gap:g} s later"
                )
        if hasty:
            raise AssertionError(
                f"the client did not wait after {len(hasty)} {status} response(s):\n"
                + "\n".join(hasty[:_SHOWN])
            )


def _asked_wait(entry: Entry) -> float | None:
    headers: Mapping[str, Any] = {
        str(k).lower(): v for k, v in (entry.get("response_headers") or {}).items()
    }
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[name]) / scale
        except (KeyError, ValueError):
            continue
    return None


def _what(operation: str, job_id: str | None) -> str:
    return f"{operation!r}" + (f" for job {job_id}" if job_id else "")


def _line(entry: Entry, start: float) -> str:
    return (
        f"#{entry.get('seq')} {entry.get('method')} {entry.get('path')} -> {entry.get('status')} "
        f"at +{float(entry.get('at', start)) - start:g} s"
    )


def _listing(entries: list[Entry]) -> str:
    if not entries:
        return ""
    start = float(entries[0].get("at", 0.0))
    lines = [f"  {_line(e, start)}" for e in entries[:_SHOWN]]
    if len(entries) > _SHOWN:
        lines.append(f"  ... and {len(entries) - _SHOWN} more")
    return ":\n" + "\n".join(lines)
