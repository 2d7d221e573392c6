"""One API request through the emulator: route, check, act, fault, self-check, record.

The order of the request checks (auth before validation, or after) is the profile's, because
providers differ and clients notice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.http.crash import CRASH_HEADERS, crash_body, crash_violation
from emulator.http.envelope import PROBLEM_JSON, ErrorReply, error_reply, violation_details
from emulator.lifecycle.actions import Refusal, Request
from emulator.lifecycle.journal import Exchange
from emulator.lifecycle.namespace import Namespace
from emulator.lifecycle.scenario import Fault
from emulator.openapi.validation import parse_json
from emulator.openapi.violation import Violation

if TYPE_CHECKING:
    from emulator.http.app import Emulator

__all__ = ["Incoming", "Outcome", "serve"]


@dataclass(frozen=True, slots=True)
class Incoming:
    method: str
    path: str
    query_string: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    # Scheme, host and namespace prefix: what links in responses start with.
    origin: str = ""


@dataclass(slots=True)
class Outcome:
    status: int
    body: Any
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    payload: bytes | None = None


async def serve(app: Emulator, ns: Namespace, incoming: Incoming) -> Outcome:
    """Answer ``incoming`` for namespace ``ns``; ``app`` is the ``Emulator`` holding the spec.

    Whatever goes wrong inside is answered and journaled here, at the pipeline's edge.
    """
    seq = ns.journal.next_seq()
    arrived = ns.clock.now()
    try:
        return await _answer(app, ns, incoming, seq, arrived)
    except Exception as exc:
        body = crash_body(exc, incoming.method, incoming.path)
        outcome = Outcome(500, body, PROBLEM_JSON, dict(CRASH_HEADERS))
        raw = incoming.body[:4096].decode("utf-8", "replace") if incoming.body else None
        _record(ns, seq, arrived, incoming, outcome, None, None, None,
                (crash_violation(body),), None, raw)  # fmt: skip
        return outcome


async def _answer(
    app: Emulator, ns: Namespace, incoming: Incoming, seq: int, arrived: float
) -> Outcome:
    match = app.router.match(incoming.method, incoming.path)
    op = match.operation
    if op is None:
        kind = "method_not_allowed" if match.allowed else "route_not_found"
        what = "method" if match.allowed else "path"
        message = f"no operation in the spec for {incoming.method} {incoming.path} ({what})"
        outcome = _from_error(error_reply(app.profile, kind, {"message": message}))
        if match.allowed:
            outcome.headers["allow"] = ", ".join(match.allowed)
        _record(ns, seq, arrived, incoming, outcome, None, None, None, (), None)
        return outcome
    action = app.action_of.get(op.key)
    job_id = match.params.get(app.id_param.get(op.key, ""), None)
    parsed = app.checkers[op.key].check(
        match.params, incoming.query, incoming.headers,
        incoming.headers.get("content-type", ""), incoming.body,
    )  # fmt: skip
    request_violations: tuple[Violation, ...] = parsed.violations if app.settings.strict else ()
    request = Request(
        match.params, parsed.query, parsed.params, parsed.body, incoming.headers,
        base_url=incoming.origin + app.base_path, url=incoming.origin + incoming.path,
    )  # fmt: skip
    fault: Fault | None = None
    try:
        wait = app.rate_limit_wait(ns)
        if wait is not None:
            raise Refusal("rate_limited", {"retry_after": wait})
        for step in app.check_order:
            if step == "request" and parsed.violations:
                first = parsed.violations[0]
                details = violation_details(parsed.violations)
                raise Refusal(first.kind, {"message": str(first.message), "violations": details})
            if step == "auth":
                failure = app.auth.check(op, incoming.headers, parsed.query)
                if failure is not None:
                    raise Refusal(failure.kind, failure.variables)
        scenario = app.scenario_for(ns, action, request, job_id)
        fault = app.pick_fault(ns, scenario, action, op.key, job_id)
        if fault is not None and fault.latency:
            await _delay(ns, fault.latency)
        if fault is not None and not fault.commit and (fault.status or fault.drop):
            outcome = _fault_outcome(app, fault, None)
        else:
            reply = app.act(ns, op, action, request, job_id, scenario)
            job_id = reply.job_id or job_id
            outcome = Outcome(reply.status, reply.body, headers=dict(reply.headers))
            if fault is not None:
                outcome = _fault_outcome(app, fault, outcome)
    except Refusal as refusal:
        job_id = refusal.job_id or job_id
        outcome = _refused(app, refusal)
        if refusal.kind == "rate_limited":
            outcome.headers["retry-after"] = str(refusal.variables["retry_after"])
    if outcome.drop:
        _record(
            ns, seq, arrived, incoming, outcome, op.key, action, job_id, request_violations, fault
        )
        return outcome
    violations = request_violations + tuple(app.self_check(op, outcome))
    if app.settings.strict and any(v.side == "response" for v in violations):
        outcome = _violation_outcome(op.key, [v for v in violations if v.side == "response"])
    elif violations:
        outcome.headers["x-emulator-violations"] = _header_text("; ".join(map(str, violations)))
    _record(
        ns, seq, arrived, incoming, outcome, op.key, action, job_id, violations, fault, parsed.body
    )
    return outcome


def _header_text(text: str) -> str:
    # Messages quote what the client sent; a header value must stay one line of latin-1.
    return text[:2000].encode("unicode_escape").decode("ascii")


def _from_error(error: ErrorReply) -> Outcome:
    return Outcome(error.status, error.body, error.media_type)


def _refused(app: Emulator, refusal: Refusal) -> Outcome:
    error = error_reply(app.profile, refusal.kind, refusal.variables)
    outcome = _from_error(error)
    if not error.provider_shaped:
        outcome.headers["x-emulator-unchecked"] = "1"
    return outcome


def _fault_outcome(app: Emulator, fault: Fault, committed: Outcome | None) -> Outcome:
    if fault.drop:
        return Outcome(0, None, drop=True)
    if fault.status is None:
        assert committed is not None
        outcome = committed
    elif fault.body is not None:
        outcome = Outcome(fault.status, fault.body)
    elif fault.kind is not None or committed is None or fault.status >= 400:
        kind = fault.kind or _kind_for(fault.status)
        outcome = _from_error(error_reply(app.profile, kind, {}, fault.status))
    else:
        outcome = Outcome(fault.status, committed.body, headers=dict(committed.headers))
    if fault.merge and isinstance(outcome.body, dict):
        outcome.body = {**outcome.body, **fault.merge}
    outcome.headers.update(fault.headers)
    return outcome


def _kind_for(status: int) -> str:
    return {429: "rate_limited", 503: "unavailable", 409: "conflict", 404: "not_found"}.get(
        status, "server_error" if status >= 500 else "invalid_request"
    )


def _violation_outcome(operation: str, violations: list[Violation]) -> Outcome:
    body = {
        "type": "https://jobs-emulator.dev/problems/contract-violation",
        "title": "The emulator would have served a response its spec forbids",
        "status": 500,
        "detail": f"{operation}: " + "; ".join(str(v) for v in violations),
        "violations": [v.as_dict() for v in violations],
    }
    return Outcome(500, body, "application/problem+json", {"x-emulator-unchecked": "1"})


async def _delay(ns: Namespace, seconds: float) -> None:
    # A manual clock is the test's time: latency moves it instead of blocking the server.
    if ns.manual_clock:
        ns.clock.advance(seconds)
    else:
        await asyncio.sleep(seconds)


def _record(
    ns: Namespace,
    seq: int,
    arrived: float,
    incoming: Incoming,
    outcome: Outcome,
    operation: str | None,
    action: str | None,
    job_id: str | None,
    violations: tuple[Violation, ...],
    fault: Fault | None,
    request_body: Any = None,
) -> None:
    if request_body is None and incoming.body:
        try:
            request_body = parse_json(incoming.body)
        except ValueError:
            request_body = incoming.body.decode("utf-8", "replace")
    ns.journal.record(
        Exchange(
            seq=seq,
            at=arrived,
            method=incoming.method,
            path=incoming.path,
            query=incoming.query_string,
            operation=operation,
            action=action,
            job_id=job_id,
            status=0 if outcome.drop else outcome.status,
            request_headers=dict(incoming.headers),
            response_headers=dict(outcome.headers),
            request_body=request_body,
            response_body=outcome.body,
            violations=violations,
            fault=fault.pointer if fault is not None else None,
        )
    )
