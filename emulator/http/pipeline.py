"""One API request through the emulator: route, check, act, fault, self-check, record.

``Pipeline`` holds only what the request path needs: the router, the request checkers, the
authenticator, the job dispatch, the webhooks (if any), the response self-check, and the
profile that shapes refusals. Every request, whatever its answer, is journaled once, at the
end of ``serve``.
The order of the request checks (auth before validation, or after) is the profile's, because
providers differ and clients notice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from emulator.errors import StateUnavailable
from emulator.http.auth import Authenticator
from emulator.http.crash import CRASH_HEADERS, crash_body, crash_violation
from emulator.http.delivery.scheduler import WebhookHub
from emulator.http.dispatch import JobDispatch
from emulator.http.limits import LIMIT_KINDS
from emulator.http.messages import DROPPED, Incoming, Outcome, Trace
from emulator.http.request_check import RequestCheck
from emulator.http.response_check import ResponseCheck, flaw_marks, spec_gap
from emulator.http.routing import Router
from emulator.lifecycle.core.actions import Refusal, Reply, Request
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Fault
from emulator.lifecycle.render.envelope import PROBLEM_JSON, error_reply
from emulator.lifecycle.render.fault_answer import fault_answer
from emulator.openapi.model import Operation
from emulator.openapi.synthesis import Unservable
from emulator.openapi.validation import ParsedRequest, response_for
from emulator.openapi.violation import Violation, violation_details

__all__ = ["Pipeline"]


@dataclass(frozen=True, slots=True)
class Pipeline:
    router: Router
    checkers: RequestCheck
    auth: Authenticator
    jobs: JobDispatch
    webhooks: WebhookHub | None  # queues what the transitions a request made fire
    self_check: ResponseCheck
    profile: Profile | None  # shapes refusals as the provider does; none: problem details
    check_order: tuple[str, ...]
    strict: bool
    base_path: str  # what the router strips: job links start with it

    async def serve(self, ns: Namespace, incoming: Incoming) -> Outcome:
        """Answer ``incoming`` for namespace ``ns``, and journal it.

        Whatever goes wrong inside is answered and journaled here, at the pipeline's edge.
        """
        trace = Trace(ns.clock.now(), incoming)
        try:
            outcome = await self._answer(ns, trace)
        except StateUnavailable:  # not a crash: answered 503 where the state is run
            raise
        except Exception as exc:
            body = crash_body(exc, incoming.method, incoming.path)
            outcome = Outcome(500, body, PROBLEM_JSON, dict(CRASH_HEADERS))
            trace.request_body = (
                incoming.body[:4096].decode("utf-8", "replace") if incoming.body else None
            )
            trace.violations = (crash_violation(body),)
            trace.spec_gap, trace.spec_flaws = None, ()
        ns.journal.record(trace.exchange(outcome))
        return outcome

    async def _answer(self, ns: Namespace, trace: Trace) -> Outcome:
        """The answer to ``trace``'s request, with what the journal keeps of it in ``trace``."""
        incoming = trace.incoming
        match = self.router.match(incoming.method, incoming.path)
        op = match.operation
        if op is None:
            kind = "method_not_allowed" if match.allowed else "route_not_found"
            what = "method" if match.allowed else "path"
            message = f"no operation in the spec for {incoming.method} {incoming.path} ({what})"
            allow = {"allow": ", ".join(match.allowed)} if match.allowed else {}
            return Outcome.error(error_reply(self.profile, kind, {"message": message}), allow)
        key = op.key
        action = self.jobs.action_of.get(key)
        job_id = match.params.get(self.jobs.id_param.get(key, ""), None)
        if incoming.breach is not None:
            parsed = ParsedRequest({}, {}, None, (incoming.breach.violation(),))
        else:
            parsed = self.checkers.check(op, key, match.params, incoming)
        request_violations: tuple[Violation, ...] = parsed.violations if self.strict else ()
        request = Request(
            match.params,
            parsed.query,
            parsed.params,
            parsed.body,
            incoming.headers,
            base_url=incoming.origin + self.base_path,
            url=incoming.origin + incoming.path,
        )
        if job_id is not None:
            job_id = self.jobs.job_key(request, job_id)
        fault: Fault | None = None
        notes: tuple[str, ...] = ()
        gap: int | None = None
        try:
            self._admit(ns, op, incoming, parsed)
            scenario = self.jobs.scenario_for(ns, action, request, job_id)
            if scenario.faults:
                fault = self.jobs.pick_fault(ns, scenario, action, key, job_id)
            if fault is not None and fault.latency:
                await _delay(ns, fault.latency)
            if fault is not None and not fault.commit and (fault.status or fault.drop):
                outcome = self._faulted(ns, op, request, job_id, fault, None)
            else:
                reply = self.jobs.act(ns, op, request, job_id, scenario)
                job_id, notes = reply.job_id or job_id, reply.repairs
                if self.webhooks is not None:
                    self.webhooks.track(ns, job_id)
                if fault is None:
                    outcome = Outcome(
                        reply.status, reply.body, headers=reply.headers, encoded=reply.payload
                    )
                else:
                    outcome = self._faulted(ns, op, request, job_id, fault, reply)
        except Refusal as refusal:
            job_id = refusal.job_id or job_id
            outcome = self._refused(refusal)
        except Unservable as unservable:
            outcome, gap = _unservable_outcome(unservable), 500
            notes = (f"{unservable.pointer}: {unservable.reason} (the spec gap this 500 names)",)
        trace.operation, trace.action, trace.job_id, trace.fault = key, action, job_id, fault
        if outcome.drop:
            trace.violations = request_violations
            return outcome
        violations = request_violations
        response_violations = self.self_check.check(op, outcome)
        if violations or response_violations:
            checked = violations + tuple(response_violations)
            violations, gap = spec_gap(checked, self.profile)
            if self.strict and any(v.side == "response" for v in violations):
                outcome = _violation_outcome(key, [v for v in violations if v.side == "response"])
            elif violations:
                text = _header_text("; ".join(map(str, violations)))
                outcome = outcome.with_headers({"x-emulator-violations": text})
        trace.violations, trace.request_body, trace.spec_gap = violations, parsed.body, gap
        marks = flaw_marks(op) if op.flaws or op.repairs else ()
        trace.spec_flaws = (*marks, *notes) if notes else marks
        return outcome

    def _admit(
        self, ns: Namespace, op: Operation, incoming: Incoming, parsed: ParsedRequest
    ) -> None:
        """Raise the refusal the provider would answer first: the rate limit, then auth and
        request checks in the profile's order. A size limit comes before all: it is the
        provider's gateway talking."""
        if incoming.breach is not None:
            raise Refusal(incoming.breach.kind, {"message": incoming.breach.message})
        wait = self.jobs.rate_limit_wait(ns) if ns.rate_limit is not None else None
        if wait is not None:
            raise Refusal("rate_limited", {"retry_after": wait})
        for step in self.check_order:
            if step == "request" and parsed.violations:
                first = parsed.violations[0]
                details = violation_details(parsed.violations)
                raise Refusal(first.kind, {"message": str(first.message), "violations": details})
            if step == "auth":
                failure = self.auth.check(op, incoming.headers, parsed.query)
                if failure is not None:
                    raise Refusal(failure.kind, failure.variables)

    def _refused(self, refusal: Refusal) -> Outcome:
        error = error_reply(self.profile, refusal.kind, refusal.variables)
        wait = refusal.variables["retry_after"] if refusal.kind == "rate_limited" else None
        outcome = Outcome.error(error, {"retry-after": str(wait)} if wait is not None else None)
        # No spec describes a gateway's size limits: the self-check does not hold them to it.
        return replace(outcome, checked=False) if refusal.kind in LIMIT_KINDS else outcome

    def _faulted(
        self,
        ns: Namespace,
        op: Operation,
        request: Request,
        job_id: str | None,
        fault: Fault,
        reply: Reply | None,
    ) -> Outcome:
        """The answer a fault makes, on its own or over the reply of the action it let run."""
        if fault.drop:
            return DROPPED
        declared = response_for(op, fault.status) if fault.status is not None else None
        context = self.jobs.fault_context(ns, request, job_id)
        answer = fault_answer(
            self.profile,
            fault,
            context,
            reply,
            bodiless=declared is not None and not declared.content,
        )
        return Outcome(answer.status, answer.body, answer.media_type, dict(answer.headers))


