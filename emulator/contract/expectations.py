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

from collections.abc import Mapping
from typing import Any

from emulator.checks.spec_gaps import predicted_gaps
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.model import Spec
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
_ANYTIME = ("server_error", "unavailable", "rate_limited", "conflict")


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


def expected_undeclared(
    profile: Profile | None, spec: Spec, scenarios: Mapping[str, Scenario] | None = None
) -> dict[str, frozenset[int]]:
    """Per operation key, the statuses the spec lacks that the emulator journals as spec gaps
    (``emulator.checks.spec_gaps``), and those a real service may send any time (outages, rate
    limits)."""
    if profile is None:
        return {}
    gaps: dict[str, set[int]] = {}
    for gap in predicted_gaps(profile, spec, scenarios, unbound=True):
        gaps.setdefault(gap.operation, set()).add(gap.status)
    anytime = {profile.error(kind).status for kind in _ANYTIME}
    for op in spec.operations:
        missing = {s for s in anytime if response_for(op, s) is None}
        if missing:
            gaps.setdefault(op.key, set()).update(missing)
    return {key: frozenset(statuses) for key, statuses in gaps.items()}


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
        "generation": {
            "max-examples": max_examples,
            "mode": "all",
            "deterministic": True,
            "database": "none",
        },
        "operations": [
            {
                "include-name": labels[key],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*POSITIVE_STATUSES, str(status)]
                    }
                },
            }
            for key, status in state_dependent(profile, spec).items()
        ],
    }
    if presence_only_auth(profile):
        config["checks"] = {"ignored_auth": {"enabled": False}}
    return config
