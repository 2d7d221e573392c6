"""emulator.lifecycle.core.listing: Writer offset pages, Retab cursor pages, osapi offset pages and
queue stats."""

from __future__ import annotations

import json
from typing import Any

import pytest
import writerai
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.http.server import LiveServer
from tests.support import RETAB, WRITER, emulator_for, osapi_auth

OSAPI = osapi_auth()


@pytest.fixture(scope="module")
def writer_app() -> TestClient:
    return emulator_for("writer")


@pytest.fixture(scope="module")
def retab_app() -> TestClient:
    return emulator_for("retab")


@pytest.fixture(scope="module")
def osapi_app() -> TestClient:
    return emulator_for("osapi")


def reset(c: TestClient) -> TestClient:
    assert c.post("/_emulator/reset").status_code == 200
    return c


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


# --- Writer: offset + totalCount, per application -------------------------------------------------


def writer_jobs(c: TestClient, app_id: str, count: int, **headers: str) -> list[str]:
    ids = []
    for _ in range(count):
        r = c.post(
            f"/v1/applications/{app_id}/jobs", json={"inputs": []}, headers={**WRITER, **headers}
        )
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    return ids


def writer_page(c: TestClient, app_id: str, **query: Any) -> Any:
    return ok(c.get(f"/v1/applications/{app_id}/jobs", params=query, headers=WRITER))


def test_writer_pages_by_offset_newest_first_echoing_pagination(writer_app: TestClient) -> None:
    c = reset(writer_app)
    ids = writer_jobs(c, "app-1", 5)
    newest_first = ids[::-1]
    pages = [writer_page(c, "app-1", limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [[j["id"] for j in p["result"]] for p in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
        [],
    ]
    assert [p["totalCount"] for p in pages] == [5, 5, 5, 5]
    assert [p["pagination"] for p in pages] == [
        {"offset": 0, "limit": 2},
        {"offset": 2, "limit": 2},
        {"offset": 4, "limit": 2},
        {"offset": 6, "limit": 2},
    ]
    assert all(j["application_id"] == "app-1" for j in pages[0]["result"])


def test_writer_limit_zero_means_the_default_page(writer_app: TestClient) -> None:
    c = reset(writer_app)
    writer_jobs(c, "app-1", 3)
    page = writer_page(c, "app-1", limit=0)
    assert len(page["result"]) == 3
    assert page["pagination"] == {"offset": 0, "limit": 50}  # the profile's default, not 0
    assert writer_page(c, "app-1")["pagination"] == {"offset": 0, "limit": 50}


def test_writer_lists_partition_by_application(writer_app: TestClient) -> None:
    c = reset(writer_app)
    one = writer_jobs(c, "app-1", 3)
    two = writer_jobs(c, "app-2", 2)
    assert [j["id"] for j in writer_page(c, "app-2")["result"]] == two[::-1]
    assert writer_page(c, "app-2")["totalCount"] == 2
    assert writer_page(c, "app-1")["totalCount"] == 3
    assert {j["id"] for j in writer_page(c, "app-1")["result"]} == set(one)
    empty = writer_page(c, "no-such-app")
    assert empty == {"result": [], "totalCount": 0, "pagination": {"offset": 0, "limit": 50}}


def test_writer_status_filter_counts_only_matches(writer_app: TestClient) -> None:
    c = reset(writer_app)
    failing = writer_jobs(c, "app-1", 2, **{"X-Emulator-Scenario": "always-fail"})
    running = writer_jobs(c, "app-1", 3)
    c.post("/_emulator/clock/advance", json={"seconds": 30})  # always-fail ends after 30 s
    failed = writer_page(c, "app-1", status="failed")
    assert {j["id"] for j in failed["result"]} == set(failing)
    assert failed["totalCount"] == 2
    in_progress = writer_page(c, "app-1", status="in_progress", limit=2)
    assert in_progress["totalCount"] == 3
    assert [j["id"] for j in in_progress["result"]] == running[::-1][:2]
    assert writer_page(c, "app-1", status="completed")["totalCount"] == 0


def test_writer_sdk_pager_reads_every_job_once_and_stops() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    with LiveServer(app) as server:
        client = writerai.Writer(api_key="My API Key", base_url=server.url, max_retries=0)
        ids = [
            client.applications.jobs.create(
                application_id="app-1", inputs=[{"id": "t", "value": ["x"]}]
            ).id
            for _ in range(5)
        ]
        paged = [job.id for job in client.applications.jobs.list("app-1", limit=2)]
        assert paged == ids[::-1]
        # limit=0 (the SDK's own tests send it) must neither fail nor loop forever.
        assert [job.id for job in client.applications.jobs.list("app-1", limit=0)] == ids[::-1]
        lists = app.namespaces.get("default").journal.entries(operation="list")
        assert [e.query for e in lists] == [
            "limit=2",
            "limit=2&offset=2",
            "limit=2&offset=4",
            "limit=0",
        ]


# --- Retab: cursor by id, both orders ------------------------------------------------------------


def retab_jobs(c: TestClient, count: int) -> list[str]:
    ids = []
    for i in range(count):
        body = {
            "endpoint": "/v1/documents/extract" if i % 2 else "/v1/documents/parse",
            "request": {"n": i},
            "metadata": {"batch": f"b{i % 2}", "n": str(i)},
        }
        r = c.post("/v1/jobs", json=body, headers=RETAB)
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])
    return ids


