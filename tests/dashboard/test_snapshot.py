"""emulator.dashboard.snapshot and report: saved journals read back, and one HTML file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulator.dashboard.failure_report import render, write
from emulator.dashboard.snapshot import SnapshotError, from_saved, load

ENTRY = {
    "seq": 1,
    "at": 100.0,
    "method": "GET",
    "path": "/jobs/j1",
    "action": "retrieve",
    "operation": "getJob",
    "job_id": "j1",
    "status": 200,
    "violations": [],
    "fault": None,
}


def test_a_plain_journal_gives_each_job_its_requests_but_no_bands() -> None:
    snapshot = from_saved({"entries": [ENTRY, {**ENTRY, "seq": 2, "at": 130.0}]}, "saved.json")
    (job,) = snapshot["jobs"]
    assert job["job"]["id"] == "j1" and job["bands"] == []
    assert [r["kind"] for r in job["requests"]] == ["retrieve", "retrieve"]
    assert snapshot["clock"] == {"now": 130.0} and snapshot["namespace"] == "saved.json"
    assert from_saved([ENTRY], "list.json")["entries"] == [ENTRY]


def test_an_export_is_kept_as_it_is() -> None:
    export = {"namespace": "t", "clock": {"now": 1.0}, "jobs": [], "entries": [ENTRY]}
    assert from_saved(export, "x") == {"version": 1, **export}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON: Expecting property name"),
        ('{"jobs": []}', 'expected the JSON of GET /_emulator/journal (an object with "entries")'),
        ('{"entries": [{"seq": 1}]}', "/entries/0: a journal entry has seq, at, method and path"),
    ],
)
def test_a_file_that_is_no_journal_is_refused_naming_it(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "journal.json"
    path.write_text(text)
    with pytest.raises(SnapshotError, match=re.escape(f"{path}: ")) as caught:
        load(path)
    assert message in str(caught.value)
    with pytest.raises(SnapshotError, match="cannot read the journal"):
        load(tmp_path / "missing.json")


def test_a_report_inlines_its_assets_and_data_and_loads_nothing(tmp_path: Path) -> None:
    hostile = {**ENTRY, "response_body": "<!-- </script><script>alert(1)</script>"}
    snapshot = from_saved({"entries": [hostile]}, "j")
    html = render(snapshot, "a <title>")
    assert "<style>" in html and ".band" in html and "function" in html
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)  # nothing fetched
    assert "<title>a &lt;title&gt;</title>" in html
    data = re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', html, re.S)
    assert data is not None and json.loads(data.group(1)) == snapshot
    path = write(snapshot, tmp_path / "deep" / "report.html")
    assert path.read_text() == render(snapshot, "jobs-emulator: report")
