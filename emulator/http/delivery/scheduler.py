"""Webhooks on the emulator's clock: which jobs fired what, what is due, and the scheduler.

A transition due at T fires when the namespace's clock reaches T, polled or not. With a real
clock one task on the event loop sleeps until the earliest instant anything is due (no thread
or timer per job); with a manual clock the control plane's advance delivers everything it
crossed, in order, before it answers. A failed attempt (non-2xx, timeout, refused
connection) is retried on the same clock after the profile's schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from starlette.types import ASGIApp

from emulator.checks.webhook_check import payload_errors, render_payload, schema_of
from emulator.errors import StateUnavailable
from emulator.http.delivery.sender import InFlight, Sender, encode
from emulator.lifecycle.core.actions import JobActions, Refusal
from emulator.lifecycle.core.engine import next_change
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.namespace import Namespace, Namespaces
from emulator.lifecycle.render.template import lookup
from emulator.lifecycle.webhooks.events import RequestTarget, WebhookRules, fired, retry_delay
from emulator.lifecycle.webhooks.outbox import JOB_SUBSCRIPTION, Attempt, Message, Pending
from emulator.lifecycle.webhooks.signing import new_secret
from emulator.lifecycle.webhooks.subscriptions import DeliveryFault, Subscription, choose_faults
from emulator.openapi.model import Spec
from emulator.settings import Settings

__all__ = ["WebhookHub", "parse_subscription"]

# A real clock can be pushed forward by the control plane while the scheduler sleeps: it
# looks again at least this often (seconds), besides being woken by anything new.
_LOOK_AGAIN = 1.0
# How often a worker looks again while another sends what it made due (seconds).
_SETTLE = 0.01
_log = logging.getLogger("jobs_emulator.webhooks")


def parse_subscription(text: str) -> tuple[str, frozenset[str] | None]:
    """``URL[,event,...]`` (the ``--webhook`` option) as a URL and its events."""
    url, *events = [part.strip() for part in text.split(",") if part.strip()]
    return url, frozenset(events) if events else None


class WebhookHub:
    def __init__(
        self,
        rules: WebhookRules,
        spec: Spec,
        actions: JobActions,
        settings: Settings,
        namespaces: Namespaces,
        local: ASGIApp,
        in_flight: InFlight | None = None,
    ) -> None:
        self.rules = rules
        self.spec = spec
        self.actions = actions
        self.settings = settings
        self.namespaces = namespaces
        # ``local`` (the emulator) answers deliveries to the in-process host without a socket;
        # ``in_flight``: what is being sent, where every worker's receiver reads it (shared state).
        self.sender = Sender(
            rules, settings.webhook_allow, settings.webhook_concurrency, local, in_flight
        )
        self._locks: dict[str, asyncio.Lock] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    # -- subscriptions ------------------------------------------------------------------------

    def setup(self, ns: Namespace) -> None:
        """A new or reset namespace: the ``--webhook`` and scenario subscriptions."""
        for index, text in enumerate(self.settings.webhooks):
            url, events = parse_subscription(text)
            self.subscribe(ns, url, events, None, f"cli-{index + 1}", "cli")
        for scenario in self.actions.scenarios.values():
            for sub in scenario.subscriptions:
                self.subscribe(ns, sub.url, sub.events, sub.secret or None, sub.id, sub.source)

    def subscribe(
        self,
        ns: Namespace,
        url: str,
        events: frozenset[str] | None,
        secret: str | None,
        sub_id: str | None = None,
        source: str = "control",
    ) -> Subscription:
        outbox = ns.outbox
        sub = Subscription(
            id=sub_id or f"sub-{len(outbox.subscriptions) + 1}",
            url=url,
            secret=secret or new_secret(outbox.rng),
            events=events,
            source=source,
        )
        outbox.subscribe(sub)
        return sub

    # -- what fired ---------------------------------------------------------------------------

    def track(self, ns: Namespace, job_id: str | None) -> None:
        """After a request touched ``job_id``: queue what its new events fire, watch the next."""
        if job_id is None or not (ns.outbox.subscriptions or self.rules.from_request):
            return
        job = ns.store.get(job_id)
        if job is None:
            ns.outbox.forget_job(job_id)
            return
        self._queue(ns, job)
        self.wake()

    def _collect(self, ns: Namespace, now: float) -> None:
        actions = self.actions
        for job_id in ns.outbox.due_jobs(now):
            try:
                job = actions.observe(ns, job_id, poll=False)
            except Refusal:  # deleted meanwhile
                ns.outbox.forget_job(job_id)
                continue
            self._queue(ns, job)

    def _queue(self, ns: Namespace, job: Job) -> None:
        actions = self.actions
        outbox = ns.outbox
        start = outbox.seen.get(job.id)
        if start is None and self.rules.from_request is not None:
            self._subscribe_named(ns, job, self.rules.from_request)
        outbox.seen[job.id] = len(job.events)
        hooks = fired(self.rules, job.events[start or 0 :])
        scenario = actions.scenario_of(job)
        context = actions.context(job) if hooks else {}
        own = outbox.job_subscriptions.get(job.id)
        receivers = [*outbox.subscriptions.values(), *([own] if own is not None else [])]
        for hook, happened in hooks:
            for sub in receivers:
                if not sub.wants(hook.name, job.id):
                    continue
                message_id = outbox.new_id(self.rules.id_prefix)
                payload = render_payload(actions.profile, hook, context, message_id, happened.at)
                message = Message(
                    message_id, hook.name, job.id, happened.at, payload, encode(payload)
                )
                self._plan(ns, sub, message, scenario.name, scenario.webhook_faults)
        due = next_change(job, scenario)
        if due is not None:
            outbox.watch(job.id, due)

    def _subscribe_named(self, ns: Namespace, job: Job, target: RequestTarget) -> None:
        """The receiver the job's create request names, if it names one: for this job only,
        signed with the namespace's request secret, with the auth header it gives."""
        request = {"request": job.request}
        url = lookup(request, target.url)
        if not isinstance(url, str) or not url:
            return
        wanted = lookup(request, target.events) if target.events else None
        events = None
        if isinstance(wanted, list):
            words = [str(w) for w in wanted]
            events = frozenset(e for w in words for e in target.event_names.get(w, (w,)))
        headers = {}
        if target.header_name and target.header_value:
            name, value = lookup(request, target.header_name), lookup(request, target.header_value)
            if isinstance(name, str) and name and value is not None:
                headers[name] = str(value)
        ns.outbox.subscribe(
            Subscription(
                id=JOB_SUBSCRIPTION + job.id,
                url=url,
                secret=ns.outbox.request_secret(),
                events=events,
                source="request",
                job_id=job.id,
                headers=headers,
            )
        )

    def _plan(
        self,
        ns: Namespace,
        sub: Subscription,
        message: Message,
        scenario: str,
        faults: tuple[DeliveryFault, ...],
    ) -> None:
        """Queue ``message`` for ``sub`` at its time, as the scenario's delivery faults say."""
        outbox = ns.outbox
        chosen = (
            choose_faults(
                faults,
                message.event,
                outbox.fault_counts.setdefault(scenario, {}),
                outbox.fault_fired.setdefault(scenario, {}),
                outbox.rng,
            )
            if faults
            else []
        )
        at = message.occurred_at
        copies, kind, held = 1, None, False
        for fault in chosen:
            kind = fault.kind
            if fault.kind == "drop":
                outbox.record_dropped(sub.id, message)
                return
            if fault.kind == "delay":
                at += fault.seconds
            elif fault.kind == "duplicate":
                copies += fault.copies
            elif fault.kind == "reorder":
                held, at = True, at + fault.seconds
        for copy in range(copies):
            label = "duplicate" if copy else (kind if kind != "duplicate" else None)
            outbox.push(Pending(at, 0, sub.id, message, fault=label, held=held and not copy))

    # -- delivering ---------------------------------------------------------------------------

    async def deliver_due(self, ns: Namespace, *, settle: bool = False) -> int:
        """Everything due by the namespace's clock, in time order, retries included; how many
        attempts this worker made.

        ``settle``: also wait while other workers send deliveries that are due (a test that
        moved the clock asserts on every delivery it made due, whoever sends it)."""
        lock = self._locks.setdefault(ns.name, asyncio.Lock())
        attempts = 0
        async with lock:
            while True:
                now = ns.clock.now()
                ns.atomically(partial(self._collect, ns, now))
                pending = ns.outbox.pop_due(now)
                if pending is not None:
                    await self._attempt(ns, pending)
                    attempts += 1
                elif settle and ns.outbox.due_elsewhere(now):
                    await asyncio.sleep(_SETTLE)
                else:
                    return attempts

    async def _attempt(self, ns: Namespace, pending: Pending) -> None:
        outbox = ns.outbox
        sub = ns.atomically(lambda: outbox.subscription(pending.subscription))
        if sub is None:  # unsubscribed since
            outbox.finish(pending)
            return
        event = self.rules.event(pending.message.event)
        media = schema_of(self.spec, event) if event else None
        problems = payload_errors(media, pending.message.payload)
        strict = self.settings.strict
        result = await self.sender.send(ns, sub, pending, problems, strict)
        ns.atomically(lambda: self._done(ns, sub, pending, result))

    def _done(self, ns: Namespace, sub: Subscription, pending: Pending, result: Attempt) -> None:
        """After an attempt: its retry queued, deliveries it held released, the log."""
        outbox = ns.outbox
        if result.outcome == "failed":
            delay = retry_delay(self.rules, pending.attempt)
            if delay is not None:
                retry = Pending(
                    pending.due + delay, 0, sub.id, pending.message, attempt=pending.attempt + 1
                )
                outbox.push(retry)
                result = result.with_next(retry.due)
        elif result.outcome == "delivered" and pending.fault != "reorder":
            outbox.release_held(sub.id, pending.due, pending)
        outbox.record(result)
        outbox.finish(pending)

    # -- the scheduler ------------------------------------------------------------------------

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def ensure_running(self) -> None:
        """Start the scheduler on the running loop (the first request's), once."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                due, wait = self._due_namespaces()
            except StateUnavailable:  # said on stderr already; look again in a while
                due, wait = [], _LOOK_AGAIN
            if due:
                results = await asyncio.gather(
                    *(self.deliver_due(ns) for ns in due), return_exceptions=True
                )
                failed = [r for r in results if isinstance(r, BaseException)]
                for error in failed:
                    if not isinstance(error, StateUnavailable):  # said once on stderr already
                        _log.error("webhook delivery crashed", exc_info=error)
                # What is due but was not sent here is leased to another worker: look again
                # once its lease may have ended, rather than spin on Redis meanwhile.
                if not failed and any(results):
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def _due_namespaces(self) -> tuple[list[Namespace], float]:
        """Namespaces with something due now, and how long until the next one's is."""
        due, wait = [], _LOOK_AGAIN
        # Not a use: looking must not keep them from eviction.
        for ns in self.namespaces.with_webhooks():
            at = ns.outbox.next_due()
            if at is None:
                continue
            left = at - ns.clock.now()
            if left <= 0:
                due.append(ns)
            else:
                wait = min(wait, left)
        return due, wait

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.close()