def _header_text(text: str) -> str:
    # Messages quote what the client sent; a header value must stay one line of latin-1.
    return text[:2000].encode("unicode_escape").decode("ascii")


def _violation_outcome(operation: str, violations: list[Violation]) -> Outcome:
    body = {
        "type": "https://jobs-emulator.dev/problems/contract-violation",
        "title": "The emulator would have served a response its spec forbids",
        "status": 500,
        "detail": f"{operation}: " + "; ".join(str(v) for v in violations),
        "violations": [v.as_dict() for v in violations],
    }
    return Outcome(500, body, PROBLEM_JSON, checked=False)


def _unservable_outcome(gap: Unservable) -> Outcome:
    """The answer to a request whose answer the spec cannot describe: a 500 naming the
    operation, where in the spec and why, never a made-up value."""
    body = {
        "type": "https://jobs-emulator.dev/problems/spec-gap",
        "title": "The spec does not describe an answer the emulator can make",
        "status": 500,
        "detail": f"{gap.operation}: {gap.pointer}: {gap.reason}",
        "operation": gap.operation,
        "pointer": gap.pointer,
        "reason": gap.reason,
    }
    return Outcome(500, body, PROBLEM_JSON, checked=False)


async def _delay(ns: Namespace, seconds: float) -> None:
    # A manual clock is the test's time: latency moves it instead of blocking the server.
    if ns.manual_clock:
        ns.clock.advance(seconds)
    else:
        await asyncio.sleep(seconds)
