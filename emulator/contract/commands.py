"""The ``contract`` and ``record`` subcommands: their options and what each run prints.

Exit status: 0 clean, 1 findings (the build fails), 2 the run could not be carried out (files
refused at load, target down, slow or not speaking HTTP, bad options). Progress lines go to
stderr as the run goes; the summary goes to stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, cast

from emulator.errors import LoadError
from emulator.settings import Context, Sources, resolve

# The CLI builds its parser from this module on every start, ``serve`` included: what only a
# contract or record run needs (httpx, XML reports, the app) is imported when one runs.
if TYPE_CHECKING:
    from emulator.contract.report import Report
    from emulator.http.app import Emulator

__all__ = ["COMMANDS", "add_commands", "run_command"]

COMMANDS = ("contract", "record")


def add_commands(
    commands: Any, add_options: Callable[[argparse.ArgumentParser, Context], None]
) -> None:
    """Add ``contract`` and ``record`` to the CLI's subcommands; ``add_options`` adds the
    options ``emulator.settings`` declares for each (loading, target, run, output)."""
    contract = commands.add_parser(
        "contract", help="check a running service against a spec (and a profile's scenarios)"
    )
    add_options(contract, "contract")
    record = commands.add_parser(
        "record", help="forward to a real service; write what it does as scenarios"
    )
    add_options(record, "record")


def _load(sources: Sources) -> Emulator:
    from emulator.bundle import build

    return build(
        api=sources.bundled_api,
        spec=sources.spec,
        profile=sources.profile,
        scenarios=sources.scenarios,
    )


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_command(command: str, given: Mapping[str, Any]) -> int:
    """Run ``command`` with the parsed options ``given`` (by key); the exit status."""
    from emulator.contract.report import EXIT_NOT_RUN
    from emulator.contract.target import CouldNotRun, parse_auth

    try:
        config = resolve(cast(Context, command), given)
    except ValueError as exc:
        print(f"jobs-emulator {command}: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    fields = (config.target, config.contract, config.recording, config.listen)
    args = argparse.Namespace(
        command=command, **{k: v for group in fields for k, v in asdict(group).items()}
    )
    try:
        app = _load(config.sources)
        headers = parse_auth(list(args.auth))
        if args.max_examples < 1 or args.max_time <= 0 or args.timeout <= 0:
            raise CouldNotRun("--max-examples, --max-time and --timeout must be positive")
    except (LoadError, CouldNotRun) as exc:
        print(f"jobs-emulator {args.command}: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    if command == "record":
        return _record(app, args, headers)
    # schemathesis and hypothesis take seconds to import: only a contract run pays for them.
    try:
        from emulator.contract.runner import ContractOptions, run_contract
    except ImportError as exc:
        print(
            f"jobs-emulator contract: {exc.name or 'schemathesis'} is not installed; it comes "
            "with pip install 'jobs-emulator[contract]'",
            file=sys.stderr,
        )
        return EXIT_NOT_RUN

    options = ContractOptions(
        base_url=args.base_url,
        headers=headers,
        max_examples=args.max_examples,
        stateful=args.stateful,
        max_time=args.max_time,
        timeout=args.timeout,
        step_seconds=args.step_seconds,
        poll_interval=args.poll_interval,
        poll_timeout=args.poll_timeout,
    )
    if args.replay:
        from emulator.contract.replay import run_replay

        names = [n.strip() for n in args.replay.split(",") if n.strip()]
        report = run_replay(app, names, options, _progress)
    else:
        report = run_contract(app, options, _progress)
    return _finish(report, args)


def _record(app: Emulator, args: argparse.Namespace, headers: dict[str, str]) -> int:
    from emulator.contract.record import Recorder
    from emulator.contract.report import EXIT_NOT_RUN
    from emulator.contract.target import CouldNotRun, Target
    from emulator.http.server import serve_forever

    try:
        Target(args.base_url).close()  # refuses a URL that is not http(s)
        if app.profile is None:
            raise CouldNotRun("record needs a profile (--api or --profile) to tell jobs apart")
        recorder = Recorder(app, args.base_url, args.out, headers, args.timeout)
    except (CouldNotRun, OSError) as exc:
        print(f"jobs-emulator record: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    print(
        f"jobs-emulator record: http://{args.host}:{args.port} forwards to {args.base_url}; "
        f"scenarios, journal.jsonl and drift.json go to {args.out}/",
        flush=True,
    )
    serve_forever(recorder, args.host, args.port)
    return 0


def _finish(report: Report, args: argparse.Namespace) -> int:
    from emulator.contract.report import EXIT_NOT_RUN

    print(report.summary(), flush=True)
    try:
        if args.report:
            report.write_junit(args.report)
        if args.json:
            report.write_json(args.json)
    except OSError as exc:
        print(f"jobs-emulator contract: cannot write a report: {exc}", file=sys.stderr)
        return EXIT_NOT_RUN
    return report.exit_code
