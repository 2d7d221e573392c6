"""What the request path may skip and what it never does: a poll reuses the route, the rendered
view and its bytes, but every answer is still self-checked and journaled, and goes out with
the headers Starlette's Response would have sent."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.responses import Response
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.http.messages import Incoming, Outcome
from emulator.http.request_check import RequestCheck
from emulator.http.routing import Router
from emulator.http.sending import send_outcome
from emulator.lifecycle.render.view_cache import encode_body
from emulator.openapi import load_spec
from emulator.openapi.validation import RequestCheckers
from tests.support import DATA, WRITER, WRITER_INPUTS


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(build(api="writer", settings=Settings(manual_clock=True)))


def new_job(c: TestClient, status: str) -> str:
    job_id: str = c.post("/v1/applications/a/jobs", json=WRITER_INPUTS, headers=WRITER).json()["id"]
    assert c.post(f"/_emulator/jobs/{job_id}", json={"status": status}).status_code == 200
    return job_id


def test_a_cached_view_that_breaks_the_spec_is_caught_on_every_poll(client: TestClient) -> None:
    job_id = new_job(client, "bogus")  # not a status the spec allows
    since = client.get("/_emulator/journal").json()["entries"][-1]["seq"]
    answers = [client.get(f"/v1/applications/jobs/{job_id}", headers=WRITER) for _ in range(4)]
    # Strict (the default): the emulator refuses to serve what its spec forbids, every time.
    assert [r.status_code for r in answers] == [500] * 4
    assert all("'bogus' is not one of" in r.json()["detail"] for r in answers)
    polls = [e for e in client.get("/_emulator/journal").json()["entries"] if e["seq"] > since]
    assert len(polls) == 4  # every exchange is journaled
    assert all(e["violations"][0]["path"] == "$.body.status" for e in polls)
    client.post(f"/_emulator/jobs/{job_id}", json={"status": "completed"})
    fixed = client.get(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    assert fixed.status_code == 200 and fixed.json()["status"] == "completed"


def test_the_journal_keeps_what_each_poll_was_sent(client: TestClient) -> None:
    job_id = new_job(client, "in_progress")
    for n in range(3):
        client.get(f"/v1/applications/jobs/{job_id}", headers={**WRITER, "x-poll": str(n)})
    entries = client.get("/_emulator/journal", params={"job_id": job_id}).json()["entries"]
    polls = [e for e in entries if e["action"] == "retrieve"]
    assert [e["request_headers"]["x-poll"] for e in polls] == ["0", "1", "2"]


def test_a_repeated_path_is_routed_once_and_the_memory_of_paths_is_bounded() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    router: Router = app.pipeline.router
    first = router.match("GET", "/v1/applications/jobs/j1")
    assert router.match("GET", "/v1/applications/jobs/j1") is first
    assert first.params == {"job_id": "j1"}
    for n in range(5000):
        router.match("GET", f"/v1/applications/jobs/j{n}")
    assert len(router._recent) <= 4096
    assert router.match("GET", "/v1/applications/jobs/j1").params == {"job_id": "j1"}


def sent(outcome: Outcome, *, head: bool = False) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(send_outcome(outcome, send, head=head))
    return messages


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(200, {"id": "é"}),
        Outcome(202, [1, 2], headers={"X-Request-Id": "r1", "retry-after": "3"}),
        Outcome(404, {"error": "x"}, "application/problem+json"),
        Outcome(204, None),
        Outcome(200, None, headers={"Location": "/x"}),
        Outcome(200, "text", "text/plain"),
        Outcome(200, {"a": 1}, headers={"content-type": "application/vnd.x+json"}),
    ],
)
def test_an_outcome_goes_out_as_starlette_would_send_it(outcome: Outcome) -> None:
    start, body = sent(outcome)
    payload = outcome.payload
    if payload is None:
        expected = Response(status_code=outcome.status, headers=dict(outcome.headers))
    else:
        expected = Response(payload, outcome.status, dict(outcome.headers), outcome.media_type)
    assert (start["status"], list(start["headers"])) == (expected.status_code, expected.raw_headers)
    assert body["body"] == expected.body
    head_start, head_body = sent(outcome, head=True)
    assert list(head_start["headers"]) == expected.raw_headers and head_body["body"] == b""


def incoming(path: str, query: str = "", headers: dict[str, str] | None = None) -> Incoming:
    return Incoming("GET", path, query, parse_qsl(query, True), headers or {}, b"")


def test_a_bodiless_request_is_checked_once_and_a_bad_one_is_refused_every_time() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    check = RequestCheck(app.pipeline.checkers.checkers)
    op = app.spec.operation("listJobs")
    assert op is not None
    params = {"application_id": "a"}
    first = check.check(op, op.key, params, incoming("/v1/applications/a/jobs", "limit=5"))
    again = check.check(op, op.key, params, incoming("/v1/applications/a/jobs", "limit=5"))
    assert again is first and first.params["limit"] == 5 and not first.violations
    bad = [
        check.check(op, op.key, params, incoming("/v1/applications/a/jobs", "limit=-1"))
        for _ in range(2)
    ]
    assert all(b.violations and b.violations[0].location == ("query", "limit") for b in bad)


def test_a_request_whose_headers_are_parameters_is_checked_every_time() -> None:
    spec = load_spec(DATA / "specs" / "unit" / "validation.yaml")
    op = spec.operation("listItems")
    assert op is not None
    check = RequestCheck(RequestCheckers(spec.operations))
    good = {"x-trace-id": "0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b"}
    assert not check.check(op, op.key, {}, incoming("/items", "", good)).violations
    refused = check.check(op, op.key, {}, incoming("/items", "", {"x-trace-id": "nope"}))
    assert refused.violations[0].location[:2] == ("header", "X-Trace-Id")


def test_a_list_page_is_sent_as_the_bytes_of_its_body() -> None:
    writer = TestClient(build(api="writer", settings=Settings(manual_clock=True)))
    for _ in range(3):
        writer.post("/v1/applications/a/jobs", json=WRITER_INPUTS, headers=WRITER)
    openai = TestClient(build(api="openai", settings=Settings(manual_clock=True)))
    batch = {
        "input_file_id": "file-1",
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    auth = {"Authorization": "Bearer sk-1"}
    for _ in range(3):
        assert openai.post("/v1/batches", json=batch, headers=auth).status_code == 200
    pages = [
        writer.get("/v1/applications/a/jobs", params={"limit": 2}, headers=WRITER),
        writer.get("/v1/applications/a/jobs", params={"limit": 2, "offset": 2}, headers=WRITER),
        openai.get("/v1/batches", params={"limit": 2}, headers=auth),
        openai.get("/v1/batches", headers=auth),
    ]
    for page in pages:
        assert page.status_code == 200 and page.content == encode_body(page.json())
    assert len(pages[2].json()["data"]) == 2 and pages[2].json()["has_more"] is True


def test_a_repeated_small_body_is_checked_once_and_a_large_one_every_time() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    check = RequestCheck(app.pipeline.checkers.checkers)
    op = app.spec.operation("createJob")
    assert op is not None

    def create(body: bytes) -> Any:
        headers = {"content-type": "application/json"}
        sent = Incoming("POST", "/v1/applications/a/jobs", "", [], headers, body)
        return check.check(op, op.key, {"application_id": "a"}, sent)

    small = json.dumps(WRITER_INPUTS).encode()
    assert create(small) is create(small) and create(small).body == WRITER_INPUTS
    other = json.dumps({"inputs": [{"id": "topic", "value": ["hats"]}]}).encode()
    assert create(other).body["inputs"][0]["value"] == ["hats"]
    assert create(b'{"inputs": 1}').violations  # refused every time, memo or not
    assert create(b'{"inputs": 1}').violations
    large = json.dumps({"inputs": [{"id": "topic", "value": ["x" * 3000]}]}).encode()
    assert create(large) is not create(large)


def test_answers_without_headers_of_their_own_share_one_header_tuple() -> None:
    from emulator.http.sending import raw_headers

    first = raw_headers(200, {}, "application/json", 120)
    assert raw_headers(200, {}, "application/json", 120) is first
    assert raw_headers(200, {"x-a": "1"}, "application/json", 120) is not first
