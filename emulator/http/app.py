"""The emulator as an ASGI application: one spec, an optional profile, its scenarios.

A plain ASGI callable built on Starlette's request and response types rather than a Starlette
router: routes come from the spec (``routing.Router``), every API request runs one pipeline,
and a scripted "drop the connection" must not be turned into a 500 by error middleware.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator.http.auth import Authenticator
from emulator.http.control import Control
from emulator.http.crash import guarded
from emulator.http.pipeline import Incoming, Outcome, serve
from emulator.http.routing import Router, base_path, normal_base_path
from emulator.lifecycle.actions import JobActions, Refusal, Reply, Request, default_scenario
from emulator.lifecycle.faults import pick_fault, rate_limit_wait
from emulator.lifecycle.listing import list_jobs, queue_stats
from emulator.lifecycle.namespace import Namespace, Namespaces
from emulator.lifecycle.profile import DEFAULT_CHECK_ORDER, AuthRules, Profile
from emulator.lifecycle.scenario import Attempt, Fault, Scenario, State
from emulator.openapi.model import Operation, Spec
from emulator.openapi.synthesis import Synthesizer
from emulator.openapi.validation import RequestChecker, check_response
from emulator.openapi.violation import Violation
from emulator.settings import Settings

__all__ = ["NAMESPACE_HEADER", "Emulator", "success_status"]

NAMESPACE_HEADER = "x-emulator-namespace"
_NO_SCENARIO = Scenario("none", "", "", (Attempt((State("unknown"),)),))
# uvicorn closes the connection without a response when an ASGI app returns a value.
_DROPPED = "dropped"
_CONFORMING_CACHE = 4096


class Emulator:
    """Everything one ``jobs-emulator serve`` serves, as an ASGI app."""

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None = None,
        scenarios: Mapping[str, Scenario] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.spec = spec
        self.profile = profile
        self.scenarios = dict(scenarios or {})
        self.settings = settings or Settings()
        configured = self.settings.base_path
        self.base_path = (
            base_path(spec.document) if configured is None else normal_base_path(configured)
        )
        self.router = Router(spec.operations, prefix=self.base_path)
        self.checkers = {op.key: RequestChecker(op) for op in spec.operations}
        self.synth = Synthesizer(self.settings.seed, spec.registry)
        rules = profile.auth if profile else AuthRules()
        self.auth = Authenticator(spec.security_schemes, rules, self.settings.jwt_secret)
        self.check_order = profile.check_order if profile else DEFAULT_CHECK_ORDER
        self.action_of: dict[str, str] = {}
        self.id_param: dict[str, str] = {}
        self.actions = JobActions(profile, self.scenarios) if profile and self.scenarios else None
        if profile is not None:
            for action, ref in profile.operations.items():
                op = spec.operation(ref)
                if op is not None:
                    self.action_of[op.key] = action
        for op in spec.operations:
            # The job an operation acts on is named by its last path parameter.
            names = [p[1:-1] for p in op.path.strip("/").split("/") if p.startswith("{")]
            if names and self.action_of.get(op.key) not in ("create", "list", "stats"):
                self.id_param[op.key] = names[-1]
        self._conforming: dict[tuple[str, int, str, bytes | None], None] = {}
        self.namespaces = Namespaces(self._new_namespace)
        self.namespaces.on_create = self.seed_jobs
        self.control = Control(self)

    # -- namespaces --------------------------------------------------------------------------

    def _new_namespace(self, name: str) -> Namespace:
        s = self.settings
        return Namespace(
            name, manual_clock=s.manual_clock, seed=s.seed, journal_limit=s.journal_limit
        )

    def seed_jobs(self, ns: Namespace) -> None:
        """Create the jobs scenario files ask for, with their fixed ids and states."""
        if self.actions is None:
            return
        for scenario in self.scenarios.values():
            for seed in scenario.seed_jobs:
                self.actions.start(
                    ns, scenario, seed.request, job_id=seed.id,
                    attempt=seed.attempt, state_index=seed.state,
                )  # fmt: skip

    # -- the pipeline's collaborators ---------------------------------------------------------

    def rate_limit_wait(self, ns: Namespace) -> int | None:
        return rate_limit_wait(ns, ns.clock.now())

    def scenario_for(
        self, ns: Namespace, action: str | None, request: Request, job_id: str | None
    ) -> Scenario:
        if self.actions is None:
            return _NO_SCENARIO
        if action == "create":
            return self.actions.choose_scenario(ns, request)
        job = ns.store.get(job_id) if job_id else None
        if job is not None:
            return self.actions.scenario_of(job)
        default = default_scenario(ns, self.profile, self.scenarios)
        return self.scenarios.get(default or "", _NO_SCENARIO)

    def pick_fault(
        self, ns: Namespace, scenario: Scenario, action: str | None, key: str, job_id: str | None
    ) -> Fault | None:
        return pick_fault(ns, scenario, action, key, job_id) if scenario.faults else None

    def act(
        self,
        ns: Namespace,
        op: Operation,
        action: str | None,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        success = success_status(op)
        actions = self.actions
        if actions is None or action is None:
            return self.synthesize(op, success)
        try:
            if action == "create":
                return actions.create(ns, request, scenario, success)
            if action == "list":
                return list_jobs(actions, ns, request, success)
            if action == "stats":
                return queue_stats(actions, ns, success)
            assert job_id is not None, f"{op.key} has no job id parameter"
            if action == "retrieve":
                return actions.retrieve(ns, job_id, request, success)
            if action == "status":
                return actions.status(ns, job_id, request, success)
            if action == "retry":
                return actions.retry(ns, job_id, request)
            if action == "cancel":
                return actions.cancel(ns, job_id, request)
            return actions.delete(ns, job_id)
        except Refusal as refusal:
            if refusal.kind == "not_found" and self.settings.fallback == "examples":
                return self.synthesize(op, success)
            raise

    def synthesize(self, op: Operation, status: int) -> Reply:
        """A response from the spec's examples or schema, as a stateless mock would send."""
        declared = op.responses.get(str(status))
        if declared is None or not declared.content:
            return Reply(status, None)
        media = declared.content.get("application/json") or next(iter(declared.content.values()))
        return Reply(status, self.synth.for_media(media, f"{op.key}:{status}"))

    def self_check(self, op: Operation, outcome: Outcome) -> list[Violation]:
        if outcome.headers.pop("x-emulator-unchecked", None):
            return []
        # A poll usually sends the very bytes it sent last time: a verdict on identical bytes
        # is the same verdict, so only responses never seen before are validated.
        key = (op.key, outcome.status, outcome.media_type, payload_of(outcome))
        if key in self._conforming:
            return []
        violations = check_response(op, outcome.status, outcome.media_type, outcome.body)
        if not violations:
            if len(self._conforming) >= _CONFORMING_CACHE:
                self._conforming.clear()
            self._conforming[key] = None
        return violations

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "http":
            return await guarded(self._http, scope, receive, send)
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return None
        return None

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> Any:
        http = HTTPRequest(scope, receive)
        name, path = split_namespace(http.headers.get(NAMESPACE_HEADER), scope["path"])
        ns = self.namespaces.get(name)
        if path == "/_emulator" or path.startswith("/_emulator/"):
            response = await self.control.handle(ns, http, path)
            await response(scope, receive, send)
            return None
        incoming = Incoming(
            method=scope["method"],
            path=path,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            query=list(http.query_params.multi_items()),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=await http.body(),
            origin=_origin(http, scope["path"], path),
        )
        outcome = await serve(self, ns, incoming)
        if outcome.drop:
            return _DROPPED
        await to_response(outcome, head=scope["method"] == "HEAD")(scope, receive, send)
        return None


