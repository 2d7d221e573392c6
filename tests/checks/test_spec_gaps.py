"""Spec gaps: the undeclared statuses a profile sends, predicted (``check``), journaled as
``spec_gap``, handed over by the closing reset, and filtered on by the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from emulator.checks.spec_gaps import SpecGap, predicted_gaps
from tests.support import WRITER

TEAPOT = """\
attempts:
  - states:
      - {status: in_progress, for: {seconds: 60}}
      - {status: completed, result: {title: t, suggestion: s}}
faults:
  - {operation: "GET /v1/applications/jobs/{job_id}", status: 418, times: 2}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Emulator:
    folder = tmp_path_factory.mktemp("teapot")
    (folder / "happy-path.yaml").write_text(TEAPOT, encoding="utf-8")
    return build(api="writer", scenarios=folder, settings=Settings(manual_clock=True))


def test_a_faults_undeclared_status_is_predicted_with_its_source(app: Emulator) -> None:
    file = Path(app.scenarios["happy-path"].file).name
    assert predicted_gaps(app.profile, app.spec, app.scenarios) == [
        SpecGap(
            "retrieveJob", "GET /v1/applications/jobs/{job_id}", 418, (f"fault {file}#/faults/0",)
        )
    ]


def test_the_writer_spec_declares_every_status_its_profile_sends() -> None:
    plain = build(api="writer")
    assert predicted_gaps(plain.profile, plain.spec, plain.scenarios) == []


def test_served_gaps_are_journaled_filtered_and_handed_over_by_the_reset(app: Emulator) -> None:
    c = TestClient(app, base_url="http://emulator")
    ns = "/_ns/gaps"
    job = c.post(f"{ns}/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()
    for _ in range(3):
        c.get(f"{ns}/v1/applications/jobs/{job['id']}", headers=WRITER)
    entries = c.get(f"{ns}/_emulator/journal").json()["entries"]
    assert [(e["status"], e["spec_gap"], e["violations"]) for e in entries] == [
        (202, None, []),
        (418, {"status": 418, "operation": "retrieveJob"}, []),
        (418, {"status": 418, "operation": "retrieveJob"}, []),
        (200, None, []),
    ]
    page = c.get(f"{ns}/_emulator/journal/page", params={"kind": "gaps"}).json()
    assert [e["seq"] for e in page["entries"]] == [3, 2]
    closed = c.post(f"{ns}/_emulator/reset").json()
    assert closed["spec_gaps"] == [{"operation": "retrieveJob", "status": 418, "count": 2}]
    assert c.post(f"{ns}/_emulator/reset").json()["spec_gaps"] == []
    job = c.post("/_ns/freed/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()
    c.get(f"/_ns/freed/v1/applications/jobs/{job['id']}", headers=WRITER)
    freed = c.delete("/_ns/freed/_emulator/namespace").json()  # the pytest fixture's teardown
    assert freed["spec_gaps"] == [{"operation": "retrieveJob", "status": 418, "count": 1}]
