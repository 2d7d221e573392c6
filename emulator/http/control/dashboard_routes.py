"""The dashboard's routes: the page at ``/_emulator/ui`` and the read-only views it polls.

The page is static (``emulator/dashboard/assets``); everything it shows comes from the
endpoints below, which page through jobs and journal so 10,000 of each stay cheap to draw:
``namespaces``, ``activity`` (what changed, polled every few hundred milliseconds),
``jobs?offset=&limit=`` (newest first), ``jobs/{id}/timeline``, ``journal/page`` and
``journal/export`` (the report's data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from emulator.dashboard.failure_report import CONTENT_TYPES, asset, page
from emulator.dashboard.snapshot import export
from emulator.dashboard.timeline import job_summary, job_timeline
from emulator.http.control.call import ControlCall, ControlError
from emulator.http.control.namespace_state import clock_of
from emulator.lifecycle.core.actions import JobActions, Refusal
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.namespace import Namespace, Namespaces

__all__ = ["Inspect", "ui_response"]

_ASSETS = ("dashboard.css", "dashboard.js")
_PAGE_LIMIT = 500
_KINDS = {
    "violations": lambda e: bool(e.violations),
    "faults": lambda e: e.fault is not None,
    "gaps": lambda e: e.spec_gap is not None,  # journaled by http.response_check.spec_gap
}


def ui_response(name: str | None) -> Response:
    """``/_emulator/ui`` is the page; ``/_emulator/ui/<asset>`` its style and script."""
    if name is None:
        return Response(page(), media_type="text/html", headers={"cache-control": "no-cache"})
    if name not in _ASSETS:
        return Response(f"no dashboard file {name!r}", 404, media_type="text/plain")
    media = CONTENT_TYPES["." + name.rsplit(".", 1)[1]]
    return Response(asset(name), media_type=media, headers={"cache-control": "no-cache"})


def _summary(ns: Namespace) -> dict[str, Any]:
    journal = ns.journal
    exchanges = len(journal)
    last = journal.last_seq if exchanges else 0
    return {"name": ns.name, "jobs": len(ns.store), "exchanges": exchanges, "last_seq": last}


def _int(q: Mapping[str, str], name: str, default: int, top: int) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ControlError(400, f"{name} is a non-negative integer, not {raw!r}")
    return min(int(raw), top)


class Inspect:
    """Read-only views of one namespace for the dashboard and reports."""

    def __init__(
        self,
        actions: JobActions | None,
        namespaces: Namespaces,
        shown: Callable[[dict[str, Any]], dict[str, Any]] = lambda entry: entry,
    ) -> None:
        self.actions = actions
        self.namespaces = namespaces
        # A journal entry as it may leave the emulator (secrets redacted).
        self.shown = shown

    def every_namespace(self, call: ControlCall) -> dict[str, Any]:
        every = self.namespaces.live()
        return {"namespaces": [_summary(n) for n in sorted(every, key=lambda n: n.name)]}

    def activity(self, call: ControlCall) -> dict[str, Any]:
        return {**_summary(call.ns), "clock": clock_of(call.ns)}

    def jobs_page(self, call: ControlCall) -> dict[str, Any]:
        return self._jobs_page(call.ns, call.query)

    def timeline(self, call: ControlCall) -> dict[str, Any]:
        return self._timeline(call.ns, call.params["id"])

    def journal_page(self, call: ControlCall) -> dict[str, Any]:
        return self._journal_page(call.ns, call.query)

    def journal_export(self, call: ControlCall) -> dict[str, Any]:
        return export(call.ns, self.actions, clock_of(call.ns), self.shown)

    def _jobs_page(self, ns: Namespace, q: Mapping[str, str]) -> dict[str, Any]:
        actions = self.actions
        if actions is None:
            raise ControlError(404, "this emulator has no profile, so it keeps no jobs")
        offset, limit = _int(q, "offset", 0, 10**9), _int(q, "limit", 50, _PAGE_LIMIT)
        wanted = q.get("status") or None
        ids = [i for i in reversed(ns.store.ids()) if ns.store.get(i) is not None]
        if wanted is None:
            total = len(ids)
            jobs = [r for i in ids[offset : offset + limit] if (r := self._row(ns, i))]
        else:  # the status is only known once each job is brought up to the clock
            matching = [r for i in ids if (r := self._row(ns, i)) and r["status"] == wanted]
            total, jobs = len(matching), matching[offset : offset + limit]
        return {"total": total, "offset": offset, "limit": limit, "jobs": jobs}

    def _row(self, ns: Namespace, job_id: str) -> dict[str, Any] | None:
        actions = self.actions
        assert actions is not None
        try:
            job = actions.observe(ns, job_id, poll=False)
        except Refusal:
            return None
        return job_summary(job, actions.status_of(job), actions.rules)

    def _timeline(self, ns: Namespace, job_id: str) -> dict[str, Any]:
        actions = self.actions
        if actions is None:
            raise ControlError(404, "this emulator has no profile, so it keeps no jobs")
        try:
            job = actions.observe(ns, job_id, poll=False)
        except Refusal:
            raise ControlError(404, f"no job {job_id!r} in namespace {ns.name!r}") from None
        entries = [self.shown(e.as_dict()) for e in ns.journal.entries(job_id=job_id)]
        now = ns.clock.now()
        return job_timeline(job, actions.status_of(job), now, entries, actions.rules)

    def _journal_page(self, ns: Namespace, q: Mapping[str, str]) -> dict[str, Any]:
        offset, limit = _int(q, "offset", 0, 10**9), _int(q, "limit", 100, _PAGE_LIMIT)
        kind, text, order = q.get("kind") or None, (q.get("q") or "").lower(), q.get("order")
        if kind is not None and kind not in _KINDS:
            raise ControlError(400, f"kind is one of {', '.join(_KINDS)}, not {kind!r}")
        if order not in (None, "asc", "desc"):
            raise ControlError(400, f"order is asc or desc, not {order!r}")
        status = _int(q, "status", 0, 999) if q.get("status") else None
        entries = ns.journal.entries(
            operation=q.get("operation") or None,
            job_id=q.get("job_id") or None,
            status=status,
            method=q.get("method") or None,
        )
        if kind is not None:
            entries = [e for e in entries if _KINDS[kind](e)]
        if text:
            entries = [e for e in entries if text in _haystack(e)]
        if order != "asc":
            entries.reverse()
        chosen = entries[offset : offset + limit]
        return {
            "total": len(entries),
            "offset": offset,
            "limit": limit,
            "entries": [self.shown(e.as_dict()) for e in chosen],
        }


def _haystack(e: Exchange) -> str:
    return f"{e.method} {e.path} {e.operation} {e.action} {e.job_id} {e.status}".lower()
