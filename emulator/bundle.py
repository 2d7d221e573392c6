"""Putting an emulator together from files: spec, profile and scenarios, all checked at load.

A scenario that could make the emulator serve something its spec forbids is refused here:
each state's job, as every job-returning operation would render it, is validated against the
response schema the spec declares for that operation.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from emulator.checks.example_check import check_request_examples
from emulator.checks.naming import check_default_scenario, resolve_faults
from emulator.checks.profile_check import (
    check_profile,
    check_scenarios,
    check_stateless,
)
from emulator.checks.webhook_check import check_webhooks
from emulator.errors import ProfileError
from emulator.http.app import Emulator
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.load.scenario_load import load_scenarios
from emulator.openapi import load_spec
from emulator.openapi.flaws import Flaw
from emulator.openapi.spec_facts import base_path
from emulator.openapi.tolerance import compile_operation
from emulator.settings import BUNDLED_APIS, DEFAULT_API, Settings

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_API",
    "build",
    "bundled_profile",
    "bundled_scenarios",
    "example_profile",
]


def bundled_profile(api: str) -> Path:
    if api not in BUNDLED_APIS:
        raise ValueError(f"unknown API {api!r}; bundled: {', '.join(BUNDLED_APIS)}")
    return Path(str(resources.files("emulator.specs").joinpath(f"{api}.profile.yaml")))


def example_profile(name: str) -> Path:
    """A documented example profile shipped under specs/examples (``batch``: webhooks)."""
    folder = resources.files("emulator.specs").joinpath("examples", "profiles")
    return Path(str(folder.joinpath(f"{name}.profile.yaml")))


def bundled_scenarios(api: str) -> Path:
    return Path(str(resources.files("emulator.scenarios").joinpath(api)))


def build(
    *,
    api: str | None = DEFAULT_API,
    spec: str | Path | None = None,
    profile: str | Path | None = None,
    scenarios: str | Path | None = None,
    settings: Settings | None = None,
    exhaustive: bool = False,
    action_table: ActionTable = ACTION_TABLE,
) -> Emulator:
    """Load and check everything, then return the ASGI app. Raises LoadError subclasses.
    ``exhaustive`` (``check --all``, or ``check`` of a spec alone) also compiles and
    synthesises every unbound operation, listing what it finds in ``warnings``.

    ``api`` picks a bundled profile (and its spec and scenarios); ``spec``, ``profile`` and
    ``scenarios`` replace any of them, e.g. the bundled osapi profile over upstream's spec.
    A ``spec`` with neither ``api`` nor ``profile`` is served statelessly. ``action_table``
    is what profiles may bind (``emulator.lifecycle.core.action_table``).
    """
    profile_path = Path(profile) if profile else (bundled_profile(api) if api else None)
    loaded_profile = load_profile(profile_path, action_table) if profile_path else None
    spec_path = Path(spec) if spec else (loaded_profile.spec_path if loaded_profile else None)
    if spec_path is None:
        raise ProfileError(str(profile_path), "/spec", "no spec given and the profile names none")
    # What a profile binds is compiled at load; without one, everything is compiled on first use.
    bound = list(loaded_profile.operations.values()) if loaded_profile else []
    strict_spec = settings.strict_spec if settings else False
    loaded_spec = load_spec(spec_path, bound=bound, strict=strict_spec)
    loaded_scenarios: dict[str, Scenario] = {}
    envelope_warnings: list[Flaw] = []
    if loaded_profile is not None:
        envelope_warnings = check_profile(loaded_profile, loaded_spec, action_table)
        folder = Path(scenarios) if scenarios else loaded_profile.scenarios_dir
        if folder is not None:
            loaded_scenarios = resolve_faults(loaded_profile, loaded_spec, load_scenarios(folder))
            base = base_path(loaded_spec.document)
            check_scenarios(loaded_profile, loaded_spec, loaded_scenarios, base, action_table)
        check_default_scenario(loaded_profile, loaded_scenarios, folder)
        check_webhooks(loaded_profile, loaded_spec, loaded_scenarios)
    app = Emulator(loaded_spec, loaded_profile, loaded_scenarios, settings, action_table)
    app.warnings = (*app.warnings, *envelope_warnings)
    # Synthesising every operation of a vendor's spec would cost the load its speed: that is
    # for `check` (which lists what it finds) and --strict-spec (which refuses it).
    if exhaustive or strict_spec:
        late = [f for op in app.spec.operations for f in compile_operation(op)]
        if late and strict_spec:
            raise late[0].error()
        found = check_stateless(app.spec, app.jobs.action_of, app.jobs.synth, fatal=strict_spec)
        app.warnings = tuple(dict.fromkeys((*app.warnings, *late, *found)))
    # The same goes for checking the request examples of every operation (a tenth of a second
    # for a 1,200-operation spec): `check` does; a load checks those of the bound operations.
    examined = [op for op in app.spec.operations if exhaustive or op.key in app.jobs.action_of]
    app.warnings = (*app.warnings, *check_request_examples(app.spec, examined))
    return app
