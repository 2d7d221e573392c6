"""The emulator's check of its own answers against the responses its spec declares.

A poll usually sends the very bytes it sent last time: a verdict on identical bytes is the
same verdict, so only bodies never seen before are validated. The headers the response
declares are checked every time (a few look-ups; most responses declare none).

A status the operation does not declare, sent because the profile says the provider sends it,
is a *spec gap* (``spec_gap``): served as is and journaled as ``spec_gap: {status, operation}``.
``predicted_gaps`` lists beforehand the gaps a profile will produce, from the profile's error
kinds the request pipeline answers with (a request the spec forbids, missing or bad
credentials, an unknown job id, a retry or cancel the job's status refuses) and the statuses
the scenarios' faults script; ``check`` prints them and ``jobs-emulator contract`` takes them as
known. A rate limit a test sets, and the limits on hostile input (413, 414, 431), can reach any
operation and are not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from emulator.http.messages import Outcome
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.model import Operation, Spec
from emulator.openapi.response_headers import check_response_headers
from emulator.openapi.validation import check_response, response_for
from emulator.openapi.violation import Violation
from emulator.speed.memo import SizedMemo

__all__ = ["ResponseCheck", "SpecGap", "flaw_marks", "predicted_gaps", "served_gaps", "spec_gap"]


class ResponseCheck:
    """``check(op, outcome)``: the violations of ``outcome`` as an answer to ``op``."""

    def __init__(self, cache_size: int = 4096, max_bytes: int = 4 << 20) -> None:
        # Keyed by the bytes sent: bounded by their size too, not only by their number.
        self._conforming = SizedMemo[tuple[str, int, str, bytes | None], bool](
            cache_size, max_bytes
        )

    def check(self, op: Operation, outcome: Outcome) -> list[Violation]:
        if not outcome.checked:
            return []
        headers = check_response_headers(op, outcome.status, outcome.headers)
        key = (op.key, outcome.status, outcome.media_type, outcome.payload)
        if self._conforming.get(key):
            return headers
        violations = check_response(op, outcome.status, outcome.media_type, outcome.body)
        if not violations:
            self._conforming.put(key, True, len(key[3] or b"") + 200)
        return violations + headers


def spec_gap(
    violations: tuple[Violation, ...], profile: Profile | None
) -> tuple[tuple[Violation, ...], int | None]:
    """``violations`` less an undeclared status, and that status: the profile says the provider
    sends it, so it is the spec's gap, not the emulator's fault (unless the profile says
    ``undeclared: violation``). The body of a declared status is still checked."""
    if profile is not None and profile.undeclared == "violation":
        return violations, None
    gap = next((v for v in violations if v.rule == "status"), None)
    if gap is None:
        return violations, None
    return tuple(v for v in violations if v is not gap), int(gap.location[-1])


def served_gaps(entries: Iterable[Exchange]) -> list[dict[str, object]]:
    """Each undeclared status the journal shows served, with its operation and how many times:
    what the pytest plugin's summary lists, handed over when a namespace is reset or freed."""
    counted = Counter((e.operation, e.spec_gap) for e in entries if e.spec_gap is not None)
    return [{"operation": op, "status": status, "count": n} for (op, status), n in counted.items()]


def flaw_marks(op: Operation) -> tuple[str, ...]:
    """What the journal says of ``op``'s flaws tolerated at load (those parts are unchecked)."""
    return tuple(f"{flaw.pointer}: {flaw.reason}" for flaw in op.flaws)


_JOB_BOUND = ("retrieve", "status", "retry", "cancel", "delete")


@dataclass(frozen=True, slots=True)
class SpecGap:
    """``operation`` (its key) may answer ``status``, which it does not declare, for
    ``reasons``: error kinds (``unsupported_media_type``) or faults (``fault x.yaml#/faults/0``)."""

    operation: str
    route: str
    status: int
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        same = self.operation == self.route
        return self.operation if same else f"{self.operation} ({self.route})"

    def __str__(self) -> str:
        return f"{self.label}: {self.status} ({', '.join(self.reasons)}) is not declared"


def predicted_gaps(
    profile: Profile | None,
    spec: Spec,
    scenarios: Mapping[str, Scenario] | None = None,
    *,
    unbound: bool = False,
) -> list[SpecGap]:
    """Every gap, by operation in spec order, then status: of the operations the profile binds
    and those faults name; with ``unbound``, of every operation (a vendor's spec has hundreds
    nothing binds, each answering a request it forbids with the profile's error)."""
    if profile is None:
        return []
    action_of = {op.key: a for a, ref in profile.operations.items() if (op := spec.operation(ref))}
    found: list[SpecGap] = []
    for op in spec.operations:
        reasons: dict[int, list[str]] = {}
        action = action_of.get(op.key)
        if unbound or action is not None:
            for kind in error_kinds(profile, action, op):
                reasons.setdefault(profile.error(kind).status, []).append(kind)
        for scenario in (scenarios or {}).values():
            for fault in scenario.faults:
                if fault.status and fault.operation in (action, op.key):
                    where = f"fault {scenario.file.rsplit('/', 1)[-1]}#{fault.pointer}"
                    reasons.setdefault(fault.status, []).append(where)
        route = f"{op.method} {op.path}"
        for status in sorted(reasons):
            if response_for(op, status) is None:
                unique = tuple(dict.fromkeys(reasons[status]))
                found.append(SpecGap(op.key, route, status, unique))
    return found


def error_kinds(profile: Profile, action: str | None, op: Operation) -> Iterator[str]:
    """The profile's error kinds the emulator may answer ``op`` with, whatever the scenario."""
    if op.parameters or op.request_body:
        yield "invalid_request"
    if op.request_body:
        yield from ("malformed_body", "unsupported_media_type")
    if op.security and profile.auth.kind != "none":
        yield from ("unauthenticated", "invalid_token")
        if profile.auth.kind == "jwt":
            yield "forbidden"
    if action in _JOB_BOUND:
        yield "not_found"
    if action == "retry":
        yield profile.retry.refused
    if action == "cancel":
        yield profile.cancel.refused
