"""Serving on shared state (``--state redis://...``): each API request one transaction.

``SharedServing.serve`` stands in for ``Pipeline.serve``. It routes the request once to learn
what to read first (the job its path names; a draw of the random stream for a create), reads
that and the namespace's settings in one round trip, runs the pipeline, and commits everything
the answer acknowledges (the job, the journal entry, the webhooks queued) in one more, before
the answer leaves. Both round trips are awaited on the event loop, so the worker serves other
requests while one waits on Redis. When another worker's commit conflicts, the pipeline runs
again from the start; a client never sees the run that lost.

When Redis cannot be reached the answer is the provider's own 503 envelope, saying why, with
``retry-after: 1``; the process says it once on stderr (``redis_state.Reachability``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from emulator.errors import StateError, StateUnavailable
from emulator.http.control.plane import SharedPlane
from emulator.http.dispatch import JobDispatch
from emulator.http.messages import Incoming, Outcome
from emulator.http.pipeline import Pipeline
from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.persistence.redis_namespace import RedisNamespace, SharedNamespaces
from emulator.lifecycle.persistence.redis_outbox import RedisReceiver, SharedInFlight
from emulator.lifecycle.persistence.redis_state import SCHEMES, SharedState, shown_url
from emulator.lifecycle.render.envelope import error_reply
from emulator.lifecycle.webhooks.events import WebhookRules
from emulator.settings import Settings

__all__ = ["SharedInFlight", "SharedServing", "open_shared", "unavailable"]

# A webhook delivery's lease outlasts the profile's timeout by this much (seconds).
_LEASE_MARGIN = 2.0


def open_shared(
    settings: Settings,
    limits: Limits,
    serves: str,
    scenarios: list[str],
    hooks: WebhookRules | None,
    on_create: Callable[[Namespace], None],
) -> tuple[SharedState, SharedNamespaces]:
    """Connect to ``settings.state`` and join its deployment; refused (``StateError``) when the
    URL is not Redis's or the deployment's namespaces were made by a different emulator. An
    unreachable Redis is not refused: the emulator starts and answers 503 until it is back."""
    url = settings.state or ""
    if not url.startswith(SCHEMES):
        raise StateError(
            url,
            "/",
            "--state takes redis://HOST:PORT/DB, rediss://HOST:PORT/DB (TLS) or "
            "unix:///PATH.sock?db=N",
        )
    try:
        state = SharedState(
            url,
            api=serves,
            seed=settings.seed,
            manual_clock=settings.manual_clock,
            journal_limit=settings.journal_limit,
            journal_bytes=settings.journal_bytes,
            journal_body=settings.journal_body,
            limits=limits,
        )
    except ValueError as exc:  # redis-py's word for a URL it cannot read
        raise StateError(url, "/", str(exc)) from None
    if hooks is not None:
        state.webhook_lease = hooks.timeout + _LEASE_MARGIN
    fingerprint = {"scenarios": ",".join(scenarios), "seed": str(settings.seed)}
    try:
        refused = state.claim(fingerprint)
    except StateUnavailable as exc:
        state.reachability.failed(exc)
        refused = None
    if refused is not None:
        state.close()
        raise StateError(shown_url(url), "/", refused)
    return state, SharedNamespaces(state, on_create)


def unavailable(profile: Profile | None, error: StateUnavailable) -> Outcome:
    """The provider's 503, its message saying what cannot be reached and why."""
    message = f"the emulator's state cannot be reached: {error}"
    reply = error_reply(profile, "unavailable", {"message": message}, 503)
    outcome = Outcome.error(reply, {"retry-after": "1"})
    return outcome


class SharedServing:
    """``Pipeline.serve`` for a Redis-backed emulator (see the module docstring)."""

    def __init__(
        self, state: SharedState, pipeline: Pipeline, jobs: JobDispatch, hooks: bool
    ) -> None:
        self.state = state
        self.pipeline = pipeline
        self.jobs = jobs
        self.hooks = hooks

    async def serve(self, ns: Namespace, incoming: Incoming) -> Outcome:
        assert isinstance(ns, RedisNamespace)
        job_id, draw = self._hint(incoming)

        async def run() -> Outcome:
            await ns.begin(job_id, draw=draw, hooks=self.hooks)
            return await self.pipeline.serve(ns, incoming)

        try:
            return await self.state.run_async(run)
        except StateUnavailable as exc:
            return unavailable(self.pipeline.profile, exc)

    def _hint(self, incoming: Incoming) -> tuple[str | None, bool]:
        """The job the request names, and whether it creates one: what to read first."""
        match = self.pipeline.router.match(incoming.method, incoming.path)
        op = match.operation
        if op is None:
            return None, False
        action = self.jobs.action_of.get(op.key)
        job_id = match.params.get(self.jobs.id_param.get(op.key, ""))
        return job_id, action == "create"

    def health(self) -> dict[str, Any]:
        """What ``/_emulator/health`` says of the state: where it is and whether it answers."""
        with contextlib.suppress(StateUnavailable):  # said below, as ``reachable``
            self.state.ping()
        return {
            "backend": "redis",
            "url": self.state.where.removeprefix("Redis at "),
            "worker": self.state.worker,
            **self.state.reachability.as_dict(),
        }

    def control(self) -> SharedPlane:
        """What the control plane needs of the shared state: health's word on it, and each
        namespace's built-in receiver, kept there (any worker may get a delivery)."""
        return SharedPlane(health=self.health, receiver=_receiver)


def _receiver(ns: Namespace) -> RedisReceiver:
    assert isinstance(ns, RedisNamespace)
    return RedisReceiver(ns)
