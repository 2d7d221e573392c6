"""What the profile says a conforming service may do that a bare reading of the spec would not.

- presence-only keys: a bearer token or API key the provider checks only for presence, so an
  "invalid" key is accepted on purpose (schemathesis's ``ignored_auth`` check would call that
  a bug);
- state-dependent statuses: a valid retry or cancel is refused while the job is in a status it
  cannot act from (the profile's ``refused`` kind), so that refusal is an acceptable answer to
  valid data;
- spec gaps: statuses the profile's error kinds and the scenarios' faults produce that the spec
  does not declare for an operation. A run reports them as known gaps, not as failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from emulator.lifecycle.profile import Profile
from emulator.lifecycle.scenario import Scenario
from emulator.openapi.model import Operation, Spec
from emulator.openapi.validation import response_for

__all__ = [
    "POSITIVE_STATUSES",
    "expected_undeclared",
    "presence_only_auth",
    "schemathesis_config",
    "state_dependent",
]

# What schemathesis may see for valid data besides 2xx: auth, a missing job, limits, outages.
POSITIVE_STATUSES = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
_JOB_BOUND = ("retrieve", "status", "retry", "cancel", "delete")
_REQUEST_KINDS = ("invalid_request", "malformed_body", "unsupported_media_type")
_AUTH_KINDS = ("unauthenticated", "invalid_token", "forbidden")


def presence_only_auth(profile: Profile | None) -> bool:
    return profile is not None and profile.auth.kind in ("bearer", "api_key")


def state_dependent(profile: Profile | None, spec: Spec) -> dict[str, int]:
    """Operations whose valid requests may be refused by the job's status, with that status."""
    if profile is None:
        return {}
    found: dict[str, int] = {}
    for action, refused in (("retry", profile.retry.refused), ("cancel", profile.cancel.refused)):
        ref = profile.operations.get(action)
        op = spec.operation(ref) if ref else None
        if op is not None:
            found[op.key] = profile.error(refused).status
    return found


def _kinds_for(profile: Profile, action: str | None, op: Operation) -> Iterable[str]:
    yield from ("server_error", "unavailable", "rate_limited", "conflict")
    if op.parameters or op.request_body:
        yield from _REQUEST_KINDS
    if op.security and profile.auth.kind != "none":
        yield from _AUTH_KINDS
    if action in _JOB_BOUND:
        yield "not_found"
    if action == "retry":
        yield profile.retry.refused
    if action == "cancel":
        yield profile.cancel.refused


def expected_undeclared(
    profile: Profile | None, spec: Spec, scenarios: Mapping[str, Scenario] | None = None
) -> dict[str, frozenset[int]]:
    """Per operation key, the statuses the profile and faults produce that the spec lacks."""
    if profile is None:
        return {}
    action_of: dict[str, str] = {}
    for bound, ref in profile.operations.items():
        op = spec.operation(ref)
        if op is not None:
            action_of[op.key] = bound
    gaps: dict[str, frozenset[int]] = {}
    for op in spec.operations:
        action = action_of.get(op.key)
        statuses = {profile.error(kind).status for kind in _kinds_for(profile, action, op)}
        for scenario in (scenarios or {}).values():
            for fault in scenario.faults:
                if fault.status and fault.operation in (action, op.key):
                    statuses.add(fault.status)
        missing = frozenset(s for s in statuses if response_for(op, s) is None)
        if missing:
            gaps[op.key] = missing
    return gaps


def schemathesis_config(
    spec: Spec,
    profile: Profile | None,
    *,
    base_url: str,
    headers: Mapping[str, str],
    max_examples: int,
    seed: int = 0,
) -> dict[str, Any]:
    """The schemathesis configuration of a conformance run, tuned by the profile."""
    labels = {op.key: f"{op.method} {op.path}" for op in spec.operations}
    config: dict[str, Any] = {
        "base-url": base_url,
        "headers": dict(headers),
        "max-redirects": 0,
        "seed": seed,
        "generation": {"max-examples": max_examples, "mode": "all", "deterministic": True,
                       "database": "none"},
        "operations": [
            {"include-name": labels[key],
             "checks": {"positive_data_acceptance": {"expected-statuses": [
                 *POSITIVE_STATUSES, str(status)]}}}
            for key, status in state_dependent(profile, spec).items()
        ],
    }  # fmt: skip
    if presence_only_auth(profile):
        config["checks"] = {"ignored_auth": {"enabled": False}}
    return config
