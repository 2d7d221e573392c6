"""Putting an emulator together from files: spec, profile and scenarios, all checked at load.

A scenario that could make the emulator serve something its spec forbids is refused here:
each state's job, as every job-returning operation would render it, is validated against the
response schema the spec declares for that operation.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from emulator.checks.naming import check_default_scenario, resolve_faults
from emulator.checks.view_check import check_views
from emulator.checks.webhook_check import check_webhooks
from emulator.errors import ProfileError
from emulator.http.app import Emulator
from emulator.http.dispatch import success_status
from emulator.http.routing import base_path
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.load.scenario_load import load_scenarios
from emulator.openapi import load_spec
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Spec
from emulator.openapi.synthesis import Synthesizer
from emulator.settings import BUNDLED_APIS, DEFAULT_API, Settings
from emulator.yamlread import escape

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_API",
    "build",
    "bundled_profile",
    "bundled_scenarios",
    "check_scenarios",
    "example_profile",
    "sample_request",
]

_JOB_BOUND = frozenset({"retrieve", "status", "retry", "cancel", "delete"})


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
) -> Emulator:
    """Load and check everything, then return the ASGI app. Raises LoadError subclasses.
    ``exhaustive`` (``check --all``) also compiles and synthesises every unbound operation.

    ``api`` picks a bundled profile (and its spec and scenarios); ``spec``, ``profile`` and
    ``scenarios`` replace any of them, e.g. the bundled osapi profile over upstream's spec.
    A ``spec`` with neither ``api`` nor ``profile`` is served statelessly.
    """
    profile_path = Path(profile) if profile else (bundled_profile(api) if api else None)
    loaded_profile = load_profile(profile_path) if profile_path else None
    spec_path = Path(spec) if spec else (loaded_profile.spec_path if loaded_profile else None)
    if spec_path is None:
        raise ProfileError(str(profile_path), "/spec", "no spec given and the profile names none")
    # With a profile, only what it binds must be flawless; without one, everything is served
    # from the spec and must be.
    bound = list(loaded_profile.operations.values()) if loaded_profile else None
    strict_spec = settings.strict_spec if settings else False
    loaded_spec = load_spec(spec_path, bound=bound, strict=strict_spec)
    loaded_scenarios: dict[str, Scenario] = {}
    if loaded_profile is not None:
        check_profile(loaded_profile, loaded_spec)
        folder = Path(scenarios) if scenarios else loaded_profile.scenarios_dir
        if folder is not None:
            loaded_scenarios = resolve_faults(loaded_profile, loaded_spec, load_scenarios(folder))
            base = base_path(loaded_spec.document)
            check_scenarios(loaded_profile, loaded_spec, loaded_scenarios, base)
        check_default_scenario(loaded_profile, loaded_scenarios, folder)
        check_webhooks(loaded_profile, loaded_spec, loaded_scenarios)
    app = Emulator(loaded_spec, loaded_profile, loaded_scenarios, settings)
    # Synthesising every unbound operation of a vendor's spec would cost the load its speed:
    # with a profile that is for `check --all` (or --strict-spec), and only a warning there.
    if loaded_profile is None or exhaustive or strict_spec:
        fatal = loaded_profile is None or strict_spec
        app.warnings = (*app.warnings, *check_stateless(app, fatal=fatal))
    return app


def check_profile(profile: Profile, spec: Spec) -> None:
    for action, ref in profile.operations.items():
        op = spec.operation(ref)
        if op is None:
            known = ", ".join(op.key for op in spec.operations)
            raise ProfileError(
                str(profile.path),
                f"/operations/{action}",
                f"the spec {spec.path.name} has no operation {ref!r}; it has: {known}",
            )
        if action in _JOB_BOUND and "{" not in op.path:
            raise ProfileError(
                str(profile.path),
                f"/operations/{action}",
                f"{action} acts on one job, but {op.key} ({op.method} {op.path}) has no path "
                "parameter to carry the job id; bind an operation like GET /jobs/{id}",
            )


def check_stateless(app: Emulator, *, fatal: bool = True) -> list[Flaw]:
    """Refuse (or with ``fatal`` false, warn of) an operation the emulator would answer from
    its schema when no value fits it."""
    found: list[Flaw] = []
    for op in app.spec.operations:
        if app.jobs.action_of.get(op.key) is not None:
            continue
        status = success_status(op)
        declared = op.responses.get(str(status))
        if declared is None or not declared.content:
            continue
        media_type, media = next(
            ((k, v) for k, v in declared.content.items() if k == "application/json"),
            next(iter(declared.content.items())),
        )
        try:
            body = app.jobs.synth.for_media(media, f"{op.key}:{status}")
        except ValueError as exc:
            problem = f"no response body can be made: {exc}"
        else:
            validator = media.validator
            error = next(iter(validator.iter_errors(body)), None) if validator else None
            if error is None:
                continue
            problem = f"no value this emulator makes satisfies it ({error.message})"
        pointer = f"{op.pointer}/responses/{status}/content/{escape(media_type)}/schema"
        flaw = Flaw(
            str(app.spec.path),
            pointer,
            f"{op.key} is served from its schema, but {problem}; fix the schema or add an example",
        )
        if fatal:
            raise flaw.error()
        found.append(flaw)
    return found


def check_scenarios(
    profile: Profile, spec: Spec, scenarios: dict[str, Scenario], base_path: str = ""
) -> None:
    """Refuse any scenario state whose rendered views the spec would not allow."""
    check_views(profile, spec, scenarios, sample_request(profile, spec), base_path)


def sample_request(profile: Profile, spec: Spec) -> dict[str, Any]:
    """A valid create request, so views that echo the request render as they would live."""
    synth = Synthesizer(0, spec.registry)
    op = spec.operation(profile.operations["create"])
    body: Any = None
    path: dict[str, Any] = {}
    if op is not None:
        media = op.request_body.content.get("application/json") if op.request_body else None
        if media is not None and media.schema is not None:
            body = synth.generate(media.schema, "load-check")
        for param in op.parameters:
            if param.location == "path":
                path[param.name] = str(synth.generate(param.schema, param.name))
    return {"body": body, "path": path, "query": {}}
