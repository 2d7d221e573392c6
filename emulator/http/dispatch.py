"""What a routed request does: the job action its operation is bound to, or, for an operation
no action is bound to (or a spec without a profile), a response synthesized from the spec.

It also knows which scenario a request plays, which fault fires, and the jobs each new
namespace starts with.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from emulator.lifecycle.core.action_table import ACTION_TABLE, Action, ActionTable, bind_operations
from emulator.lifecycle.core.actions import (
    Binding,
    JobActions,
    Refusal,
    Reply,
    Request,
    default_scenario,
)
from emulator.lifecycle.core.faults import pick_fault, rate_limit_wait
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Attempt, Fault, Scenario, State
from emulator.openapi.model import MediaType, Operation, Spec
from emulator.openapi.path_template import parameter_names
from emulator.openapi.spec_facts import success_status
from emulator.openapi.synthesis import Made, Synthesizer, Unservable
from emulator.settings import Settings
from emulator.yamlread import escape

__all__ = ["JobDispatch"]

_NO_SCENARIO = Scenario("none", "", "", (Attempt((State("unknown"),)),))


class JobDispatch:
    """The job actions of one emulator, keyed by operation: each bound operation's row of the
    action table (``lifecycle.core.action_table``) and its ``Binding``, worked out once."""

    def __init__(
        self,
        spec: Spec,
        profile: Profile | None,
        scenarios: Mapping[str, Scenario],
        settings: Settings,
        actions: JobActions | None,
        table: ActionTable = ACTION_TABLE,
    ) -> None:
        self.profile = profile
        self.scenarios = scenarios
        self.table = table
        self.fallback = settings.fallback
        self.synth = Synthesizer(settings.seed, spec.registry)
        self.actions = actions
        self.action_of: dict[str, str] = {}
        self.id_param: dict[str, str] = {}
        self._bound: dict[str, tuple[Action, Binding]] = {}
        self._success: dict[str, int] = {}
        # Operations whose binding declares response headers of its own.
        self._headed: set[str] = set()
        self._made: dict[tuple[str, int], Made] = {}
        if profile is not None:
            for key, found in bind_operations(profile, spec, table).items():
                self.action_of[key] = found.binding.action
                self._bound[key] = (found.action, found.binding)
                if profile.bindings[found.binding.action].renderers:
                    self._headed.add(key)
        for op in spec.operations:
            names = parameter_names(op.path)
            bound = self._bound.get(op.key)
            # Actions that create or span jobs have no job id: the others act on the job their
            # last path parameter names (and an operation no action owns may fault by job).
            if names and (bound is None or bound[0].job_bound):
                self.id_param[op.key] = names[-1]

    def seed_jobs(self, ns: Namespace) -> None:
        """Create the jobs scenario files ask for, with their fixed ids and states."""
        if self.actions is None or ns.restored:  # a restored namespace has its seeds
            return
        for scenario in self.scenarios.values():
            for seed in scenario.seed_jobs:
                self.actions.start(
                    ns,
                    scenario,
                    seed.request,
                    job_id=seed.id,
                    attempt=seed.attempt,
                    state_index=seed.state,
                )

    def job_key(self, request: Request, name: str) -> str:
        """Where the job a request's path names is kept: its name, or its partition and name
        when the profile's names are unique within a partition only."""
        return name if self.actions is None else self.actions.job_key(request, name)

    def rate_limit_wait(self, ns: Namespace) -> int | None:
        return rate_limit_wait(ns, ns.clock.now())

    def scenario_for(
        self, ns: Namespace, action: str | None, request: Request, job_id: str | None
    ) -> Scenario:
        if self.actions is None:
            return _NO_SCENARIO
        if action is not None and self.table[self._row(action)].starts_job:
            return self.actions.choose_scenario(ns, request)
        job = ns.store.get(job_id) if job_id else None
        if job is not None and not self.actions.foreign(ns, job.id, request):
            return self.actions.scenario_of(job)
        default = default_scenario(ns, self.profile, self.scenarios)
        return self.scenarios.get(default or "", _NO_SCENARIO)

    def pick_fault(
        self, ns: Namespace, scenario: Scenario, action: str | None, key: str, job_id: str | None
    ) -> Fault | None:
        return pick_fault(ns, scenario, action, key, job_id) if scenario.faults else None

    def fault_context(self, ns: Namespace, request: Request, job_id: str | None) -> dict[str, Any]:
        """What a fault's body template reads: the job's view context when the request names
        (or made) a job, else this request; ``job_id`` either way."""
        context: dict[str, Any] = {"request": request.context(), "job": None}
        job = ns.store.get(job_id) if job_id and self.actions is not None else None
        if job is not None and self.actions is not None:
            context.update(self.actions.context(job))
        context.update(base_url=request.base_url, job_id=job_id)
        return context

    def act(
        self,
        ns: Namespace,
        op: Operation,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """The answer of the action ``op`` is bound to, else one synthesized from the spec."""
        if op.broken:
            flaw = op.flaws[0]
            raise Unservable(op.key, flaw.pointer, flaw.reason)
        bound = self._bound.get(op.key)
        actions = self.actions
        if bound is None or actions is None:
            success = self._success.get(op.key)
            if success is None:  # the spec does not change: worked out once per operation
                success = self._success[op.key] = success_status(op)
            return self.synthesize(op, success)
        action, binding = bound
        try:
            if action.job_bound and job_id is not None and actions.foreign(ns, job_id, request):
                raise Refusal("not_found", {"job_id": job_id}, job_id)
            reply = action.handler(actions, binding, ns, request, job_id, scenario)
            if op.key in self._headed and reply.status < 400:
                reply = actions.with_headers(ns, binding.action, reply, request)
            return reply
        except Refusal as refusal:
            if refusal.kind == "not_found" and self.fallback == "examples":
                return self.synthesize(op, binding.success)
            if refusal.kind == "not_found" and job_id is not None:
                # The client asked for the name in its path, not for the store's key.
                asked = request.path.get(self.id_param[op.key], job_id)
                raise Refusal("not_found", {**refusal.variables, "job_id": asked}, job_id) from None
            raise

    def _row(self, name: str) -> str:
        return self.profile.action_of(name) if self.profile is not None else name

    def synthesize(self, op: Operation, status: int) -> Reply:
        """A response from the spec's examples or schema, as a stateless mock would send.

        Raises ``Unservable`` where the schema has a flaw that could not be repaired or no
        value satisfies it: never an answer the schema does not describe."""
        declared = op.responses.get(str(status))
        if declared is None or not declared.content:
            return Reply(status, None)
        media = declared.content.get("application/json") or next(iter(declared.content.values()))
        made = self._made.get((op.key, status))
        if made is None:  # the same seed and salt make the same body: made once
            made = self._made[(op.key, status)] = self._make(op, status, media)
        return Reply(
            status,
            copy.deepcopy(made.body),
            headers=self._required_headers(op, declared.headers, status),
            repairs=made.notes,
        )

    def _make(self, op: Operation, status: int, media: MediaType) -> Made:
        pointer = f"{op.pointer}/responses/{status}/content/{escape(media.media_type)}/schema"
        source = media.source
        if source is not None:
            _ = source.schema  # inlining may find a flaw only now
            if source.flaws:
                raise Unservable(op.key, source.flaws[0].pointer, source.flaws[0].reason)
        try:
            return self.synth.for_media(media, f"{op.key}:{status}")
        except ValueError as exc:
            raise Unservable(op.key, pointer, f"no value satisfies the schema: {exc}") from None

    def _required_headers(
        self, op: Operation, declared: Mapping[str, Mapping[str, Any]], status: int
    ) -> dict[str, str]:
        """The response headers the spec requires, made from their schemas like the body."""
        made = {}
        for name, header in declared.items():
            if header.get("required") is True:
                try:
                    value = self.synth.generate(header.get("schema") or {}, f"{op.key}:{name}")
                except ValueError:  # no value to make: the self-check names the header
                    continue
                made[name.lower()] = json.dumps(value) if not isinstance(value, str) else value
        return made
