"""``jobs-emulator``: serve an emulator, or check specs, profiles and scenarios without serving.

jobs-emulator serve [--api NAME | --spec PATH] [--profile PATH] [--scenarios PATH] [options]
jobs-emulator check [--api NAME | --spec PATH] [--profile PATH] [--scenarios PATH]
jobs-emulator contract --base-url URL [--api NAME | --spec PATH] [...]   (emulator.contract)
jobs-emulator record --base-url URL [--api NAME | --spec PATH] [...]     (emulator.contract)
jobs-emulator report --journal FILE [--out FILE.html]
jobs-emulator init --spec FILE [--out DIR] [--name NAME] [--resource PATH]   (emulator.drafting)

The options, their defaults and help texts come from ``emulator.settings`` (see
``jobs-emulator serve --help``); none is declared here.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emulator.bundle import build
from emulator.checks.spec_gaps import SpecGap, predicted_gaps
from emulator.contract.commands import COMMANDS, add_commands, run_command
from emulator.dashboard.command import run_report
from emulator.errors import LoadError
from emulator.openapi.flaws import Flaw
from emulator.settings import (
    BUNDLED_APIS,
    Context,
    Drafting,
    Settings,
    Sources,
    options,
    resolve,
)

__all__ = ["main"]


def _add_options(parser: argparse.ArgumentParser, context: Context) -> None:
    for opt in options(context):
        default = opt.default_in(context)
        text = opt.help if default is None else f"{opt.help} (default: {opt.word(default)})"
        # Unset options stay out of the namespace, so resolve() alone fills in defaults.
        kwargs: dict[str, Any] = {"dest": opt.key, "default": argparse.SUPPRESS, "help": text}
        if opt.required:
            kwargs["required"] = True
        if opt.choices is not None:
            kwargs["choices"] = list(opt.choices)
        elif opt.kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif opt.kind is tuple:
            kwargs["action"] = "append"
            kwargs["metavar"] = opt.metavar or "TEXT"
        else:
            kwargs["type"] = opt.kind
            number = "N" if opt.kind in (int, float) else "TEXT"
            kwargs["metavar"] = opt.metavar or ("PATH" if opt.path else number)
        parser.add_argument(opt.flag, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobs-emulator",
        description="Emulate asynchronous job APIs from an OpenAPI spec, with scripted "
        "lifecycles on a clock the test controls.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_options(commands.add_parser("serve", help="serve an emulator over HTTP"), "serve")
    check = commands.add_parser("check", help="validate spec, profile and scenarios; serve nothing")
    _add_options(check, "check")
    add_commands(commands, _add_options)
    report = commands.add_parser(
        "report", help="build a self-contained HTML timeline and journal from a saved journal"
    )
    _add_options(report, "report")
    init = commands.add_parser(
        "init", help="draft a profile and scenarios from a provider's spec, then check them"
    )
    _add_options(init, "init")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = vars(_parser().parse_args(argv))
    command = given.pop("command")
    if command == "report":
        files = resolve("report", given).report_file
        assert files.journal is not None  # required by the parser
        return run_report(files.journal, files.out)
    if command == "init":
        return _init(resolve("init", given).drafting)
    if command == "check":
        checking = resolve("check", given)
        return _check(checking.sources, checking.settings)
    if command in COMMANDS:
        return run_command(command, given)
    config = resolve("serve", given)
    sources, listen = config.sources, config.listen
    refused = None
    if listen.workers < 1:
        refused = f"--workers takes 1 or more, not {listen.workers}"
    elif listen.workers > 1 and config.settings.state is None:
        refused = (
            f"--workers {listen.workers} needs --state redis://HOST:PORT/DB: each worker would "
            "keep jobs of its own, and a job made through one would be unknown to the next"
        )
    if refused is not None:
        print(f"jobs-emulator: refused to start: {refused}", file=sys.stderr)
        return 2
    from emulator.http import server  # uvicorn: only for serving

    try:
        sock = server.bind(listen.host, listen.port)
    except OSError as exc:
        print(
            f"jobs-emulator: cannot listen on {listen.host}:{listen.port}: {exc}", file=sys.stderr
        )
        return 2
    try:
        app = build(
            api=sources.bundled_api,
            spec=sources.spec,
            profile=sources.profile,
            scenarios=sources.scenarios,
            settings=config.settings,
        )
    except LoadError as exc:
        sock.close()
        print(f"jobs-emulator: refused to start: {exc}", file=sys.stderr)
        return 2
    if config.settings.webhooks and app.webhooks is None:
        print(
            "jobs-emulator: refused to start: --webhook given, but the profile declares no "
            "webhooks (see docs/how-to/webhooks.md)",
            file=sys.stderr,
        )
        sock.close()
        return 2
    _count_flaws(app.warnings, sources)
    if config.settings.control_token is None and not _loopback(listen.host):
        print(
            f"warning: listening on {listen.host}, beyond this machine, with an unlocked "
            "control plane: anyone who can reach the port can reset, force or read any "
            "namespace; start with --control-token TOKEN",
            file=sys.stderr,
        )

    name = app.profile.name if app.profile else "stateless"
    clock = "manual" if config.settings.manual_clock else "real"
    # With --port 0 the system picks the port: print the one it picked, so a script can read it.
    port = sock.getsockname()[1]
    state = "" if app.shared is None else f", state in {app.shared.state.where}"
    workers = f", {listen.workers} workers" if listen.workers > 1 else ""
    print(
        f"jobs-emulator: serving {app.spec.title} ({name}, {len(app.spec.operations)} operations,"
        f" {len(app.scenarios)} scenarios, clock {clock}{state}{workers}) on"
        f" {_url(listen.host, port)} ({server.stack()})",
        flush=True,
    )
    if listen.workers > 1:
        server.serve_workers(app, listen.host, port, sock, listen.workers)
    else:
        server.serve_forever(app, listen.host, port, sock)
    return 0


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _loopback(host: str) -> bool:
    """Whether ``host`` only takes connections from this machine (``0.0.0.0`` takes all)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False


