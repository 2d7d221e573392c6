"""The options of ``jobs-emulator contract``, ``record``, ``report`` and ``init`` and of a whole
pytest run, declared like every other (``emulator.settings`` gathers them)."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.settings.option import option

__all__ = [
    "ContractRun",
    "Deployment",
    "Drafting",
    "Recording",
    "ReportFile",
    "Reporting",
    "Target",
]

_TARGETED = ("contract", "record")


@dataclass(frozen=True, slots=True)
class Target:
    """The running service ``contract`` checks and ``record`` forwards to."""

    base_url: str | None = option(
        None,
        "the service to check, e.g. https://api.example.com (nothing else is ever contacted)",
        where=_TARGETED,
        kind=str,
        required=True,
        metavar="URL",
    )
    auth: tuple[str, ...] = option(
        (),
        "a header sent with every request, e.g. 'Api-Key: sk-1' (repeatable; never written "
        "to any report or file)",
        where=_TARGETED,
        kind=tuple,
        metavar="HEADER:VALUE",
    )
    timeout: float = option(10.0, "seconds to wait for one answer", where=_TARGETED, metavar="S")


@dataclass(frozen=True, slots=True)
class ContractRun:
    """How ``jobs-emulator contract`` checks a service."""

    max_examples: int = option(10, "positive and negative cases per operation", where=("contract",))
    max_time: float = option(
        300.0, "stop generating after S seconds", where=("contract",), metavar="S"
    )
    stateful: bool = option(
        False, "also walk jobs through create, poll, retry, cancel and list", where=("contract",)
    )
    step_seconds: float = option(
        30.0,
        "on an emulator, seconds the clock moves between polls",
        where=("contract",),
        metavar="S",
    )
    poll_interval: float = option(
        2.0, "on a real service, seconds between polls", where=("contract",), metavar="S"
    )
    replay: str | None = option(
        None,
        "play these scenarios' journeys and report every difference",
        where=("contract",),
        kind=str,
        metavar="SCENARIO[,...]",
    )
    poll_timeout: float = option(
        120.0,
        "on a real service, give up on a job after S seconds",
        where=("contract",),
        metavar="S",
    )
    report: str | None = option(
        None, "write a JUnit XML report", where=("contract",), kind=str, metavar="FILE"
    )
    json: str | None = option(
        None, "write a JSON report", where=("contract",), kind=str, metavar="FILE"
    )


@dataclass(frozen=True, slots=True)
class Recording:
    """Where ``jobs-emulator record`` writes what it saw."""

    out: str = option(
        "recorded",
        "where scenarios, journal.jsonl and drift.json go",
        where=("record",),
        metavar="DIR",
    )


@dataclass(frozen=True, slots=True)
class Reporting:
    """What a whole pytest run writes besides its own output."""

    report: str | None = option(
        None,
        "write an HTML timeline and journal of each failed test that used the emulator",
        where=("session",),
        kind=str,
        path=True,
        metavar="DIR",
    )


@dataclass(frozen=True, slots=True)
class Deployment:
    """What a whole pytest run runs its tests on, when not emulators of its own."""

    url: str | None = option(
        None,
        "run every test on the emulator already serving at URL (say, several `serve` "
        "processes on one Redis behind a balancer, shared by CI machines) instead of starting "
        "one; each test still gets a namespace of its own, freed at teardown",
        where=("session",),
        kind=str,
        metavar="URL",
    )


@dataclass(frozen=True, slots=True)
class ReportFile:
    """What ``jobs-emulator report`` reads and writes."""

    journal: str | None = option(
        None,
        "JSON saved from GET /_emulator/journal/export (or /_emulator/journal)",
        where=("report",),
        kind=str,
        required=True,
        metavar="FILE",
    )
    out: str | None = option(
        None,
        "where to write the HTML (default: FILE with .html)",
        where=("report",),
        kind=str,
        metavar="FILE",
    )


@dataclass(frozen=True, slots=True)
class Drafting:
    """What ``jobs-emulator init`` drafts from, and where it writes the draft."""

    spec: str | None = option(
        None,
        "the provider's OpenAPI 3.0/3.1 file (YAML or JSON) to draft a profile from",
        where=("init",),
        kind=str,
        required=True,
        path=True,
    )
    out: str = option(
        ".",
        "where specs/NAME.profile.yaml and scenarios/NAME/ are written",
        where=("init",),
        path=True,
        metavar="DIR",
    )
    name: str | None = option(
        None,
        "the profile's name (default: from the spec's title)",
        where=("init",),
        kind=str,
        metavar="NAME",
    )
    resource: str | None = option(
        None,
        "the job resource to draft, by a part of its path, when the spec has several",
        where=("init",),
        kind=str,
        metavar="PATH",
    )
    force: bool = option(False, "overwrite files a previous draft wrote", where=("init",))
