"""The control endpoints of a namespace's state: its clock, its jobs, its default scenario and
its rate limit (``/_emulator/clock``, ``jobs``, ``scenario(s)``, ``rate-limit``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.http.control.call import ControlCall, ControlError
from emulator.http.delivery.scheduler import WebhookHub
from emulator.lifecycle.core.actions import JobActions, Refusal, default_scenario
from emulator.lifecycle.core.namespace import Namespace, RateLimit
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario, State
from emulator.lifecycle.render.timestamps import format_time

__all__ = ["NamespaceControl", "clock_of"]

# The last instant an RFC 3339 timestamp can name (9999-12-31T23:59:59Z): past it, every
# response that carries a time would fail to render.
_LATEST = 253_402_300_799.0
_NO_JOBS = "this emulator has no profile, so it keeps no jobs"


def clock_of(ns: Namespace) -> dict[str, Any]:
    """The namespace's clock as the control plane shows it."""
    now = ns.clock.now()
    mode = "manual" if ns.manual_clock else "real"
    return {"now": now, "iso": format_time(now, "rfc3339"), "mode": mode}


class NamespaceControl:
    """What a test sets and reads of its namespace's state through the control plane."""

    def __init__(
        self,
        profile: Profile | None,
        scenarios: Mapping[str, Scenario],
        actions: JobActions | None,
        webhooks: WebhookHub | None,
    ) -> None:
        self.profile = profile
        self.scenarios = scenarios
        self.actions = actions
        self.webhooks = webhooks

    # -- the clock ----------------------------------------------------------------------------

    def clock(self, call: ControlCall) -> dict[str, Any]:
        return clock_of(call.ns)

    async def advance(self, call: ControlCall) -> dict[str, Any]:
        """``{"seconds": n}`` forward, or ``{"to": "next"}``: the next instant a job changes."""
        body, ns = call.body, call.ns
        if isinstance(body, dict) and "to" in body:
            answer = ns.atomically(lambda: self._advance_to(ns, body))
        else:
            answer = ns.atomically(lambda: self._move(ns, "seconds", body))
        await self._deliver(ns)
        return answer

    async def set(self, call: ControlCall) -> dict[str, Any]:
        """``{"now": unix_seconds}``, never backwards."""
        answer = call.ns.atomically(lambda: self._move(call.ns, "now", call.body))
        await self._deliver(call.ns)
        return answer

    async def _deliver(self, ns: Namespace) -> None:
        # A test that moves time asserts on deliveries right after: deliver first, and wait
        # for what other workers are sending of it (shared state).
        if self.webhooks is not None:
            await self.webhooks.deliver_due(ns, settle=True)

    def _move(self, ns: Namespace, key: str, body: Any) -> dict[str, Any]:
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ControlError(400, f'send {{"{key}": <number>}}')
        if (ns.clock.now() + value if key == "seconds" else value) > _LATEST:
            raise ControlError(400, "the clock cannot go past 9999-12-31T23:59:59Z")
        try:
            ns.clock.advance(value) if key == "seconds" else ns.clock.set(value)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return clock_of(ns)

    def _advance_to(self, ns: Namespace, body: dict[str, Any]) -> dict[str, Any]:
        """``{"to": "next"}``: move to the next instant any job of the namespace changes state."""
        if body.get("to") != "next" or "seconds" in body:
            raise ControlError(400, 'send {"to": "next"} or {"seconds": <number>}')
        actions = self.actions
        found = actions.next_change(ns) if actions is not None else None
        if found is None:
            raise ControlError(
                409,
                f"no job in namespace {ns.name!r} changes state with time: each one is in a "
                "final state, or waits for polls or an event (cancel)",
            )
        due, changing = found
        with ns.lock:
            # Another request may have moved the clock past it meanwhile: time never goes back.
            ns.clock.set(max(due, ns.clock.now()))
        return {**clock_of(ns), "changed": changing}

    # -- jobs ---------------------------------------------------------------------------------

    def jobs(self, call: ControlCall) -> dict[str, Any]:
        """Every job of the namespace, as ``job`` shows each."""
        self._actions()
        ns = call.ns
        return {"jobs": [self._job(ns, job.id) for job in ns.store.all()]}

    def job(self, call: ControlCall) -> dict[str, Any]:
        # A job whose name is unique within its partition only has the id <partition>/<name>.
        return self._job(call.ns, call.params["id"])

    def force(self, call: ControlCall) -> dict[str, Any]:
        """``{"status", "error"?, "result"?, "fields"?}``: the job keeps it until retried."""
        actions = self._actions()
        body, job_id, ns = call.body, call.params["id"], call.ns
        fields = body.get("fields") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("status"), str)
            or not (fields is None or isinstance(fields, dict))
        ):
            raise ControlError(400, 'send {"status": "<status>", "error"?, "result"?, "fields"?}')
        state = State(
            status=body["status"],
            error=body.get("error"),
            result=body.get("result"),
            fields=dict(fields or {}),
        )
        try:
            actions.force(ns, job_id, state)
        except Refusal:
            raise ControlError(404, f"no job {job_id!r} in namespace {ns.name!r}") from None
        if self.webhooks is not None:
            self.webhooks.track(ns, job_id)
        return self._job(ns, job_id)

    def _actions(self) -> JobActions:
        if self.actions is None:
            raise ControlError(404, _NO_JOBS)
        return self.actions

    def _job(self, ns: Namespace, job_id: str) -> dict[str, Any]:
        actions = self._actions()
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

    # -- scenarios and the rate limit ---------------------------------------------------------

    def scenarios_view(self, call: ControlCall) -> dict[str, Any]:
        """The scenarios and the namespace's default; ``PUT {"default": NAME | null}`` sets it."""
        scenarios, ns, body = self.scenarios, call.ns, call.body
        if call.method == "PUT":
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

    def rate_limit(self, call: ControlCall) -> dict[str, Any]:
        """``PUT {"requests": n, "per": seconds}`` sets it, ``DELETE`` lifts it."""
        ns, body = call.ns, call.body
        if call.method == "DELETE":
            ns.rate_limit = None
        elif call.method == "PUT":
            requests, per = (
                (body.get("requests"), body.get("per")) if isinstance(body, dict) else (0, 0)
            )
            ok = isinstance(requests, int) and not isinstance(requests, bool) and requests >= 1
            if not ok or not isinstance(per, int | float) or isinstance(per, bool) or per <= 0:
                raise ControlError(400, 'send {"requests": <int>, "per": <seconds>}')
            ns.rate_limit = RateLimit(body["requests"], float(body["per"]))
        limit = ns.rate_limit
        return {"requests": limit.requests, "per": limit.per} if limit else {"requests": None}