def _count_flaws(warnings: Sequence[Flaw], sources: Sources) -> None:
    """One line at startup: how many flaws the spec has, repaired or not, and the command
    that lists each of them."""
    if not warnings:
        return
    repaired = sum(1 for w in warnings if w.repaired)
    kinds = Counter(w.kind for w in warnings)
    named = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
    rerun = f"--spec {sources.spec}" if sources.spec else f"--api {sources.bundled_api}"
    print(
        f"jobs-emulator: the spec has {len(warnings)} flaws ({named}); {repaired} repaired, "
        f"{len(warnings) - repaired} not (left out of validation); "
        f"`jobs-emulator check {rerun}` lists each",
        file=sys.stderr,
    )


def _warn(warnings: Sequence[Flaw]) -> None:
    """Each flaw on its own line: file, pointer, the rule broken and the repair applied."""
    for warning in warnings:
        print(f"  {'repaired' if warning.repaired else 'not repaired'}: {warning}")


def _check(sources: Sources, settings: Settings) -> int:
    named = sources.api or sources.spec or sources.profile
    targets = [sources.bundled_api] if named else list(BUNDLED_APIS)
    failed = False
    for api in targets:
        try:
            app = build(
                api=api,
                spec=sources.spec,
                profile=sources.profile,
                scenarios=sources.scenarios,
                settings=settings,
                # A spec alone is served from its schemas throughout: check all of them.
                exhaustive=settings.exhaustive or not (sources.profile or api),
            )
        except LoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        scenarios = ", ".join(sorted(app.scenarios)) or "none"
        label = app.profile.name if app.profile else str(app.spec.path)
        print(f"ok: {label}: {len(app.spec.operations)} operations; scenarios: {scenarios}")
        _gaps(predicted_gaps(app.profile, app.spec, app.scenarios, table=app.jobs.table))
        _warn(app.warnings)
    return 2 if failed else 0


def _gaps(gaps: Sequence[SpecGap]) -> None:
    """One line per operation: the statuses it will send undeclared, and why."""
    by_operation: dict[str, list[SpecGap]] = {}
    for gap in gaps:
        by_operation.setdefault(gap.label, []).append(gap)
    for label, found in by_operation.items():
        statuses = ", ".join(f"{g.status} ({', '.join(g.reasons)})" for g in found)
        print(f"  spec gap: {label}: undeclared {statuses}")


def _init(drafting: Drafting) -> int:
    """Draft, write, then load the draft as ``check`` would: what was written, whether it
    loads, what could not be decided, and the commands to run next."""
    from emulator.drafting import DraftError, draft_profile, write_draft

    assert drafting.spec is not None  # required by the parser
    spec, out = Path(drafting.spec), Path(drafting.out)
    try:
        draft = draft_profile(spec, name=drafting.name, resource=drafting.resource)
        written = write_draft(draft, spec, out, force=drafting.force)
    except (LoadError, DraftError, FileExistsError) as exc:
        print(f"jobs-emulator init: {exc}", file=sys.stderr)
        return 2
    profile = written[0]
    print(f"drafted {draft.name} from {spec} (job resource {draft.resource}):")
    for path in written:
        print(f"  wrote {path}")
    bound = ", ".join(draft.profile["operations"])
    print(f"  bound: {bound}")
    try:
        app = build(profile=str(profile), settings=Settings())
    except LoadError as exc:
        print(f"  check: error: {exc}", file=sys.stderr)
        return 2
    print(f"  check: ok ({len(app.scenarios)} scenarios: {', '.join(sorted(app.scenarios))})")
    if draft.undecided:
        print("could not decide (see the comments in the profile):")
        for line in draft.undecided:
            print(f"  - {line}")
    if draft.others:
        more = len(draft.others) - 8
        tail = f" and {more} more" if more > 0 else ""
        print(f"other job resources (--resource PATH): {', '.join(draft.others[:8])}{tail}")
    print("next:")
    print(f"  jobs-emulator check --profile {profile}")
    print(f"  jobs-emulator serve --profile {profile} --clock manual")
    return 0
