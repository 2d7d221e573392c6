"""Every option of an emulator, declared once: its name, default, help text and where it shows.

The command line (``jobs-emulator serve`` / ``check``), the pytest plugin (``--emulator-*``
options, ``emulator_*`` ini keys, ``@pytest.mark.emulator(...)`` arguments) and ``build()``
all read the declarations below; none of them declares an option or a default of its own.

Options come in groups, each a frozen value:

- ``Sources``: what to load (``--api``, ``--spec``, ``--profile``, ``--scenarios``);
- ``Listen``: where ``serve`` listens (``--host``, ``--port``);
- ``Settings``: how an emulator runs (strict checks, clock, seed, ...): what ``build()`` takes;
- ``Target``, ``ContractRun``, ``Recording``: what ``contract`` and ``record`` check, forward
  to and write;
- ``Deployment``: a running emulator a whole pytest run uses (``--emulator-url``);
- ``Reporting``: what a whole pytest run writes (``--emulator-report``); ``ReportFile``: what
  ``jobs-emulator report`` reads and writes;
- ``Drafting``: what ``jobs-emulator init`` drafts a profile from, and where it writes it.

Adding an option is a one-place change: a field with ``option(...)`` in the group it belongs
to (usually ``Settings``), then read it where it acts (``app.settings.max_body``)::

    max_body: int = option(1_048_576, "the largest request body accepted, in bytes")

That alone makes ``jobs-emulator serve --max-body N``, ``--emulator-max-body N``, the ini key
``emulator_max_body``, ``@pytest.mark.emulator(max_body=N)`` and ``Settings(max_body=N)``, each
with that default and help text. ``emulator.settings.option`` says what else ``option`` takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from emulator.settings.command_settings import (
    ContractRun,
    Deployment,
    Drafting,
    Recording,
    ReportFile,
    Reporting,
    Target,
)
from emulator.settings.option import Context, Option, declared, option

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_API",
    "DEFAULT_JWT_SECRET",
    "Config",
    "Context",
    "ContractRun",
    "Deployment",
    "Drafting",
    "Listen",
    "Option",
    "Recording",
    "ReportFile",
    "Reporting",
    "Settings",
    "Sources",
    "Target",
    "option",
    "options",
    "resolve",
]

DEFAULT_API = "writer"
# Every profile shipped in emulator.specs is a bundled API: a new one is data, not code.
BUNDLED_APIS = (
    DEFAULT_API,
    *sorted(
        name
        for entry in resources.files("emulator.specs").iterdir()
        if (name := entry.name.removesuffix(".profile.yaml")) != entry.name and name != DEFAULT_API
    ),
)
# Documented (docs/reference/bundled-apis.md): tests sign their JWTs with it unless --jwt-secret
# says otherwise.
DEFAULT_JWT_SECRET = "jobs-emulator-secret"

_LOADING = ("serve", "check", "contract", "record", "pytest")


@dataclass(frozen=True, slots=True)
class Sources:
    """What to load: a bundled API, or files that replace its spec, profile or scenarios."""

    api: str | None = option(
        None,
        f"a bundled API, {', '.join(BUNDLED_APIS)} (default: {DEFAULT_API}, unless a spec or "
        "profile is named), or none to serve a spec statelessly",
        where=_LOADING,
        kind=str,
        choices={**{api: api for api in BUNDLED_APIS}, "none": None},
    )
    spec: str | None = option(
        None, "an OpenAPI 3.0/3.1 file (YAML or JSON)", where=_LOADING, kind=str, path=True
    )
    profile: str | None = option(
        None, "a provider profile (default: the API's)", where=_LOADING, kind=str, path=True
    )
    scenarios: str | None = option(
        None, "a folder of scenario files (default: the API's)", where=_LOADING, kind=str, path=True
    )

    @property
    def bundled_api(self) -> str | None:
        """The API whose bundled files fill in what is not named: none for a bare spec."""
        return self.api or (None if self.spec or self.profile else DEFAULT_API)


@dataclass(frozen=True, slots=True)
class Listen:
    """Where ``jobs-emulator serve`` listens."""

    host: str = option("127.0.0.1", "interface to listen on", where=("serve", "record"))
    port: int = option(4010, "port to listen on", where=("serve", "record"))
    workers: int = option(
        1,
        "processes serving the port, one per core (more than one needs --state redis://...)",
        where=("serve",),
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """How one emulator runs: what ``build()`` takes besides the files."""

    seed: int = option(0, "seeds ids, synthesized values and probability faults")
    strict: bool = option(
        True,
        "answer 500 instead of serving a response that breaks the spec, and record "
        "request violations",
        serve=False,
    )
    manual_clock: bool = option(
        False,
        "manual: time starts at 2026-01-01T00:00:00Z and moves only when told",
        key="clock",
        choices={"real": False, "manual": True},
        test=True,
    )
    jwt_secret: str = option(DEFAULT_JWT_SECRET, "the HS256 secret that JWTs are signed with")
    fallback: Literal["none", "examples"] = option(
        "none",
        "examples: an unknown job id gets a response synthesized from the spec",
        choices=("none", "examples"),
    )
    journal_limit: int = option(10_000, "exchanges kept per namespace journal", where=())
    journal_bytes: int = option(16 << 20, "bytes kept per namespace journal (oldest go first)")
    journal_body: int = option(64 << 10, "a journaled body over this many bytes keeps 1 KiB")
    namespace_ttl: float = option(3600.0, "seconds idle before a namespace is evicted (0: never)")
    max_namespaces: int = option(10_000, "namespaces kept; past it the idle longest is evicted")
    max_memory: int = option(200 << 20, "bytes of jobs and journals kept, in all namespaces")
    max_body: int = option(
        10 * 1024 * 1024,
        "the largest request body accepted, in bytes; a larger one gets the provider's 413",
    )
    state_file: str | None = option(
        None,
        "keep jobs, clocks, scenario defaults and journals in this SQLite file across "
        "restarts (default: in memory only)",
        kind=str,
        path=True,
        where=("serve",),
    )
    state: str | None = option(
        None,
        "keep every namespace in Redis, shared by every worker and host given the same URL: "
        "redis://HOST:PORT/DB, rediss://... (TLS) or unix:///PATH.sock?db=N (default: in "
        "this process's memory)",
        kind=str,
        where=("serve",),
        metavar="URL",
    )
    # None: the path of the spec's first ``servers`` URL.
    base_path: str | None = option(
        None,
        "the path the API is served under (default: the path of the spec's servers URL)",
        kind=str,
    )
    webhooks: tuple[str, ...] = option(
        (),
        "subscribe every namespace to the profile's webhooks at URL (only the events listed "
        "after it: URL,EVENT,...); repeatable",
        key="webhook",
        where=("serve",),
        kind=tuple,
    )
    webhook_allow: tuple[str, ...] = option(
        (),
        "a host (or host:port) that webhook deliveries may go to besides loopback; repeatable",
        kind=tuple,
    )
    webhook_concurrency: int = option(8, "webhook deliveries in flight at once", where=())
    strict_spec: bool = option(
        False,
        "refuse the spec for any flaw, even in operations the profile does not bind",
        where=("serve", "pytest", "check"),
    )
    control_token: str | None = option(
        None,
        "a secret every /_emulator control and dashboard request must carry (header "
        "x-emulator-token or Authorization: Bearer); without it they get a 401",
        kind=str,
    )
    journal_secrets: bool = option(
        False,
        "show API keys, bearer tokens and cookies in journal output instead of redacting them",
    )
    api_keys: tuple[str, ...] = option(
        (),
        "accept only this API key or bearer token (others get the provider's 401); repeatable",
        key="api_key",
        kind=tuple,
    )
    exhaustive: bool = option(
        False,
        "also compile and synthesise every operation the profile does not bind (for CI)",
        where=("check",),
        key="all",
    )


_GROUPS = (
    Sources,
    Listen,
    Settings,
    Target,
    ContractRun,
    Recording,
    Reporting,
    ReportFile,
    Drafting,
    Deployment,
)
_OPTIONS = tuple(opt for group in _GROUPS for opt in declared(group))


def options(context: Context | None = None) -> tuple[Option, ...]:
    """Every declared option, or those offered in ``context``, in declaration order."""
    return tuple(o for o in _OPTIONS if context is None or context in o.where)


@dataclass(frozen=True, slots=True)
class Config:
    sources: Sources
    listen: Listen
    settings: Settings
    target: Target = field(default_factory=Target)
    contract: ContractRun = field(default_factory=ContractRun)
    recording: Recording = field(default_factory=Recording)
    reporting: Reporting = field(default_factory=Reporting)
    report_file: ReportFile = field(default_factory=ReportFile)
    drafting: Drafting = field(default_factory=Drafting)
    deployment: Deployment = field(default_factory=Deployment)


def resolve(context: Context, given: Mapping[str, Any]) -> Config:
    """The options of ``context``: those ``given`` (by key, as words or values), else defaults.

    Only options offered in ``context`` are read (two groups may use one key in different
    places: ``contract --report`` and ``pytest --emulator-report``); ``python`` reads all."""
    values: dict[type, dict[str, Any]] = {group: {} for group in _GROUPS}
    for opt in _OPTIONS:
        if context != "python" and context not in opt.where:
            continue
        if opt.key in given:
            values[opt.group][opt.field] = opt.parse(given[opt.key])
        elif context in opt.defaults:
            values[opt.group][opt.field] = opt.defaults[context]
    groups: list[Any] = [group(**values[group]) for group in _GROUPS]
    return Config(*groups)
