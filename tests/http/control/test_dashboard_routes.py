"""emulator.http.control.dashboard_routes: the page at /_emulator/ui and the paged views it
reads."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from tests.dashboard.browser import HEADERS, SCENARIOS, fail_then_retry

ROOT = "http://emulator"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = build(api="writer", scenarios=SCENARIOS, settings=Settings(manual_clock=True))
    return TestClient(app, base_url=ROOT)


def get(client: TestClient, path: str, **query: Any) -> Any:
    r = client.get(path, params=query)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_page_and_its_assets_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/_emulator/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="ui/dashboard.css"' in page.text and 'src="ui/dashboard.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    css = client.get("/_ns/t/_emulator/ui/dashboard.css")
    assert css.headers["content-type"].startswith("text/css") and ".band" in css.text
    js = client.get("/_emulator/ui/dashboard.js")
    assert js.headers["content-type"].startswith("text/javascript") and "timeline" in js.text
    missing = client.get("/_emulator/ui/secrets.txt")
    assert missing.status_code == 404 and "no dashboard file 'secrets.txt'" in missing.text


def test_a_timeline_has_the_jobs_bands_and_one_mark_per_request(client: TestClient) -> None:
    base = f"{ROOT}/_ns/timeline"
    job_id = fail_then_retry(client, base)
    tl = get(client, f"/_ns/timeline/_emulator/jobs/{job_id}/timeline")
    assert [(b["status"], b["kind"], b["attempt"]) for b in tl["bands"]] == [
        ("in_progress", "started", 0),
        ("failed", "failed", 0),
        ("in_progress", "started", 1),
    ]
    start = tl["bands"][0]["start"]
    assert [(b["start"] - start, b["end"] - start, b["open"]) for b in tl["bands"]] == [
        (0, 10, False),
        (10, 20, False),
        (20, 20, True),
    ]
    assert [r["kind"] for r in tl["requests"]] == ["create"] + ["retrieve"] * 4 + ["retry"]
    faults = [r["fault"] for r in tl["requests"]]
    assert faults == [None, None, "/faults/0", "/faults/1", None, None]
    assert [bool(r["violations"]) for r in tl["requests"]] == [False] * 3 + [True] + [False] * 2
    assert tl["job"]["status"] == "in_progress" and tl["job"]["attempt"] == 1
    client.post(f"{base}/_emulator/clock/advance", json={"seconds": 30})
    later = get(client, f"/_ns/timeline/_emulator/jobs/{job_id}/timeline")
    assert [b["status"] for b in later["bands"]][-2:] == ["in_progress", "completed"]
    assert later["bands"][-1]["kind"] == "done" and later["job"]["status"] == "completed"
    missing = client.get("/_ns/timeline/_emulator/jobs/nope/timeline")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no job 'nope' in namespace 'timeline'"}


def test_jobs_are_paged_newest_first_and_filtered_by_status(client: TestClient) -> None:
    client.post("/_ns/paged/_emulator/reset")
    ids = [
        client.post(
            "/_ns/paged/v1/applications/app-1/jobs", headers=HEADERS, json={"inputs": []}
        ).json()["id"]
        for _ in range(120)
    ]
    page = get(client, "/_ns/paged/_emulator/jobs", offset=100, limit=50)
    assert (page["total"], page["offset"], page["limit"]) == (120, 100, 50)
    assert [j["id"] for j in page["jobs"]] == ids[19::-1]
    assert set(page["jobs"][0]) >= {"id", "status", "kind", "scenario", "attempt", "polls"}
    client.post(f"/_ns/paged/v1/applications/jobs/{ids[0]}", headers=HEADERS)
    assert get(client, "/_ns/paged/_emulator/jobs", status="failed")["total"] == 0
    assert get(client, "/_ns/paged/_emulator/jobs", status="in_progress")["total"] == 120
    assert get(client, "/_ns/paged/_emulator/jobs", limit=10_000)["limit"] == 500
    bad = client.get("/_ns/paged/_emulator/jobs", params={"offset": "-1"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "offset is a non-negative integer, not '-1'"}
    plain = get(client, "/_ns/paged/_emulator/jobs")  # without paging: the original answer
    assert len(plain["jobs"]) == 120 and "view" in plain["jobs"][0]


def test_journal_pages_filter_by_problem_and_text(client: TestClient) -> None:
    job_id = fail_then_retry(client, f"{ROOT}/_ns/journal")
    page = get(client, "/_ns/journal/_emulator/journal/page", limit=2)
    assert page["total"] == 6 and [e["seq"] for e in page["entries"]] == [6, 5]
    assert [
        e["seq"]
        for e in get(client, "/_ns/journal/_emulator/journal/page", order="asc", offset=4)[
            "entries"
        ]
    ] == [5, 6]
    faults = get(client, "/_ns/journal/_emulator/journal/page", kind="faults")["entries"]
    assert [e["fault"] for e in faults] == ["/faults/1", "/faults/0"]
    violations = get(client, "/_ns/journal/_emulator/journal/page", kind="violations")
    assert [e["status"] for e in violations["entries"]] == [500]
    assert get(client, "/_ns/journal/_emulator/journal/page", kind="gaps")["total"] == 0
    assert get(client, "/_ns/journal/_emulator/journal/page", q="RETRY")["total"] == 1
    assert get(client, "/_ns/journal/_emulator/journal/page", job_id=job_id)["total"] == 6
    assert get(client, "/_ns/journal/_emulator/journal/page", status=503)["total"] == 1
    bad = client.get("/_ns/journal/_emulator/journal/page", params={"kind": "oops"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "kind is one of violations, faults, gaps, not 'oops'"}


def test_namespaces_activity_and_export(client: TestClient) -> None:
    job_id = fail_then_retry(client, f"{ROOT}/_ns/export")
    names = {n["name"]: n for n in get(client, "/_emulator/namespaces")["namespaces"]}
    assert names["export"] == {"name": "export", "jobs": 1, "exchanges": 6, "last_seq": 6}
    activity = get(client, "/_ns/export/_emulator/activity")
    assert activity["last_seq"] == 6 and activity["clock"]["mode"] == "manual"
    snapshot = get(client, "/_ns/export/_emulator/journal/export")
    assert snapshot["namespace"] == "export" and len(snapshot["entries"]) == 6
    (only,) = snapshot["jobs"]
    assert only["job"]["id"] == job_id and len(only["bands"]) == 3 and len(only["requests"]) == 6
    refused = client.post("/_emulator/namespaces")  # read-only views
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