def retab_page(c: TestClient, **query: Any) -> tuple[list[str], Any]:
    page = ok(c.get("/v1/jobs", params=query, headers=RETAB))
    assert page["object"] == "list"
    return [j["id"] for j in page["data"]], page


def test_retab_cursor_pages_newest_first_with_after(retab_app: TestClient) -> None:
    c = reset(retab_app)
    ids = retab_jobs(c, 5)
    desc = ids[::-1]
    first, page = retab_page(c, limit=2)
    assert first == desc[:2]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (desc[0], desc[1], True)
    second, page = retab_page(c, limit=2, after=page["last_id"])
    assert second == desc[2:4] and page["has_more"] is True
    third, page = retab_page(c, limit=2, after=page["last_id"])
    assert third == desc[4:] and page["has_more"] is False
    everything, page = retab_page(c)
    assert everything == desc and page["has_more"] is False


def test_retab_cursor_pages_oldest_first_and_backwards(retab_app: TestClient) -> None:
    c = reset(retab_app)
    ids = retab_jobs(c, 5)
    asc, page = retab_page(c, order="asc", limit=2)
    assert asc == ids[:2] and page["has_more"] is True
    nxt, _ = retab_page(c, order="asc", limit=2, after=ids[1])
    assert nxt == ids[2:4]
    # `before` gives the page just before the cursor, still in the listing's order.
    back, page = retab_page(c, order="asc", limit=2, before=ids[3])
    assert back == ids[1:3] and page["has_more"] is True
    back, page = retab_page(c, order="asc", limit=2, before=ids[1])
    assert back == ids[:1] and page["has_more"] is False
    desc_back, page = retab_page(c, limit=2, before=ids[1])
    assert desc_back == [ids[3], ids[2]] and page["has_more"] is True


def test_retab_filters_metadata_status_and_endpoint(retab_app: TestClient) -> None:
    c = reset(retab_app)
    ids = retab_jobs(c, 5)
    odd, _ = retab_page(c, metadata=json.dumps({"batch": "b1"}))
    assert odd == [ids[3], ids[1]]
    exact, _ = retab_page(c, metadata=json.dumps({"batch": "b0", "n": "2"}))
    assert exact == [ids[2]]
    assert retab_page(c, metadata=json.dumps({"batch": "b9"}))[0] == []
    parse, _ = retab_page(c, endpoint="/v1/documents/parse")
    assert parse == [ids[4], ids[2], ids[0]]
    c.post(f"/v1/jobs/{ids[0]}/cancel", headers=RETAB)
    cancelled, page = retab_page(c, status="cancelled")
    assert cancelled == [ids[0]] and page["has_more"] is False
    queued, page = retab_page(c, status="queued", limit=3)
    assert queued == [ids[4], ids[3], ids[2]] and page["has_more"] is True


