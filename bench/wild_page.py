"""The "specs from the wild" figures of docs/explanations/performance.md, written from
bench/results/wild.json (bench/wild.py) and bench/results/sdk_suites.json
(bench/sdk_suites.py), so the page shows one run's output, never figures typed by hand.

    .venv/bin/python bench/wild_page.py      # rewrite the block between the wild markers
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "explanations" / "performance.md"
WILD = HERE / "results" / "wild.json"
SDK_SUITES = HERE / "results" / "sdk_suites.json"
START = "<!-- wild:start (written by bench/wild_page.py from bench/results/wild, sdk_suites) -->"
END = "<!-- wild:end -->"


def section(wild: dict[str, Any], suites: dict[str, Any]) -> str:
    lines = [
        "Each published spec of tests/data/wild served with `--spec` alone: launch to listening"
        " and RSS once listening (parse: the same file parsed only, the baseline of the same"
        " run), the flaws a full `check` lists and how many it repaired, and schemathesis"
        " (positive data, `not_a_server_error` and `response_schema_conformance`) against"
        " that server: server errors, nonconforming answers, answers that conform to the"
        " repaired schema only (in an operation with a listed repair) and 500s naming a spec gap.",
        "",
        "| spec | version | operations | parse s | listening s | RSS MB | flaws (repaired) "
        "| cases | 5xx | nonconforming | valid as repaired | spec-gap 500s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in wild.items():
        st = row["schemathesis"]
        lines.append(
            f"| {name} | {row['dialect']} | {row['operations']:,} | "
            f"{row['parse']['seconds']:.2f} | {row['serve']['seconds']:.2f} | "
            f"{row['serve']['rss_mb']:.0f} | "
            f"{row['flaws']['total']} ({row['flaws']['repaired']}) | "
            f"{st['cases']:,} | {st['server_errors']} | {st['nonconforming']} | "
            f"{st.get('valid_as_repaired', 0)} | {st['spec_gap_answers']} |"
        )
    lines += [
        "",
        "Provider SDKs' own generated suites (Stainless: every method against a mock server),"
        " against the emulator and against Prism on the provider's published spec, same run:",
        "",
        "| SDK | emulator passed | emulator failed + errors | Prism passed "
        "| Prism failed + errors |",
        "|---|---|---|---|---|",
    ]
    for row in suites.values():
        ours, theirs = row["emulator"].get("counts", {}), row["prism"].get("counts", {})
        lines.append(
            f"| {row['sdk']} | {ours.get('passed', 0):,} | "
            f"{ours.get('failed', 0) + ours.get('error', 0):,} | {theirs.get('passed', 0):,} | "
            f"{theirs.get('failed', 0) + theirs.get('error', 0):,} |"
        )
    return "\n".join(lines)


def render(page: str, wild: dict[str, Any], suites: dict[str, Any]) -> str:
    block = f"{START}\n{section(wild, suites)}\n{END}"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: block, page) if pattern.search(page) else f"{page}\n{block}\n"


def main() -> None:
    wild = json.loads(WILD.read_text())
    suites = json.loads(SDK_SUITES.read_text())
    PAGE.write_text(render(PAGE.read_text(), wild, suites))


if __name__ == "__main__":
    main()
