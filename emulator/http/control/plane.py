"""The control plane under ``/_emulator/``: health, reset, clock, jobs, scenarios, journal.

It speaks plain JSON and belongs to the namespace of the request, like the API does, so a test
resets, moves time and reads the journal of its own namespace only. With ``--control-token``
every request must carry the token (``token``); journal output has its secrets redacted
(``redaction``) unless ``--journal-secrets``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import JSONResponse, Response

from emulator.http.control.dashboard_routes import Inspect, InspectError, ui_response
from emulator.http.control.evictions import EvictionControl
from emulator.http.control.namespace_state import ControlError, NamespaceControl, json_body
from emulator.http.control.redaction import Redactor
from emulator.http.control.token import ControlLock
from emulator.http.control.webhook_routes import WebhookControl, WebhookControlError
from emulator.http.crash import CRASH_HEADERS, crash_body, crash_violation
from emulator.http.dispatch import JobDispatch
from emulator.http.envelope import PROBLEM_JSON
from emulator.http.limits import Breach
from emulator.http.response_check import served_gaps
from emulator.lifecycle.core.journal import Exchange, Journal
from emulator.lifecycle.core.namespace import Namespace, Namespaces
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.model import Spec
from emulator.settings import Settings

__all__ = ["Control"]


class Control:
    """The control endpoints of one emulator: its spec, profile and scenarios, and its jobs."""

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None,
        scenarios: Mapping[str, Scenario],
        jobs: JobDispatch,
        namespaces: Namespaces | None = None,
        settings: Settings | None = None,
    ) -> None:
        settings = settings or Settings()
        self.spec = spec
        self.profile = profile
        self.scenarios = scenarios
        self.jobs = jobs
        self.lock = ControlLock(settings.control_token)
        self.redactor = Redactor(spec.security_schemes, keep=settings.journal_secrets)
        self.state = NamespaceControl(profile, scenarios, jobs)
        self.clock = self.state.clock
        self.inspect = Inspect(jobs.actions, self.clock, namespaces, self.redactor.entry)
        self.webhooks = WebhookControl(jobs.webhooks)
        self.spaces = EvictionControl(namespaces)

    async def handle(
        self, ns: Namespace, request: HTTPRequest, path: str, raw: bytes, breach: Breach | None
    ) -> Response:
        parts = [p for p in path.split("/") if p][1:]
        method = request.method
        if (refused := self.lock.refusal(request, parts)) is not None:
            return refused
        if parts[:1] == ["ui"] and method in ("GET", "HEAD"):
            return self.lock.admit(request, parts, ui_response(parts[1:]))
        try:
            if breach is not None:
                raise ControlError(413 if breach.where == "body" else 431, breach.message)
            if parts[:1] == ["webhooks"] and parts[1:] == ["receiver"] and method == "POST":
                return self.webhooks.receive(ns, request, raw)
            body = json_body(raw)
            if parts[:1] == ["webhooks"]:
                return JSONResponse(await self.webhooks.handle(ns, method, parts[1:], body))
            answer = self._route(ns, method, parts, body, request)
            if parts[:1] == ["clock"] and method == "POST" and self.jobs.webhooks is not None:
                # A test that moves time asserts on deliveries right after: deliver first.
                await self.jobs.webhooks.deliver_due(ns)
            return JSONResponse(answer)
        except (ControlError, InspectError, WebhookControlError) as exc:
            return JSONResponse({"error": str(exc)}, exc.status)
        except Exception as exc:
            return self._crashed(ns, request, path, exc)

    def _crashed(self, ns: Namespace, request: HTTPRequest, path: str, exc: Exception) -> Response:
        """A crash of the control plane, answered and journaled like one of the API's."""
        problem = crash_body(exc, request.method, path)
        ns.journal.record(
            Exchange(
                seq=0,
                at=ns.clock.now(),
                method=request.method,
                path=path,
                query=request.url.query,
                operation=None,
                action="control",
                job_id=None,
                status=500,
                request_headers=dict(request.headers),
                response_headers=dict(CRASH_HEADERS),
                response_body=problem,
                violations=(crash_violation(problem),),
            )
        )
        return JSONResponse(problem, 500, CRASH_HEADERS, media_type=PROBLEM_JSON)

    def _route(
        self, ns: Namespace, method: str, parts: list[str], body: Any, request: HTTPRequest
    ) -> Any:
        head = parts[0] if parts else "health"
        rest = parts[1:]
        q = request.query_params
        if (view := self.inspect.route(ns, method, head, rest, q)) is not None:
            return view
        unread = None
        if head == "namespace" and method == "DELETE" and "since" in q:
            # The fixture's teardown in one round trip: the violations it must report, then free.
            unread = self._journal(ns, [], {"since": q["since"], "violations": "true"})
        if (answer := self.spaces.route(ns, method, head, rest)) is not None:
            if unread is not None:
                answer["violations"] = unread["entries"]
                answer["dropped_violations"] = unread["dropped_violations"]
            return answer
        if head == "health" and method in ("GET", "HEAD"):
            return self.health()
        if head == "reset" and method == "POST":
            clock = body.get("clock") if isinstance(body, dict) else None
            if clock not in (None, "manual", "real"):
                raise ControlError(400, "clock must be 'manual' or 'real'")
            gaps = served_gaps(ns.journal.entries())  # what the journal held, for the report
            ns.reset(manual_clock=None if clock is None else clock == "manual")
            self.webhooks.reset(ns)
            self.jobs.seed_jobs(ns)
            return {"reset": ns.name, "clock": self.clock(ns), "spec_gaps": gaps}
        if head == "clock":
            return self.state.clock_call(ns, method, rest, body)
        if head == "jobs":
            return self.state.jobs_call(ns, method, rest, body)
        if head in ("scenarios", "scenario"):
            return self.state.scenarios_call(ns, method, body)
        if head == "journal" and method == "GET":
            return self._journal(ns, rest, q)
        if head == "rate-limit":
            return self.state.rate_limit_call(ns, method, body)
        if head == "openapi.json" and method == "GET":
            return self.spec.document
        raise ControlError(404, f"no control endpoint {method} /_emulator/{'/'.join(parts)}")

    def health(self) -> dict[str, Any]:
        e = self
        return {
            "status": "ok",
            "spec": e.spec.title,
            "profile": e.profile.name if e.profile else None,
            "operations": len(e.spec.operations),
            **self.spaces.counts(),
        }

    def _journal(self, ns: Namespace, rest: list[str], q: Any) -> Any:
        status, since, violations = q.get("status"), q.get("since") or "0", q.get("violations")
        if not (since.isdigit() and (status is None or status.isdigit())):
            raise ControlError(400, "status and since are integers")
        if violations not in (None, "true", "false"):
            raise ControlError(400, "violations is true or false")
        entries = ns.journal.entries(
            operation=q.get("operation"),
            job_id=q.get("job_id"),
            status=None if status is None else int(status),
            method=q.get("method"),
            with_violations=None if violations is None else violations == "true",
            since=int(since),
        )
        if rest == ["summary"]:
            gaps = Journal.intervals(entries)
            return {
                "count": len(entries),
                "intervals": gaps,
                "min_interval": min(gaps) if gaps else None,
                "statuses": [e.status for e in entries],
            }
        ns.journal.seen(entries)  # read: their violations need not outlive eviction now
        return {
            "entries": [self.redactor.entry(e.as_dict()) for e in entries],
            "dropped": ns.journal.dropped,
            "dropped_violations": ns.journal.dropped_violations,
        }
