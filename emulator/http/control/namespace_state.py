"""The control endpoints of a namespace's state: its clock, its jobs, its default scenario and
its rate limit (``/_emulator/clock``, ``jobs``, ``scenario(s)``, ``rate-limit``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.http.dispatch import JobDispatch
from emulator.lifecycle.core.actions import Refusal, default_scenario
from emulator.lifecycle.core.namespace import Namespace, RateLimit
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario, State
from emulator.lifecycle.render.views import format_time
from emulator.openapi.jsonparse import parse_json

__all__ = ["ControlError", "NamespaceControl", "json_body"]

# The last instant an RFC 3339 timestamp can name (9999-12-31T23:59:59Z): past it, every
# response that carries a time would fail to render.
_LATEST = 253_402_300_799.0


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class NamespaceControl:
    """What a test sets and reads of its namespace's state through the control plane."""

    def __init__(
        self, profile: Profile | None, scenarios: Mapping[str, Scenario], jobs: JobDispatch
    ) -> None:
        self.profile = profile
        self.scenarios = scenarios
        self.jobs = jobs

    def clock(self, ns: Namespace) -> dict[str, Any]:
        now = ns.clock.now()
        mode = "manual" if ns.manual_clock else "real"
        return {"now": now, "iso": format_time(now, "rfc3339"), "mode": mode}

    def clock_call(self, ns: Namespace, method: str, rest: list[str], body: Any) -> Any:
        if method == "GET" and not rest:
            return self.clock(ns)
        if method == "POST" and rest == ["advance"] and isinstance(body, dict) and "to" in body:
            return self._advance_to(ns, body)
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

    def _advance_to(self, ns: Namespace, body: dict[str, Any]) -> dict[str, Any]:
        """``{"to": "next"}``: move to the next instant any job of the namespace changes state."""
        if body.get("to") != "next" or "seconds" in body:
            raise ControlError(400, 'send {"to": "next"} or {"seconds": <number>}')
        actions = self.jobs.actions
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
        return {**self.clock(ns), "changed": changing}

    def jobs_call(self, ns: Namespace, method: str, rest: list[str], body: Any) -> Any:
        actions = self.jobs.actions
        if actions is None:
            raise ControlError(404, "this emulator has no profile, so it keeps no jobs")
        if not rest and method == "GET":
            return {"jobs": [self._job(ns, job.id) for job in ns.store.all()]}
        if not rest:
            raise ControlError(404, "use /_emulator/jobs or /_emulator/jobs/{id}")
        # A job whose name is unique within its partition only has the id <partition>/<name>.
        job_id = "/".join(rest)
        if method == "GET":
            return self._job(ns, job_id)
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
                actions.force(ns, job_id, state)
                self.jobs.track(ns, job_id)
            except Refusal:
                raise ControlError(404, f"no job {job_id!r} in namespace {ns.name!r}") from None
            return self._job(ns, job_id)
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

    def scenarios_call(self, ns: Namespace, method: str, body: Any) -> Any:
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

    def rate_limit_call(self, ns: Namespace, method: str, body: Any) -> Any:
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


def json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except ValueError:
        raise ControlError(400, "the control plane takes JSON bodies") from None
