"""The "specs from the wild" figures of docs/explanations/performance.md, written from
bench/results/wild.json (bench/wild.py), bench/results/sdk_suites.json (bench/sdk_suites.py)
and bench/results/spec_load.json (bench/spec_load.py --update: the 13 MB spec's load), so the
page shows each run's output, never figures typed by hand.

    .venv/bin/python bench/wild_page.py      # rewrite the block between the wild markers
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent / "docs" / "explanations" / "performance.md"
README = HERE.parent / "README.md"
WILD = HERE / "results" / "wild.json"
SDK_SUITES = HERE / "results" / "sdk_suites.json"
SPEC_LOAD = HERE / "results" / "spec_load.json"
START = "<!-- wild:start (written by bench/wild_page.py from bench/results/*.json) -->"
END = "<!-- wild:end -->"
SDK_START = "<!-- sdk:start (written by bench/wild_page.py) -->"
SDK_END = "<!-- sdk:end -->"


def section(wild: dict[str, Any], suites: dict[str, Any], load: dict[str, Any]) -> str:
    lines = [*_big_spec(load), ""] if load else []
    lines += [
        "Each published spec of tests/data/wild served with `--spec` alone: launch to listening"
        " (wall time, the CPU seconds it took, the machine's load average then) and RSS once"
        " listening (parse: the same file parsed only, the baseline of the same run), the"
        " flaws a full `check` lists and how many it repaired, and schemathesis (positive data,"
        " `not_a_server_error` and `response_schema_conformance`, within a time budget per"
        " spec: the operations it reached) against that server: server errors, nonconforming"
        " answers, answers that conform to the repaired schema only (in an operation with a"
        " listed repair) and answers in listed spec gaps (a 500 naming the flaw, or an operation"
        " listed as shadowed by another on the same path).",
        "",
        "| spec | version | operations | parse s | listening s (CPU s, load) | RSS MB "
        "| flaws (repaired) | operations reached | cases | 5xx | nonconforming "
        "| valid as repaired | in listed gaps |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in wild.items():
        st, serve = row["schemathesis"], row["serve"]
        started = f"{serve['seconds']:.2f}"
        if "cpu_s" in serve:
            started += f" ({serve['cpu_s']:.2f}, {serve['load_average']:.1f})"
        lines.append(
            f"| {name} | {row['dialect']} | {row['operations']:,} | "
            f"{row['parse']['seconds']:.2f} | {started} | {serve['rss_mb']:.0f} | "
            f"{row['flaws']['total']} ({row['flaws']['repaired']}) | "
            f"{st.get('operations', '-')} | {st['cases']:,} | {st['server_errors']} | "
            f"{st['nonconforming']} | {st.get('valid_as_repaired', 0)} | "
            f"{st['spec_gap_answers']} |"
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


def _big_spec(load: dict[str, Any]) -> list[str]:
    """The 13 MB spec's load next to its baselines of the same run (bench/spec_load.py)."""
    github, machine = load["github"], load["load_average"]
    ours = github["emulator"]
    lines = [
        f"GitHub's REST API description ({github['size_mb']:.0f} MB of JSON,"
        f" {github['operations']:,} operations) served with `--spec` alone listens"
        f" {ours['seconds']:.2f} s after launch (median of {len(ours['runs'])} starts,"
        f" imports included; {ours['cpu_s']:.2f} CPU s) with {ours['rss_mb']:.0f} MB RSS, on"
        f" {machine['cpus']} CPUs at a load average of {ours['load_average']:.1f} then (the"
        f" target: under 2 s and 200 MB; the CPU seconds are what the start costs whatever else"
        f" runs). Baselines of the same run: parsing the file alone takes"
        f" {github['parse']['seconds']:.2f} s",
    ]
    generated = load.get("generated")
    if generated is not None:
        lines[-1] += (
            f"; the generated {generated['operations']:,}-operation spec (0.4 MB, a deep"
            f" graph of components) listens in {generated['emulator']['seconds']:.2f} s"
            f" ({generated['emulator']['cpu_s']:.2f} CPU s)"
        )
    prism = github.get("prism", {})
    if "seconds" in prism:
        lines[-1] += (
            f"; Prism listens on the same file in {prism['seconds']:.1f} s with"
            f" {prism['rss_mb']:.0f} MB RSS"
        )
    elif prism:
        lines[-1] += f"; Prism: {prism.get('failed') or prism.get('skipped')}"
    lines[-1] += "."
    return lines


def render(page: str, wild: dict[str, Any], suites: dict[str, Any], load: dict[str, Any]) -> str:
    return _between(page, START, END, f"\n{section(wild, suites, load)}\n")


def sdk_counts(suites: dict[str, Any]) -> str:
    """The SDK suites' pass counts, emulator beside Prism, in a sentence (the README's)."""
    counts = [
        f"{row['sdk'].replace('==', ' ')} passes {_passed(row['emulator'])} tests against the"
        f" emulator and {_passed(row['prism'])} against Prism"
        for row in suites.values()
    ]
    return "Provider SDKs' own generated suites, on the published spec: " + "; ".join(counts)


def render_readme(readme: str, suites: dict[str, Any]) -> str:
    return _between(readme, SDK_START, SDK_END, sdk_counts(suites))


def _passed(run: dict[str, Any]) -> str:
    return f"{run.get('counts', {}).get('passed', 0):,}"


def _between(text: str, start: str, end: str, block: str) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"no {start} ... {end} markers")
    return pattern.sub(lambda _: f"{start}{block}{end}", text)


def main() -> None:
    wild = json.loads(WILD.read_text())
    suites = json.loads(SDK_SUITES.read_text())
    load = json.loads(SPEC_LOAD.read_text()) if SPEC_LOAD.exists() else {}
    PAGE.write_text(render(PAGE.read_text(), wild, suites, load))
    README.write_text(render_readme(README.read_text(), suites))


if __name__ == "__main__":
    main()
