"""``jobs-emulator report --journal FILE [--out FILE]``: a report from a saved journal.

Save one from a running emulator with ``curl -s localhost:4010/_emulator/journal/export -o
journal.json`` (status bands and requests), or ``.../_emulator/journal`` (requests only).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_report_command", "run_report"]


def add_report_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="build a self-contained HTML timeline and journal from a saved journal"
    )
    report.add_argument(
        "--journal",
        required=True,
        metavar="FILE",
        help="JSON saved from GET /_emulator/journal/export (or /_emulator/journal)",
    )
    report.add_argument(
        "--out", metavar="FILE", help="where to write the HTML (default: FILE with .html)"
    )


def run_report(args: argparse.Namespace) -> int:
    # Here, not at the top: the CLI adds this command's parser on every start, serve included.
    from emulator.dashboard.report import write
    from emulator.dashboard.snapshot import SnapshotError, load

    source = Path(args.journal)
    try:
        snapshot = load(source)
    except SnapshotError as exc:
        print(f"jobs-emulator: cannot build a report: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else source.with_suffix(".html")
    if out.resolve() == source.resolve():
        print(f"jobs-emulator: --out {out} would overwrite the journal", file=sys.stderr)
        return 2
    write(snapshot, out, f"jobs-emulator report: {source.name}")
    jobs, entries = len(snapshot["jobs"]), len(snapshot["entries"])
    print(f"jobs-emulator: wrote {out} ({_count(jobs, 'job')}, {_count(entries, 'exchange')})")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