def payload_of(outcome: Outcome) -> bytes | None:
    """The body as sent on the wire, serialised once per response."""
    if outcome.payload is None and outcome.body is not None:
        outcome.payload = json.dumps(
            outcome.body, separators=(",", ":"), ensure_ascii=False
        ).encode()
    return outcome.payload


def to_response(outcome: Outcome, *, head: bool = False) -> Response:
    payload = payload_of(outcome)
    if payload is None:
        return Response(status_code=outcome.status, headers=outcome.headers)
    if head:
        # HEAD answers with GET's headers, Content-Length included, and no body.
        headers = {**outcome.headers, "content-length": str(len(payload))}
        return Response(b"", outcome.status, headers, media_type=outcome.media_type)
    return Response(payload, outcome.status, outcome.headers, media_type=outcome.media_type)


def split_namespace(header: str | None, path: str) -> tuple[str, str]:
    """The namespace a request belongs to, and its path without any ``/_ns/{name}`` prefix.

    >>> split_namespace(None, "/_ns/t42/v1/jobs")
    ('t42', '/v1/jobs')
    """
    if path.startswith("/_ns/"):
        name, _, rest = path[5:].partition("/")
        if name:
            return name, "/" + rest
    return (header or "default"), path


def _origin(http: HTTPRequest, full_path: str, path: str) -> str:
    """Scheme, host and namespace prefix, as the client addressed this server."""
    host = http.headers.get("host") or "{}:{}".format(*(http.scope.get("server") or ("", 0)))
    prefix = full_path[: len(full_path) - len(path)] if full_path.endswith(path) else ""
    return f"{http.url.scheme}://{host}{prefix}"


def success_status(op: Operation) -> int:
    codes = sorted(int(s) for s in op.responses if s.isdigit() and s.startswith("2"))
    return codes[0] if codes else 200
