"""The control plane under ``/_emulator/``: health, reset, clock, jobs, scenarios, journal.

It speaks plain JSON and belongs to the namespace of the request, like the API does, so a test
resets, moves time and reads the journal of its own namespace only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import JSONResponse, Response

from emulator.http.crash import CRASH_HEADERS, crash_body, crash_violation
from emulator.http.dashboard import Inspect, InspectError, ui_response
from emulator.http.dispatch import JobDispatch
from emulator.http.envelope import PROBLEM_JSON
from emulator.http.limits import Breach
from emulator.http.webhook_control import WebhookControl, WebhookControlError
from emulator.lifecycle.actions import Refusal, default_scenario
from emulator.lifecycle.journal import Exchange, Journal
from emulator.lifecycle.namespace import Namespace, Namespaces, RateLimit
from emulator.lifecycle.profile import Profile
from emulator.lifecycle.scenario import Scenario, State
from emulator.lifecycle.views import format_time
from emulator.openapi.jsonparse import parse_json
from emulator.openapi.model import Spec

__all__ = ["Control"]

# The last instant an RFC 3339 timestamp can name (9999-12-31T23:59:59Z): past it, every
# response that carries a time would fail to render.
_LATEST = 253_402_300_799.0


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Control:
    """The control endpoints of one emulator: its spec, profile and scenarios, and its jobs."""

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None,
        scenarios: Mapping[str, Scenario],
        jobs: JobDispatch,
        namespaces: Namespaces | None = None,
    ) -> None:
        self.spec = spec
        self.profile = profile
        self.scenarios = scenarios
        self.jobs = jobs
        self.inspect = Inspect(jobs.actions, self.clock, namespaces)
        self.webhooks = WebhookControl(jobs.webhooks)

    async def handle(
        self, ns: Namespace, request: HTTPRequest, path: str, raw: bytes, breach: Breach | None
    ) -> Response:
        parts = [p for p in path.split("/") if p][1:]
        method = request.method
        if parts[:1] == ["ui"] and method in ("GET", "HEAD"):
            return ui_response(parts[1:])
        try:
            if breach is not None:
                raise ControlError(413 if breach.where == "body" else 431, breach.message)
            if parts[:1] == ["webhooks"] and parts[1:] == ["receiver"] and method == "POST":
                return self.webhooks.receive(ns, request, raw)
            body = _json_body(raw)
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
                seq=ns.journal.next_seq(), at=ns.clock.now(), method=request.method,
                path=path, query=request.url.query, operation=None, action="control",
                job_id=None, status=500, request_headers=dict(request.headers),
                response_headers=dict(CRASH_HEADERS), response_body=problem,
                violations=(crash_violation(problem),),
            )
        )  # fmt: skip
        return JSONResponse(problem, 500, CRASH_HEADERS, media_type=PROBLEM_JSON)

    def _route(
        self, ns: Namespace, method: str, parts: list[str], body: Any, request: HTTPRequest
    ) -> Any:
        head = parts[0] if parts else "health"
        rest = parts[1:]
        q = request.query_params
        if (view := self.inspect.route(ns, method, head, rest, q)) is not None:
            return view
        if head == "health" and method in ("GET", "HEAD"):
            return self.health()
        if head == "reset" and method == "POST":
            clock = body.get("clock") if isinstance(body, dict) else None
            if clock not in (None, "manual", "real"):
                raise ControlError(400, "clock must be 'manual' or 'real'")
            ns.reset(manual_clock=None if clock is None else clock == "manual")
            self.webhooks.reset(ns)
            self.jobs.seed_jobs(ns)
            return {"reset": ns.name, "clock": self.clock(ns)}
        if head == "clock":
            return self._clock(ns, method, rest, body)
        if head == "jobs":
            return self._jobs(ns, method, rest, body)
        if head in ("scenarios", "scenario"):
            return self._scenarios(ns, method, body)
        if head == "journal" and method == "GET":
            return self._journal(ns, rest, q)
        if head == "rate-limit":
            return self._rate_limit(ns, method, body)
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
        }

    def clock(self, ns: Namespace) -> dict[str, Any]:
        now = ns.clock.now()
        mode = "manual" if ns.manual_clock else "real"
        return {"now": now, "iso": format_time(now, "rfc3339"), "mode": mode}

    def _clock(self, ns: Namespace, method: str, rest: list[str], body: Any) -> Any:
        if method == "GET" and not rest:
            return self.clock(ns)
        if method == "POST" and rest in (["advance"], ["set"]):
            key = "seconds" if rest == ["advance"] else "now"
            value = body.get(key) if isinstance(body, dict) else None
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ControlError(400, f'send {{"{key}": <number>}}')
            if (ns.clock.now() + value if key == "seconds" else value) > _LATEST:
                raise ControlError(400, "the clock cannot go past 9999-12-31T23:59:59Z")
            try:
                ns.clock.advance(value) if key == "seconds" else ns.clock.set(value)
            except ValueError as exc:
                raise ControlError(400, str(exc)) from None
            return self.clock(ns)
        raise ControlError(405, "use GET /_emulator/clock or POST /_emulator/clock/advance")

    def _jobs(self, ns: Namespace, method: str, rest: list[str], body: Any) -> Any:
        actions = self.jobs.actions
        if actions is None:
            raise ControlError(404, "this emulator has no profile, so it keeps no jobs")
        if not rest and method == "GET":
            return {"jobs": [self._job(ns, job.id) for job in ns.store.all()]}
        if len(rest) != 1:
            raise ControlError(404, "use /_emulator/jobs or /_emulator/jobs/{id}")
        if method == "GET":
            return self._job(ns, rest[0])
        if method in ("POST", "PUT"):
            fields = body.get("fields") if isinstance(body, dict) else None
            if (
                not isinstance(body, dict)
                or not isinstance(body.get("status"), str)
                or not (fields is None or isinstance(fields, dict))
            ):
                raise ControlError(
                    400, 'send {"status": "<status>", "error"?, "result"?, "fields"?}'
                )
            state = State(
                status=body["status"],
                error=body.get("error"),
                result=body.get("result"),
                fields=dict(fields or {}),
            )
            try:
                actions.force(ns, rest[0], state)
                self.jobs.track(ns, rest[0])
            except Refusal:
                raise ControlError(404, f"no job {rest[0]!r} in namespace {ns.name!r}") from None
            return self._job(ns, rest[0])
        raise ControlError(405, "GET, POST or PUT")

    def _job(self, ns: Namespace, job_id: str) -> dict[str, Any]:
        actions = self.jobs.actions
        assert actions is not None
        try:
            job = actions.observe(ns, job_id, poll=False)
        except Refusal:
            raise ControlError(404, f"no job {job_id!r} in namespace {ns.name!r}") from None
        return {
            "id": job.id,
            "status": actions.status_of(job),
            "scenario": job.scenario,
            "attempt": job.attempt,
            "state": job.state_index,
            "polls": job.polls,
            "view": actions.view(job, "job"),
        }

    def _scenarios(self, ns: Namespace, method: str, body: Any) -> Any:
        scenarios = self.scenarios
        if method == "PUT":
            name = body.get("default") if isinstance(body, dict) else None
            if name is not None and not isinstance(name, str):
                raise ControlError(400, 'send {"default": "<scenario name>"} or {"default": null}')
            if name is not None and name not in scenarios:
                known = ", ".join(sorted(scenarios))
                raise ControlError(400, f"unknown scenario {name!r}; known: {known}")
            ns.default_scenario = name
        return {
            "default": default_scenario(ns, self.profile, scenarios),
            "scenarios": [
                {"name": s.name, "description": s.description, "file": s.file}
                for s in scenarios.values()
            ],
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
        return {"entries": [e.as_dict() for e in entries]}

    def _rate_limit(self, ns: Namespace, method: str, body: Any) -> Any:
        if method == "DELETE":
            ns.rate_limit = None
        elif method == "PUT":
            requests, per = (
                (body.get("requests"), body.get("per")) if isinstance(body, dict) else (0, 0)
            )
            ok = isinstance(requests, int) and not isinstance(requests, bool) and requests >= 1
            if not ok or not isinstance(per, int | float) or isinstance(per, bool) or per <= 0:
                raise ControlError(400, 'send {"requests": <int>, "per": <seconds>}')
            ns.rate_limit = RateLimit(body["requests"], float(body["per"]))
        limit = ns.rate_limit
        return {"requests": limit.requests, "per": limit.per} if limit else {"requests": None}


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except ValueError:
        raise ControlError(400, "the control plane takes JSON bodies") from None
