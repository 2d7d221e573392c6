"""The statuses a profile will send that its spec does not declare, predicted at load.

``predicted_gaps`` lists them from the profile's error kinds the request pipeline answers with (a
request the spec forbids, missing or bad credentials, an unknown job id, a retry or cancel the
job's status refuses) and the statuses the scenarios' faults script; ``check`` prints them and
``jobs-emulator contract`` takes them as known. When served, each is journaled as a spec gap
(``emulator.http.response_check.spec_gap``). A rate limit a test sets, and the limits on
hostile input (413, 414, 431), can reach any operation and are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from emulator.lifecycle.core.action_table import (
    ACTION_TABLE,
    Action,
    ActionTable,
    bind_operations,
)
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.model import Operation, Spec
from emulator.openapi.validation import response_for

__all__ = ["SpecGap", "error_kinds", "predicted_gaps"]


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
    table: ActionTable = ACTION_TABLE,
) -> list[SpecGap]:
    """Every gap, by operation in spec order, then status: of the operations the profile binds
    and those faults name; with ``unbound``, of every operation (a vendor's spec has hundreds
    nothing binds, each answering a request it forbids with the profile's error)."""
    if profile is None:
        return []
    bound = bind_operations(profile, spec, table)
    found: list[SpecGap] = []
    for op in spec.operations:
        reasons: dict[int, list[str]] = {}
        row = bound[op.key].action if op.key in bound else None
        action = bound[op.key].binding.action if op.key in bound else None  # its profile name
        if unbound or row is not None:
            for kind in error_kinds(profile, row, op):
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


def error_kinds(profile: Profile, action: Action | None, op: Operation) -> Iterator[str]:
    """The profile's error kinds the emulator may answer ``op`` with, whatever the scenario:
    the request checks', then those of the action ``op`` is bound to (its table row's)."""
    if op.parameters or op.request_body:
        yield "invalid_request"
    if op.request_body:
        yield from ("malformed_body", "unsupported_media_type")
    if op.security and profile.auth.kind != "none":
        yield from ("unauthenticated", "invalid_token")
        if profile.auth.kind == "jwt":
            yield "forbidden"
    if action is not None:
        yield from action.refusals(profile)
