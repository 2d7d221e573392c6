"""The control plane under ``/_emulator/``, as one table of routes (``Control.routes``).

It speaks plain JSON and belongs to the namespace of the request, like the API does, so a test
resets, moves time and reads the journal of its own namespace only. With ``--control-token``
every request must carry the token (``token``); journal output has its secrets redacted
(``redaction``) unless ``--journal-secrets``. A path the table does not hold is a 404, a method
its route does not take a 405 with ``Allow``; whatever an endpoint raises besides
``ControlError`` is answered and journaled like a crash of the API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from emulator.errors import StateUnavailable
from emulator.http.control.call import ControlCall, ControlError, ControlRoute, json_body
from emulator.http.control.dashboard_routes import Inspect, ui_response
from emulator.http.control.evictions import EvictionControl
from emulator.http.control.namespace_state import NamespaceControl, clock_of
from emulator.http.control.redaction import Redactor
from emulator.http.control.token import ControlLock
from emulator.http.control.webhook_routes import ReceiverState, WebhookControl
from emulator.http.crash import CRASH_HEADERS, crash_body, crash_violation
from emulator.http.delivery.scheduler import WebhookHub
from emulator.http.limits import Breach
from emulator.http.response_check import served_gaps
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.journal import Exchange, Journal
from emulator.lifecycle.core.namespace import Namespace, Namespaces
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.render.envelope import PROBLEM_JSON
from emulator.openapi.model import Spec
from emulator.settings import Settings

__all__ = ["Control", "SharedPlane"]


@dataclass(frozen=True, slots=True)
class SharedPlane:
    """What the control plane needs when the namespaces live in shared state (``--state``):
    ``health()`` says where it is and whether it answers; ``receiver(ns)`` is a namespace's
    built-in webhook receiver, kept there too (any worker may get a delivery)."""

    health: Callable[[], dict[str, Any]]
    receiver: Callable[[Namespace], ReceiverState]


class Control:
    """The control endpoints of one emulator: its spec, profile and scenarios, and its jobs.

    ``prepare`` makes a namespace as new (its seed jobs, its webhook subscriptions): a reset
    calls it, as creating a namespace does. Each call runs as one step of its namespace
    (``Namespace.atomically``: one transaction on shared state, ``shared``).
    """

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None,
        scenarios: Mapping[str, Scenario],
        *,
        actions: JobActions | None,
        webhooks: WebhookHub | None,
        namespaces: Namespaces,
        prepare: Callable[[Namespace], None],
        settings: Settings,
        shared: SharedPlane | None = None,
    ) -> None:
        self.spec = spec
        self.profile = profile
        self.prepare = prepare
        self.lock = ControlLock(settings.control_token)
        self.redactor = Redactor(spec.security_schemes, keep=settings.journal_secrets)
        self.state = NamespaceControl(profile, scenarios, actions, webhooks)
        self.inspect = Inspect(actions, namespaces, self.redactor.entry)
        self.webhooks = WebhookControl(webhooks, None if shared is None else shared.receiver)
        self.spaces = EvictionControl(namespaces)
        self._state_health = None if shared is None else shared.health
        self.routes = self._table()

    def _table(self) -> list[ControlRoute]:
        """Every control endpoint, in the order of docs/reference/control-api.md."""
        state, views, spaces, hooks = self.state, self.inspect, self.spaces, self.webhooks
        return [
            ControlRoute("/", self.health, "GET", atomic=False),
            ControlRoute("/health", self.health, "GET", atomic=False),
            ControlRoute("/namespace", self.free_namespace, "DELETE"),
            ControlRoute("/evictions", spaces.evictions, "GET"),
            ControlRoute("/reset", self.reset, "POST"),
            ControlRoute("/clock", state.clock, "GET"),
            ControlRoute("/clock/advance", state.advance, "POST"),
            ControlRoute("/clock/set", state.set, "POST"),
            ControlRoute("/scenarios", state.scenarios_view, "GET", "PUT"),
            ControlRoute("/scenario", state.scenarios_view, "GET", "PUT"),
            ControlRoute("/jobs", self.jobs, "GET"),
            # Before /jobs/{id:path}: a job's id may be <partition>/<name>.
            ControlRoute("/jobs/{id:path}/timeline", views.timeline, "GET"),
            ControlRoute("/jobs/{id:path}", state.job, "GET"),
            ControlRoute("/jobs/{id:path}", state.force, "POST", "PUT"),
            ControlRoute("/journal", self.journal, "GET"),
            ControlRoute("/journal/summary", self.journal_summary, "GET"),
            ControlRoute("/rate-limit", state.rate_limit, "GET", "PUT", "DELETE"),
            ControlRoute("/webhooks", hooks.subscriptions, "GET", "PUT", "POST", "DELETE"),
            ControlRoute("/webhooks/request-secret", hooks.request_secret, "GET"),
            ControlRoute("/webhooks/deliveries", hooks.deliveries, "GET"),
            ControlRoute("/webhooks/flush", hooks.flush, "POST"),
            ControlRoute("/webhooks/receiver", hooks.receive, "POST", body="raw", open=True),
            ControlRoute("/webhooks/receiver", hooks.script_receiver, "PUT"),
            ControlRoute("/webhooks/received", hooks.received, "GET"),
            ControlRoute("/openapi.json", self.openapi, "GET"),
            ControlRoute("/ui", self.ui, "GET", body="none"),
            ControlRoute("/ui/{asset}", self.ui, "GET", body="none"),
            ControlRoute("/namespaces", views.every_namespace, "GET"),
            ControlRoute("/activity", views.activity, "GET"),
            ControlRoute("/journal/page", views.journal_page, "GET"),
            ControlRoute("/journal/export", views.journal_export, "GET"),
        ]

    async def handle(
        self, ns: Namespace, request: HTTPRequest, path: str, raw: bytes, breach: Breach | None
    ) -> Response:
        """Answer the control request ``request`` (``path`` without any namespace prefix)."""
        method = request.method
        route, params, allowed = self._match(method, path.removeprefix("/_emulator") or "/")
        if route is None or not route.open:
            refused = self.lock.refusal(request, page=_is_page(path))
            if refused is not None:
                return refused
        try:
            if route is None:
                raise self._not_found(method, path, allowed)
            if breach is not None and route.reads != "none":
                raise ControlError(413 if breach.where == "body" else 431, breach.message)
            body = json_body(raw) if route.reads == "json" else None
            call = ControlCall(ns, request, params, body, raw)
            # An async endpoint (one that delivers webhooks) makes its own steps atomic.
            endpoint = route.endpoint
            answer = ns.atomically(lambda: endpoint(call)) if route.atomic else endpoint(call)
            if isawaitable(answer):
                answer = await answer
        except ControlError as exc:
            return JSONResponse({"error": str(exc)}, exc.status, exc.headers or None)
        except StateUnavailable as exc:
            return JSONResponse({"error": str(exc)}, 503, {"retry-after": "1"})
        except Exception as exc:
            return self._crashed(ns, request, path, exc)
        return answer if isinstance(answer, Response) else JSONResponse(answer)

    def _match(
        self, method: str, path: str
    ) -> tuple[ControlRoute | None, Mapping[str, str], list[str]]:
        """The route that takes ``method`` on ``path`` and its parameters; else None and the
        methods other routes take on that path (for a 405's ``Allow``)."""
        scope = {"type": "http", "path": path, "method": method}
        allowed: list[str] = []
        for route in self.routes:
            found, child = route.matches(scope)
            if found is Match.FULL:
                return route, child["path_params"], []
            if found is Match.PARTIAL:
                allowed += sorted(route.methods or ())
        return None, {}, allowed

    def _not_found(self, method: str, path: str, allowed: list[str]) -> ControlError:
        if allowed:
            methods = ", ".join(dict.fromkeys(allowed))
            return ControlError(405, f"{path} takes {methods}, not {method}", {"allow": methods})
        message = f"no control endpoint {method} {path}"
        head = path.removeprefix("/_emulator/").split("/")[0]
        near = [f"/_emulator{r.shown}" for r in self.routes if r.path.split("/")[1] == head]
        if head and near:  # a known first step: name the paths that follow it
            message += f"; under /_emulator/{head}: {', '.join(dict.fromkeys(near))}"
        return ControlError(404, message)

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

    # -- the plane's own endpoints ------------------------------------------------------------

    def health(self, call: ControlCall) -> Response:
        """What this emulator serves, where its state is (and whether it answers), its
        namespaces; a 503 with ``status: unavailable`` while the state cannot be reached."""
        state = {"backend": "memory"} if self._state_health is None else self._state_health()
        reachable = state.get("reachable", True)
        counts: dict[str, Any] = {}
        if reachable:
            try:
                counts = self.spaces.counts()
            except StateUnavailable as exc:
                reachable, state = False, {**state, "reachable": False, "reason": exc.reason}
        answer = {
            "status": "ok" if reachable else "unavailable",
            "spec": self.spec.title,
            "profile": self.profile.name if self.profile else None,
            "operations": len(self.spec.operations),
            "state": state,
            **counts,
        }
        return JSONResponse(answer, 200 if reachable else 503)

    def free_namespace(self, call: ControlCall) -> dict[str, Any]:
        """``EvictionControl.free``; with ``?since=N`` also the violations journaled after N:
        the fixture's teardown in one round trip."""
        since = call.query.get("since")
        unread = None
        if since is not None:
            if not since.isdigit():
                raise ControlError(400, "status and since are integers")
            unread = call.ns.journal.entries(with_violations=True, since=int(since))
        answer = self.spaces.free(call)
        if unread is not None:
            answer["violations"] = [self.redactor.entry(e.as_dict()) for e in unread]
            answer["dropped_violations"] = call.ns.journal.dropped_violations
        return answer

    def reset(self, call: ControlCall) -> dict[str, Any]:
        ns, body = call.ns, call.body
        clock = body.get("clock") if isinstance(body, dict) else None
        if clock not in (None, "manual", "real"):
            raise ControlError(400, "clock must be 'manual' or 'real'")
        gaps = served_gaps(ns.journal.entries())  # what the journal held, for the report
        ns.reset(manual_clock=None if clock is None else clock == "manual")
        self.webhooks.reset(ns)
        self.prepare(ns)
        return {"reset": ns.name, "clock": clock_of(ns), "spec_gaps": gaps}

    def jobs(self, call: ControlCall) -> dict[str, Any]:
        """Every job; with ``offset``, ``limit`` or ``status``, the dashboard's page of them."""
        if {"offset", "limit", "status"} & call.query.keys():
            return self.inspect.jobs_page(call)
        return self.state.jobs(call)

    def journal(self, call: ControlCall) -> dict[str, Any]:
        ns = call.ns
        entries = self._entries(call)
        ns.journal.seen(entries)  # read: their violations need not outlive eviction now
        return {
            "entries": [self.redactor.entry(e.as_dict()) for e in entries],
            "dropped": ns.journal.dropped,
            "dropped_violations": ns.journal.dropped_violations,
        }

    def journal_summary(self, call: ControlCall) -> dict[str, Any]:
        entries = self._entries(call)
        gaps = Journal.intervals(entries)
        return {
            "count": len(entries),
            "intervals": gaps,
            "min_interval": min(gaps) if gaps else None,
            "statuses": [e.status for e in entries],
        }

    def _entries(self, call: ControlCall) -> list[Exchange]:
        """The namespace's journal entries the query's filters select."""
        q = call.query
        status, since, violations = q.get("status"), q.get("since") or "0", q.get("violations")
        if not (since.isdigit() and (status is None or status.isdigit())):
            raise ControlError(400, "status and since are integers")
        if violations not in (None, "true", "false"):
            raise ControlError(400, "violations is true or false")
        return call.ns.journal.entries(
            operation=q.get("operation"),
            job_id=q.get("job_id"),
            status=None if status is None else int(status),
            method=q.get("method"),
            with_violations=None if violations is None else violations == "true",
            since=int(since),
        )

    def openapi(self, call: ControlCall) -> Any:
        return self.spec.document

    def ui(self, call: ControlCall) -> Response:
        """The dashboard page (with the cookie its reads carry, when opened with the token)."""
        answer = ui_response(call.params.get("asset"))
        return self.lock.admit(call.request, answer) if "asset" not in call.params else answer


def _is_page(path: str) -> bool:
    """The dashboard's page, the one control path that takes the token in its query."""
    return path.rstrip("/") == "/_emulator/ui"
