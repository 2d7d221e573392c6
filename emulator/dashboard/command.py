"""``jobs-emulator report --journal FILE [--out FILE]``: a report from a saved journal.

Save one from a running emulator with ``curl -s localhost:4010/_emulator/journal/export -o
journal.json`` (status bands and requests), or ``.../_emulator/journal`` (requests only).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["run_report"]


def run_report(journal: str, out_file: str | None) -> int:
    """Write the report of the journal saved at ``journal`` (options: ``settings.ReportFile``)."""
    # Here, not at the top: the CLI adds this command's parser on every start, serve included.
    from emulator.dashboard.failure_report import write
    from emulator.dashboard.snapshot import SnapshotError, load

    source = Path(journal)
    try:
        snapshot = load(source)
    except SnapshotError as exc:
        print(f"jobs-emulator: cannot build a report: {exc}", file=sys.stderr)
        return 2
    out = Path(out_file) if out_file else source.with_suffix(".html")
    if out.resolve() == source.resolve():
        print(f"jobs-emulator: --out {out} would overwrite the journal", file=sys.stderr)
        return 2
    write(snapshot, out, f"jobs-emulator report: {source.name}")
    jobs, entries = len(snapshot["jobs"]), len(snapshot["entries"])
    print(f"jobs-emulator: wrote {out} ({_count(jobs, 'job')}, {_count(entries, 'exchange')})")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
