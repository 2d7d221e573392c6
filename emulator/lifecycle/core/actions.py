"""Job actions (create, retrieve, retry, cancel, delete) on one namespace, as a profile says.

Handlers take parsed requests and return ``Reply`` values or raise ``Refusal``; they know
nothing of HTTP, and nothing of any particular provider: the profile carries the differences.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from emulator.lifecycle.core import engine
from emulator.lifecycle.core.job import Event, Job
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import CancelRules, Profile, RetryRules
from emulator.lifecycle.core.replies import Binding, Refusal, Reply, Request
from emulator.lifecycle.core.scenario import Scenario, State
from emulator.lifecycle.render.template import lookup
from emulator.lifecycle.render.view_cache import Rendered, ViewCache
from emulator.lifecycle.render.views import job_context, render_view

__all__ = ["Binding", "JobActions", "Refusal", "Reply", "Request", "default_scenario"]

_NANOID = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def uuid4_text(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))``, without making the UUID object."""
    bits = (bits & ~(0xF000 << 64) | (4 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    digits = f"{bits:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class JobActions:
    def __init__(self, profile: Profile, scenarios: Mapping[str, Scenario]) -> None:
        self.profile = profile
        self.scenarios = scenarios
        s = profile.statuses
        self.rules = engine.Rules(
            started=s.started,
            terminal=s.terminal,
            failed=s.failed,
            cancelled=profile.cancel.to,
            expires_after=profile.job.expires_after,
            cancel_states=_cancel_states(profile),
        )
        self.views = ViewCache()

    # -- helpers ---------------------------------------------------------------------------

    def new_id(self, rng: random.Random, prefix: str | None = None) -> str:
        """A fresh id in the profile's format, drawn from ``rng`` (seeded: reproducible),
        after ``prefix`` (the profile's own by default)."""
        rules = self.profile.job
        prefix = rules.id_prefix if prefix is None else prefix
        if rules.id_kind == "uuid4":
            return prefix + uuid4_text(rng.getrandbits(128))
        alphabet = rules.id_alphabet or _NANOID
        return prefix + "".join(rng.choice(alphabet) for _ in range(rules.id_length))

    def partition_of(self, request: Mapping[str, Any]) -> str | None:
        """The partition a request (body, path, query) names, if the profile partitions jobs."""
        rule = self.profile.job.partition
        value = lookup({"request": request}, rule) if rule else None
        return None if value is None else str(value)

    def _partition_asked(self, request: Request) -> str | None:
        """``partition_of`` a request in flight, without copying its parts (every poll asks)."""
        rule = self.profile.job.partition
        if rule is None:
            return None
        parts = {"body": request.body, "path": request.path, "query": request.query}
        value = lookup({"request": parts}, rule)
        return None if value is None else str(value)

    def key(self, partition: str | None, name: str) -> str:
        """Where the store keeps the job ``name`` of ``partition``: the name itself, or
        ``<partition>/<name>`` when names are unique within a partition only."""
        if self.profile.job.scoped and partition is not None:
            return f"{partition}/{name}"
        return name

    def job_key(self, request: Request, name: str) -> str:
        """The store key of the job a request's path names (its partition and its name)."""
        if not self.profile.job.scoped:
            return name
        return self.key(self._partition_asked(request), name)

    def foreign(self, ns: Namespace, job_id: str, request: Request) -> bool:
        """Whether the job is asked for through another partition than its own: it is not
        there, as far as that partition's client can tell."""
        partition = self._partition_asked(request)
        if partition is None:
            return False
        job = ns.store.get(job_id)
        return job is not None and job.partition != partition

    def _name(
        self,
        ns: Namespace,
        request: Mapping[str, Any],
        partition: str | None,
        prefix: str | None,
    ) -> str | None:
        """The client's name for a new job: the one the request gives (refused when taken in
        its partition), or one generated after the prefix it gives (or ``prefix``); None when
        the profile's ids are the emulator's own."""
        rules = self.profile.job
        if prefix is None and not rules.client_named:
            return None
        if prefix is None:
            given = lookup({"request": request}, rules.id_from) if rules.id_from else None
            if given is not None and given != "":
                name = str(given)
                if ns.store.get(self.key(partition, name)) is not None:
                    refusal = {"job_id": name, "partition": partition, "action": "created"}
                    raise Refusal(rules.duplicate, refusal, self.key(partition, name))
                return name
            if rules.id_prefix_from is not None:
                prefix = lookup({"request": request}, rules.id_prefix_from)
            prefix = None if prefix is None else str(prefix)
        while True:  # a generated name is new: draw again on the rare collision
            name = self.new_id(ns.rng, prefix)
            if ns.store.get(self.key(partition, name)) is None:
                return name

    def scenario_of(self, job: Job) -> Scenario:
        return self.scenarios[job.scenario]

    def choose_scenario(self, ns: Namespace, request: Request) -> Scenario:
        """Header, then match rules, then the namespace default, then the profile default."""
        named = request.headers.get("x-emulator-scenario")
        if named:
            if named not in self.scenarios:
                known = ", ".join(sorted(self.scenarios))
                message = f"unknown scenario {named!r} (X-Emulator-Scenario); known: {known}"
                raise Refusal("invalid_request", {"message": message})
            return self.scenarios[named]
        context = request.context()
        for scenario in self.scenarios.values():
            if not scenario.match.is_empty() and _matches(scenario, context):
                return scenario
        name = default_scenario(ns, self.profile, self.scenarios)
        return self.scenarios[name] if name else next(iter(self.scenarios.values()))

    def observe(self, ns: Namespace, job_id: str, *, poll: bool) -> Job:
        now = ns.clock.now()

        def step(job: Job) -> tuple[Job, None]:
            scenario = self.scenario_of(job)
            return engine.observe(job, scenario, now, self.rules, poll=poll, in_place=True), None

        found = ns.store.update(job_id, step)
        if found is None:
            raise Refusal("not_found", {"job_id": job_id}, job_id)
        return found[0]

    def next_change(self, ns: Namespace) -> tuple[float, list[str]] | None:
        """The next instant on the namespace's clock at which any of its jobs changes state by
        time, and the jobs that change then; None when no job will without a poll or an event.

        Lifecycles are lazy, so each job is brought up to now first (as a copy: nothing is
        stored, no poll is counted)."""
        now = ns.clock.now()
        soonest: float | None = None
        changing: list[str] = []
        for job in ns.store.all():
            scenario = self.scenario_of(job)
            due = engine.next_change(
                engine.observe(job, scenario, now, self.rules, poll=False), scenario
            )
            if due is None or (soonest is not None and due > soonest):
                continue
            if soonest is None or due < soonest:
                soonest, changing = due, []
            changing.append(job.id)
        return None if soonest is None else (soonest, changing)

    def context(self, job: Job) -> dict[str, Any]:
        return job_context(job, self.scenario_of(job), self.profile)

    def view(self, job: Job, name: str, request: Request | None = None) -> Any:
        base_url = request.base_url if request is not None else ""
        return self._render(job, name, base_url, self._hidden(request))

    def cached_view(self, job: Job, name: str, request: Request) -> Rendered:
        """``view``, reused while ``job`` has not changed: for polls and list pages, which
        show the same unchanged jobs over and over (created views are shown once)."""
        hidden = self._hidden(request)
        key = (name, request.base_url, hidden)
        return self.views.get(job, key, lambda: self._render(job, name, request.base_url, hidden))

    def _hidden(self, request: Request | None) -> frozenset[str]:
        hidden = self.profile.hidden
        if not hidden:
            return frozenset()
        return frozenset(
            key
            for key, param in hidden.items()
            if request is None or request.params.get(param) is not True
        )

    def _render(self, job: Job, name: str, base_url: str, hidden: frozenset[str]) -> Any:
        context = self.context(job)
        context["base_url"] = base_url
        return render_view(self.profile, name, context, hidden)

    def profile_view(self, name: str, context: Mapping[str, Any]) -> Any:
        return render_view(self.profile, name, context)

    def status_of(self, job: Job) -> str:
        return engine.current(job, self.scenario_of(job)).status

    # -- actions: each one's handler, as the action table (``action_table``) calls it --------

    def create(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        job = self.start(ns, scenario, request.context())
        return Reply(bound.success, self._shown(job, bound.view, request), job.id)

    def start(
        self,
        ns: Namespace,
        scenario: Scenario,
        request: Mapping[str, Any],
        *,
        job_id: str | None = None,
        name_prefix: str | None = None,
        attempt: int = 0,
        state_index: int = 0,
    ) -> Job:
        """A new job in the store, named by the request, by ``job_id`` (a seed) or after
        ``name_prefix``, else by the profile's id format."""
        partition = self.partition_of(request)
        with ns.lock:  # a client's name is checked and taken in one step
            name = job_id or self._name(ns, request, partition, name_prefix)
            key = self.key(partition, name) if name is not None else self.new_id(ns.rng)
            job = engine.start(
                key,
                scenario,
                request,
                ns.clock.now(),
                self.rules,
                attempt=attempt,
                state_index=state_index,
                revision=ns.next_revision() if self.profile.job.revision else 0,
                partition=partition,
                name=name if name != key else None,
            )
            ns.store.add(job)
        return job

    def show(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """A poll: the job as it is now, in the operation's view (``retrieve``, ``status``)."""
        job = self.observe(ns, _named(job_id), poll=True)
        return self._polled(bound, job, request)

    def retry(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        rules = self.profile.retry_rules(bound.action)
        job_id = _named(job_id)
        with ns.lock:
            job = self.observe(ns, job_id, poll=False)
            status = self.status_of(job)
            if rules.allowed_from is not None and status not in rules.allowed_from:
                raise self._refusal(rules.refused, rules.verb, job)
            now = ns.clock.now()
            if rules.model == "reset":
                new = engine.retry_in_place(job, self.scenario_of(job), now, self.rules)
                ns.store.add(new)
                return Reply(rules.status, self._shown(new, bound.view, request), new.id)
            spawned = self._retry_as_new(ns, job, request, now, rules)
            return Reply(rules.status, self._shown(spawned, bound.view, request), spawned.id)

    def _retry_as_new(
        self, ns: Namespace, job: Job, request: Request, now: float, rules: RetryRules
    ) -> Job:
        body = dict(job.request.get("body") or {})
        if rules.body_field:
            given = request.body.get(rules.body_field) if isinstance(request.body, dict) else None
            body[rules.body_field] = given or rules.body_default
        # A client-named job's successor is named after it (``<name>-`` and generated
        # characters): its own name is taken.
        prefix = f"{job.name or job.id}-" if self.profile.job.client_named else None
        spawned = self.start(
            ns,
            self.scenario_of(job),
            {**job.request, "body": body},
            name_prefix=prefix,
            attempt=job.attempt + 1,
        )
        event = Event(now, "retry", {"new_id": spawned.id})
        ns.store.update(
            job.id, lambda j: (j.evolve(events=engine.append_event(j.events, event)), None)
        )
        return spawned

    def cancel(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        rules = self.profile.cancel_rules(bound.action)
        job_id = _named(job_id)
        with ns.lock:
            job = self.observe(ns, job_id, poll=False)
            status = self.status_of(job)
            allowed = rules.allowed_from or (rules.immediate_from | {status})
            if status in self.rules.terminal or status not in allowed:
                raise self._refusal(rules.refused, rules.verb, job)
            immediate = status in rules.immediate_from
            new = engine.cancel(
                job,
                self.scenario_of(job),
                ns.clock.now(),
                self.rules,
                immediate=immediate,
                by=bound.action,
            )
            ns.store.add(new)
        return Reply(rules.status, self._shown(new, bound.view, request), new.id)

    def signal(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """An action the profile names itself: the job takes its current state's exit of that
        name (a scenario's ``on:``); from a state without one, the ``invalid_state`` refusal."""
        job_id = _named(job_id)
        with ns.lock:
            job = self.observe(ns, job_id, poll=False)
            moved = engine.signal(
                job, self.scenario_of(job), ns.clock.now(), self.rules, bound.action
            )
            if moved is None:
                raise self._refusal("invalid_state", bound.action, job)
            ns.store.add(moved)
        return Reply(bound.success, self._shown(moved, bound.view, request), moved.id)

    def monitor(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """A status monitor, polled like the job: its own view, with ``Retry-After`` and the
        running status while the job runs; once the job succeeds, that view, or a 303 to where
        the result is; a failed or cancelled job shows the view, with the failed status."""
        job = self.observe(ns, _named(job_id), poll=True)
        binding = self.profile.bindings.get(bound.action)
        rules = binding.monitor if binding is not None else None
        status = self.status_of(job)
        done = status in self.rules.terminal
        # A failed or cancelled job's monitor says so itself: only a result is redirected to.
        succeeded = done and status not in self.rules.failed and not job.cancel_requested
        locate = binding.locate if binding is not None else None
        if succeeded and rules is not None and rules.done == "redirect" and locate is not None:
            context = {**self.context(job), "base_url": request.base_url}
            return Reply(303, None, job.id, headers={"location": str(locate(context))})
        headers = {}
        answer = None
        if rules is not None and not done:
            answer = rules.running_status
            if rules.retry_after is not None:
                headers["retry-after"] = str(rules.retry_after)
        elif rules is not None and not succeeded:
            answer = rules.failed_status
        return self._polled(bound, job, request, headers, answer)

    def with_headers(self, ns: Namespace, name: str, reply: Reply, request: Request) -> Reply:
        """``reply`` with the response headers the operation bound as ``name`` declares,
        rendered from the job it answers about (a header whose value renders null is left
        out)."""
        bound = self.profile.bindings.get(name)
        job = ns.store.get(reply.job_id) if reply.job_id is not None else None
        if bound is None or not bound.renderers or job is None:
            return reply
        context = {**self.context(job), "base_url": request.base_url}
        made = {name.lower(): fill(context) for name, fill in bound.renderers.items()}
        headers = {**reply.headers, **{k: str(v) for k, v in made.items() if v is not None}}
        return Reply(reply.status, reply.body, reply.job_id, headers, reply.payload)

    def read(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """An operation that reads the job (its result, its events): not a poll."""
        job = self.observe(ns, _named(job_id), poll=False)
        return Reply(bound.success, self._shown(job, bound.view, request), job.id)

    def delete(
        self,
        bound: Binding,
        ns: Namespace,
        request: Request,
        job_id: str | None,
        scenario: Scenario,
    ) -> Reply:
        """Forget the job; the answer shows it as it was (the ``deleted`` view), or nothing."""
        job_id = _named(job_id)
        with ns.lock:
            body = None
            if bound.view is not None:
                job = ns.store.get(job_id)
                if job is not None:  # shown as it is now, its last moment not stored
                    now = ns.clock.now()
                    job = engine.observe(job, self.scenario_of(job), now, self.rules, poll=False)
                    body = self.view(job, bound.view, request)
            if not ns.store.delete(job_id):
                raise Refusal("not_found", {"job_id": job_id}, job_id)
        if self.profile.job.revision:
            ns.next_revision()
        return Reply(self.profile.delete_status or bound.success, body, job_id)

    def _shown(self, job: Job, view: str | None, request: Request) -> Any:
        return None if view is None else self.view(job, view, request)

    def _polled(
        self,
        bound: Binding,
        job: Job,
        request: Request,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> Reply:
        """The answer to a poll of ``job``: its view, rendered once while it does not change,
        with ``status`` (None: the operation's success status)."""
        status = status or bound.success
        if bound.view is None:
            return Reply(status, None, job.id, headers=headers or {})
        shown = self.cached_view(job, bound.view, request)
        return Reply(status, shown.body, job.id, headers or {}, shown.payload)

    def _refusal(self, kind: str, verb: str, job: Job) -> Refusal:
        """The profile's ``kind`` refusal of ``verb`` on ``job``, in the provider's words (its
        message may name the action and the job: "cannot be {action} in status {job.status}")."""
        return Refusal(kind, {"action": verb, "job": self.context(job)["job"]}, job.id)

    def force(self, ns: Namespace, job_id: str, state: State) -> Job:
        found = ns.store.update(
            job_id, lambda j: (engine.force(j, state, ns.clock.now(), self.rules), None)
        )
        if found is None:
            raise Refusal("not_found", {"job_id": job_id}, job_id)
        return found[0]


def _cancel_states(profile: Profile) -> dict[str | None, State]:
    """The state each cancel ends in: the profile's own (``None``), and each operation's bound
    to ``cancel`` with its own rules (``to``, ``error``, ``fields``)."""

    def ended(rules: CancelRules) -> State:
        return State(rules.to, error=rules.error, fields=rules.fields)

    states: dict[str | None, State] = {None: ended(profile.cancel)}
    for name in profile.bound_as("cancel"):
        states[name] = ended(profile.cancel_rules(name))
    return states


def default_scenario(
    ns: Namespace, profile: Profile | None, scenarios: Mapping[str, Scenario]
) -> str | None:
    """The scenario a job gets when nothing picks one: the namespace's, else the profile's."""
    for name in (ns.default_scenario, profile.default_scenario if profile else None):
        if name and name in scenarios:
            return name
    return None


def _named(job_id: str | None) -> str:
    # The action table binds job-bound actions only to operations with a path parameter for
    # the id (``checks.profile_check``), so the router always hands one over.
    assert job_id is not None, "a job-bound action was called without a job id"
    return job_id


def _matches(scenario: Scenario, context: Mapping[str, Any]) -> bool:
    match = scenario.match
    for section, expected in (("body", match.body), ("path", match.path), ("query", match.query)):
        for dotted, value in expected.items():
            if lookup(context.get(section) or {}, dotted) != value:
                return False
    return True
