"""The emulator as an ASGI application: one spec, an optional profile, its scenarios.

A plain ASGI callable built on Starlette's request and response types rather than a Starlette
router: routes come from the spec (``routing.Router``), every API request runs one
``pipeline.Pipeline``, and a scripted "drop the connection" must not be turned into a 500 by
error middleware. ``Emulator`` only assembles the collaborators and adapts ASGI to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request as HTTPRequest
from starlette.types import Receive, Scope, Send

from emulator.errors import StateError
from emulator.http.auth import Authenticator
from emulator.http.control.plane import Control
from emulator.http.crash import guarded
from emulator.http.delivery.scheduler import WebhookHub
from emulator.http.dispatch import JobDispatch
from emulator.http.header_text import decode_headers
from emulator.http.limits import header_breach, receive_body
from emulator.http.messages import Incoming, Outcome
from emulator.http.pipeline import Pipeline
from emulator.http.request_check import RequestCheck
from emulator.http.response_check import ResponseCheck
from emulator.http.routing import Router
from emulator.http.sending import send_outcome
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.core.namespace import Namespace, Namespaces
from emulator.lifecycle.core.profile import DEFAULT_CHECK_ORDER, AuthRules, Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.persistence.backend import StateBackend
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Spec
from emulator.openapi.spec_facts import base_path, normal_base_path
from emulator.openapi.validation import RequestCheckers
from emulator.settings import Settings

if TYPE_CHECKING:
    from emulator.http.shared_serving import SharedServing
    from emulator.lifecycle.persistence.redis_state import SharedState

__all__ = ["NAMESPACE_HEADER", "Emulator", "split_namespace"]

NAMESPACE_HEADER = "x-emulator-namespace"
# uvicorn closes the connection without a response when an ASGI app returns a value.
_DROPPED = "dropped"


class Emulator:
    """Everything one ``jobs-emulator serve`` serves, as an ASGI app."""

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None = None,
        scenarios: Mapping[str, Scenario] | None = None,
        settings: Settings | None = None,
        action_table: ActionTable = ACTION_TABLE,
    ) -> None:
        self.spec = spec
        self.profile = profile
        # What loading tolerated: listed at startup and by `check`.
        self.warnings: tuple[Flaw, ...] = spec.warnings
        self.scenarios = dict(scenarios or {})
        self.settings = s = settings or Settings()
        self.actions = JobActions(profile, self.scenarios) if profile and self.scenarios else None
        self.jobs = JobDispatch(spec, profile, self.scenarios, s, self.actions, action_table)
        self.state = self._open_state()
        limits = Limits(ttl=s.namespace_ttl, cap=s.max_namespaces, budget=s.max_memory)
        hooks = profile.webhooks if profile else None
        # --state redis://...: every namespace in Redis, shared with every other worker.
        shared_state: SharedState | None = None
        if s.state is not None:
            serving = _shared_serving(s.state)
            shared_state, self.namespaces = serving.open_shared(
                s, limits, self._serves(), sorted(self.scenarios), hooks, self._prepare
            )
        else:
            self.namespaces = Namespaces(self._new_namespace, limits, on_create=self._prepare)
        self.webhooks = (
            WebhookHub(
                hooks,
                spec,
                self.actions,
                s,
                self.namespaces,
                local=self,
                in_flight=None if shared_state is None else serving.SharedInFlight(shared_state),
            )
            if hooks is not None and self.actions is not None
            else None
        )
        configured = s.base_path
        self.base_path = (
            base_path(spec.document) if configured is None else normal_base_path(configured)
        )
        rules = profile.auth if profile else AuthRules()
        self.pipeline = Pipeline(
            router=Router(spec.operations, prefix=self.base_path),
            checkers=RequestCheck(RequestCheckers(spec.operations)),
            auth=Authenticator(
                spec.security_schemes, rules, self.settings.jwt_secret, self.settings.api_keys
            ),
            jobs=self.jobs,
            webhooks=self.webhooks,
            self_check=ResponseCheck(),
            profile=profile,
            check_order=profile.check_order if profile else DEFAULT_CHECK_ORDER,
            strict=self.settings.strict,
            base_path=self.base_path,
        )
        self._serve: Callable[[Namespace, Incoming], Awaitable[Outcome]] = self.pipeline.serve
        self.shared: SharedServing | None = None
        if shared_state is not None:
            self.shared = serving.SharedServing(
                shared_state, self.pipeline, self.jobs, self.webhooks is not None
            )
            self._serve = self.shared.serve
        shared = self.shared
        self.control = Control(
            spec,
            profile,
            self.scenarios,
            actions=self.actions,
            webhooks=self.webhooks,
            namespaces=self.namespaces,
            prepare=self._prepare,
            settings=s,
            shared=None if shared is None else shared.control(),
        )
        if self.state is not None:
            from emulator.lifecycle.persistence.durable import restore_all

            restore_all(self.namespaces, self.state, self.scenarios)

    def _prepare(self, ns: Namespace) -> None:
        """A namespace as new (created, or reset): the webhook subscriptions the command line
        and the scenarios name, and the scenarios' seed jobs."""
        if self.webhooks is not None:
            self.webhooks.setup(ns)
        self.jobs.seed_jobs(ns)

    def _serves(self) -> str:
        """What this emulator serves, as the state it keeps names it."""
        return self.profile.name if self.profile else self.spec.title

    def _open_state(self) -> StateBackend | None:
        if self.settings.state_file is None:
            return None
        from emulator.http.control.redaction import Redactor
        from emulator.lifecycle.persistence.statefile import (
            SqliteState,
        )  # sqlite3: only when asked for

        serves = self._serves()
        keep = self.settings.journal_secrets
        return SqliteState(
            self.settings.state_file,
            serves=serves,
            journal_limit=self.settings.journal_limit,
            scrub=None if keep else Redactor(self.spec.security_schemes).entry,
        )

    def _new_namespace(self, name: str) -> Namespace:
        s = self.settings
        made: dict[str, Any] = {
            "manual_clock": s.manual_clock,
            "seed": s.seed,
            "journal_limit": s.journal_limit,
            "journal_bytes": s.journal_bytes,
            "journal_body": s.journal_body,
        }
        if self.state is not None:
            from emulator.lifecycle.persistence.durable import DurableNamespace

            return DurableNamespace(name, backend=self.state, **made)
        return Namespace(name, **made)

    def started(self) -> None:
        """The server's loop runs: on shared state, the webhook scheduler starts now, so this
        worker takes over deliveries another worker left (it died) before it serves anything."""
        if self.webhooks is not None and self.shared is not None:
            self.webhooks.ensure_running()

    async def aclose(self) -> None:
        """Stop the webhook scheduler and close its HTTP client, and the shared state's client
        of this loop (the server awaits it on its loop as it stops)."""
        if self.webhooks is not None:
            await self.webhooks.close()
        if self.shared is not None:
            await self.shared.state.aclose()

    def close(self) -> None:
        """Let go of the state file or Redis, if any (the server calls it at shutdown)."""
        if self.state is not None:
            self.state.close()
        if self.shared is not None:
            self.shared.state.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] == "http":
            if self.webhooks is not None:
                self.webhooks.ensure_running()
            return await guarded(self._http, scope, receive, send)
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return None
        return None

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> Any:
        # Read off the raw scope: Starlette's Request, Headers and QueryParams cost more than a
        # poll's own work, and the API path needs only these few values.
        headers, header_bytes = decode_headers(scope["headers"])
        full_path: str = scope["path"]
        name, path = split_namespace(headers.get(NAMESPACE_HEADER), full_path)
        ns = self.namespaces.get(name)
        breach = header_breach(scope, header_bytes)
        body = b""
        # HTTP/1.1: a request with neither header has no body, so there is nothing to receive.
        if breach is None and ("content-length" in headers or "transfer-encoding" in headers):
            length = headers.get("content-length")
            body, breach = await receive_body(receive, length, self.settings.max_body)
        if path == "/_emulator" or path.startswith("/_emulator/"):
            response = await self.control.handle(ns, HTTPRequest(scope), path, body, breach)
            await response(scope, receive, send)
            return None
        query_string = scope.get("query_string", b"").decode("latin-1")
        incoming = Incoming(
            method=scope["method"],
            path=path,
            query_string=query_string,
            query=[] if breach or not query_string else parse_qsl(query_string, True),
            headers=headers,
            body=body,
            origin=_origin(scope, headers, full_path, path),
            breach=breach,
        )
        outcome = await self._serve(ns, incoming)
        if outcome.drop:
            return _DROPPED
        await send_outcome(outcome, send, head=scope["method"] == "HEAD")
        return None


def _shared_serving(url: str) -> ModuleType:
    """``emulator.http.shared_serving``, what serving on shared state needs; refused, saying
    what to install, without redis-py."""
    try:
        from emulator.http import shared_serving
    except ImportError as exc:
        if exc.name not in ("redis", "hiredis"):
            raise
        reason = "needs the Redis client: pip install 'jobs-emulator[redis]'"
        raise StateError(url, "/", reason) from None
    return shared_serving


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


def _origin(scope: Scope, headers: Mapping[str, str], full_path: str, path: str) -> str:
    """Scheme, host and namespace prefix, as the client addressed this server."""
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("", 0)))
    prefix = full_path[: len(full_path) - len(path)] if full_path.endswith(path) else ""
    return f"{scope.get('scheme', 'http')}://{host}{prefix}"