def test_retab_empty_list_and_unknown_cursor(retab_app: TestClient) -> None:
    c = reset(retab_app)
    empty = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    assert retab_page(c)[1] == empty
    retab_jobs(c, 2)
    assert retab_page(c, after="job_aaaaaaaaaaaaaaaaaaaaa")[1] == empty


def test_retab_limit_out_of_range_is_a_422(retab_app: TestClient) -> None:
    c = reset(retab_app)
    for limit in (0, 101, "many"):
        r = c.get("/v1/jobs", params={"limit": limit}, headers=RETAB)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["query", "limit"]


# --- osapi: offset + total_items, limit=0 is everything -------------------------------------------


def osapi_jobs(c: TestClient, count: int) -> list[str]:
    ids = []
    for i in range(count):
        kind = "network.dns.get" if i % 3 == 0 else "node.hostname.get"
        r = c.post(
            "/job", json={"operation": {"type": kind}, "target_hostname": "_any"}, headers=OSAPI
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["job_id"])
    return ids


def osapi_page(c: TestClient, **query: Any) -> tuple[list[str], int]:
    page = ok(c.get("/job", params=query, headers=OSAPI))
    return [j["id"] for j in page["items"]], page["total_items"]


def test_osapi_empty_list_is_an_empty_array(osapi_app: TestClient) -> None:
    c = reset(osapi_app)
    assert ok(c.get("/job", headers=OSAPI)) == {"total_items": 0, "items": []}
    assert ok(c.get("/job?limit=0", headers=OSAPI)) == {"total_items": 0, "items": []}


def test_osapi_limit_zero_means_all_newest_first(osapi_app: TestClient) -> None:
    c = reset(osapi_app)
    ids = osapi_jobs(c, 12)
    default, total = osapi_page(c)
    assert default == ids[::-1][:10] and total == 12  # the default page is 10
    everything, total = osapi_page(c, limit=0)
    assert everything == ids[::-1] and total == 12
    tail, total = osapi_page(c, limit=5, offset=10)
    assert tail == ids[1::-1] and total == 12
    assert osapi_page(c, offset=50) == ([], 12)


def test_osapi_status_filter_and_queue_stats(osapi_app: TestClient) -> None:
    c = reset(osapi_app)
    ids = osapi_jobs(c, 6)
    assert ok(c.get("/job/status", headers=OSAPI)) == {
        "total_jobs": 6,
        "status_counts": {"submitted": 6},
        "operation_counts": {"network.dns.get": 2, "node.hostname.get": 4},
        "dlq_count": 0,
    }
    c.post(f"/_emulator/jobs/{ids[0]}", json={"status": "completed", "result": {"ok": True}})
    c.post(f"/_emulator/jobs/{ids[1]}", json={"status": "failed", "error": {"message": "boom"}})
    c.post(f"/_emulator/jobs/{ids[2]}", json={"status": "failed", "error": {"message": "boom"}})
    stats = ok(c.get("/job/status", headers=OSAPI))
    assert stats["status_counts"] == {"submitted": 3, "completed": 1, "failed": 2}
    assert stats["total_jobs"] == 6
    failed, total = osapi_page(c, status="failed")
    assert failed == [ids[2], ids[1]] and total == 2
    assert osapi_page(c, status="partial_failure") == ([], 0)
    c.delete(f"/job/{ids[3]}", headers=OSAPI)
    assert ok(c.get("/job/status", headers=OSAPI))["total_jobs"] == 5
    assert osapi_page(c, limit=0)[1] == 5
