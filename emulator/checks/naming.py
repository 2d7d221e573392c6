"""Names a profile or scenario gives to other things, checked at load: the profile's
``default_scenario`` must name a loaded scenario, and each fault's ``operation`` an action the
profile binds or an operation of the spec (operationId or ``METHOD /path``).

A name that matches nothing would otherwise be silently ignored: a default that never plays,
a fault that never fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from emulator.errors import ProfileError, ScenarioError
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Fault, Scenario
from emulator.openapi.model import Operation, Spec

__all__ = ["check_default_scenario", "resolve_faults"]

_LISTED = 12  # operations named in a message; a vendor's spec has hundreds


def check_default_scenario(
    profile: Profile, scenarios: Mapping[str, Scenario], folder: Path | None
) -> None:
    """The profile's default must be one of its scenarios. A folder that replaces the profile's
    own may lack it when it holds one scenario only: that one plays, nothing to choose from."""
    name = profile.default_scenario
    if name is None or name in scenarios:
        return
    if folder != profile.scenarios_dir and len(scenarios) == 1:
        return
    where = f"in {folder}" if folder else "loaded (the profile names no scenarios folder)"
    known = ", ".join(sorted(scenarios)) or "none"
    raise ProfileError(
        str(profile.path),
        "/default_scenario",
        f"no scenario named {name!r} is {where}; name one of: {known}",
    )


def resolve_faults(
    profile: Profile, spec: Spec, scenarios: Mapping[str, Scenario]
) -> dict[str, Scenario]:
    """The scenarios with each fault's ``operation`` as the request pipeline names it (the
    action, or the operation's key); ScenarioError for one that names nothing."""
    return {name: _resolved(profile, spec, s) for name, s in scenarios.items()}


def _resolved(profile: Profile, spec: Spec, scenario: Scenario) -> Scenario:
    if not scenario.faults:
        return scenario
    faults = tuple(_fault(profile, spec, scenario, fault) for fault in scenario.faults)
    return replace(scenario, faults=faults)


def _fault(profile: Profile, spec: Spec, scenario: Scenario, fault: Fault) -> Fault:
    ref = fault.operation
    if ref in profile.operations:
        return fault
    op = spec.operation(ref) or _by_route(spec, ref)
    if op is not None:
        return replace(fault, operation=op.key)
    actions = ", ".join(profile.operations)
    raise ScenarioError(
        scenario.file,
        f"{fault.pointer}/operation",
        f"{ref!r} names no action this profile binds and no operation of {spec.path.name}; "
        f"actions: {actions}; operations: {_operations(spec.operations)}",
    )


def _by_route(spec: Spec, ref: str) -> Operation | None:
    """``post /jobs`` as well as ``POST /jobs``."""
    method, _, path = ref.partition(" ")
    return spec.operation(f"{method.upper()} {path.strip()}") if path else None


def _operations(operations: tuple[Operation, ...]) -> str:
    named = [
        op.key if op.key.startswith(op.method) else f"{op.key} ({op.method} {op.path})"
        for op in operations[:_LISTED]
    ]
    if len(operations) > _LISTED:
        named.append(f"... ({len(operations)} in all)")
    return ", ".join(named)
