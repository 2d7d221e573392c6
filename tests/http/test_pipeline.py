"""emulator.http.pipeline and its values: outcomes built once and never changed, no internal
flag on the wire, journal entries made from one trace, a pipeline that needs no app."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.http.messages import Incoming, Outcome, Trace
from emulator.http.pipeline import Pipeline
from emulator.lifecycle.core.namespace import Namespace
from tests.support import WRITER, WRITER_INPUTS


def test_an_outcome_is_serialised_once() -> None:
    outcome = Outcome(200, {"é": 1})
    assert outcome.payload is outcome.payload
    assert outcome.payload == '{"é":1}'.encode()
    grown = outcome.with_headers({"x-a": "1"})
    assert grown.payload is outcome.payload and outcome.headers == {}
    assert grown.headers == {"x-a": "1"}


def test_a_trace_is_the_journal_entry_of_an_outcome() -> None:
    incoming = Incoming("POST", "/v1/x", "a=1", [("a", "1")], {"h": "v"}, b"not json")
    entry = Trace(10.0, incoming, operation="op", job_id="j").exchange(Outcome(201, {"id": 1}))
    assert (entry.at, entry.operation, entry.job_id) == (10.0, "op", "j")
    shown = entry.as_dict()
    assert (shown["status"], shown["request_body"], shown["response_body"]) == (
        201,
        "not json",
        {"id": 1},
    )
    # The response is kept as the bytes the wire got, not as a second, parsed copy.
    assert entry.response_body == b'{"id":1}'
    dropped = Trace(11.0, incoming).exchange(Outcome(0, None, drop=True))
    assert dropped.status == 0


def test_a_strict_violation_carries_no_internal_header() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True, strict=True))
    c = TestClient(app)
    job_id = c.post("/v1/applications/a/jobs", json=WRITER_INPUTS, headers=WRITER).json()["id"]
    c.post(f"/_emulator/jobs/{job_id}", json={"status": "bogus"})
    r = c.get(f"/v1/applications/jobs/{job_id}", headers=WRITER)
    assert r.status_code == 500
    assert not [h for h in r.headers if h.startswith("x-emulator-")]


def test_the_pipeline_serves_without_the_app() -> None:
    app = build(api="writer", settings=Settings(manual_clock=True))
    pipeline: Pipeline = app.pipeline
    assert not any(
        isinstance(getattr(pipeline, f.name), type(app)) for f in dataclasses.fields(pipeline)
    )
    ns = Namespace("alone", manual_clock=True, seed=0, journal_limit=10)
    headers = {"authorization": "Bearer k", "content-type": "application/json"}
    incoming = Incoming(
        "POST", "/v1/applications/a/jobs", "", [], headers, json.dumps(WRITER_INPUTS).encode()
    )
    outcome = asyncio.run(pipeline.serve(ns, incoming))
    assert outcome.status == 202 and outcome.body["status"] == "in_progress"
    (entry,) = ns.journal.entries()
    assert (entry.status, entry.action, entry.job_id) == (202, "create", outcome.body["id"])
