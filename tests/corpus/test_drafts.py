"""``jobs-emulator init`` on each corpus spec: the draft passes ``check`` unedited, and how far
it is from the profile a person finished from it, measured. The measured table is the one in
docs/reference/init.md: this test fails when they disagree."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from emulator import cli
from tests.support import REPO

from .corpus_support import (
    NAMES,
    fields_right,
    finished_profile,
    finished_scenarios,
    lines_changed,
    load_yaml,
    unpack,
)

TABLE = REPO / "docs" / "reference" / "init.md"


def documented() -> dict[str, tuple[str, str, str]]:
    """API -> (fields right / total, lines changed, SDK happy path) as the docs' table says."""
    rows = {}
    for line in TABLE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].strip("`") in NAMES:
            rows[cells[0].strip("`")] = (cells[2], cells[3], cells[4])
    return rows


def test_the_table_has_a_row_per_corpus_api() -> None:
    assert sorted(documented()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_sdk_column_says_whether_the_unedited_draft_runs_the_sdks_happy_path(
    name: str,
) -> None:
    """The column says yes only where the API's SDK tests run the happy path on the unedited
    draft (that test passing is what proves it); a no says why."""
    module = importlib.import_module(f"tests.corpus.test_{name}_sdk")
    runs = hasattr(module, "test_the_unedited_draft_runs_the_happy_path")
    said = documented()[name][2]
    assert said == "yes" if runs else said.startswith("no: "), said


@pytest.mark.parametrize("name", NAMES)
def test_the_draft_passes_check_and_is_measured_against_the_finished_profile(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = unpack(name, tmp_path / "spec")
    code = cli.main(["init", "--spec", str(spec), "--out", str(tmp_path), "--name", name])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert re.search(r"^  check: ok \(\d scenarios", out, re.M), out
    drafted = (tmp_path / "specs" / f"{name}.profile.yaml").read_text()
    finished = finished_profile(name).read_text()
    right, total = fields_right(load_yaml(drafted), load_yaml(finished))
    draft_scenarios = {
        p.stem: p.read_text() for p in sorted((tmp_path / "scenarios" / name).glob("*.yaml"))
    }
    changed = lines_changed(drafted, finished) + sum(
        lines_changed(draft_scenarios.get(n, ""), text)
        for n, text in finished_scenarios(name).items()
    )
    measured = (f"{right}/{total} ({100 * right // total}%)", str(changed))
    print(f"{name}: fields right {measured[0]}, lines changed {measured[1]}")
    assert documented()[name][:2] == measured
