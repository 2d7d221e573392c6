"""Headers and cookies the spec declares: response headers held to the spec by the self-check
(openapi.response_headers), required ones made for stateless answers, cookie parameters read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.openapi import load_spec
from emulator.openapi.response_headers import check_response_headers
from tests.support import WRITER

SPEC = """
openapi: 3.1.0
info: {title: Headers, version: "1"}
paths:
  /ping:
    get:
      operationId: ping
      parameters:
        - {name: session, in: cookie, required: true, schema: {type: string, minLength: 3}}
        - {name: page, in: cookie, schema: {type: integer}}
      responses:
        "200":
          description: pong
          headers:
            X-Request-Id: {required: true, schema: {type: string, format: uuid}}
            Retry-After: {schema: {type: integer, minimum: 0}}
          content:
            application/json:
              schema: {type: object, required: [ok], properties: {ok: {const: true}}}
        "400":
          description: refused
"""


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("headers") / "headers.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def ping(spec_file: Path) -> Any:
    return next(op for op in load_spec(spec_file).operations if op.key == "ping")


UUID = "6b17f21f-81a6-4e41-be19-3bc9f200d0a1"


def test_a_declared_header_must_be_sent_when_required_and_valid_when_sent(ping: Any) -> None:
    assert check_response_headers(ping, 200, {"x-request-id": UUID, "Retry-After": "2"}) == []
    assert check_response_headers(ping, 200, {"X-REQUEST-ID": UUID, "x-other": "any"}) == []
    (missing,) = check_response_headers(ping, 200, {"retry-after": "2"})
    assert (missing.side, missing.path, missing.rule) == (
        "response",
        "$.header.x-request-id",
        "required",
    )
    assert "'X-Request-Id' is required for ping 200" in missing.message
    (typed,) = check_response_headers(ping, 200, {"x-request-id": UUID, "retry-after": "soon"})
    assert (typed.path, typed.rule) == ("$.header.retry-after", "type")
    assert typed.message.startswith("response header 'Retry-After': 'soon' is not of type")
    (low,) = check_response_headers(ping, 200, {"x-request-id": UUID, "retry-after": "-1"})
    assert low.rule == "minimum"  # read as the integer its schema says: -1 < 0
    (bad,) = check_response_headers(ping, 200, {"x-request-id": "not-a-uuid"})
    assert bad.rule == "format"
    assert check_response_headers(ping, 400, {}) == []  # declares no headers
    assert check_response_headers(ping, 503, {}) == []  # undeclared status: the body check's


def test_a_stateless_answer_carries_the_headers_its_spec_requires(spec_file: Path) -> None:
    c = TestClient(build(api=None, spec=spec_file, settings=Settings(manual_clock=True)))
    r = c.get("/ping", headers={"Cookie": "session=abc"})
    assert r.status_code == 200, r.text
    assert len(r.headers["x-request-id"]) == 36 and "retry-after" not in r.headers
    (entry,) = c.get("/_emulator/journal").json()["entries"]
    assert entry["violations"] == []


def test_cookie_parameters_are_read_from_the_cookie_header(spec_file: Path) -> None:
    c = TestClient(build(api=None, spec=spec_file, settings=Settings(manual_clock=True)))
    assert c.get("/ping", headers={"Cookie": "theme=dark; session=abc; page=2"}).status_code == 200
    assert c.get("/ping", headers={"Cookie": 'session="quoted"'}).status_code == 200
    missing = c.get("/ping", headers={"Cookie": "theme=dark"})
    assert missing.status_code == 400 and "session" in missing.text
    short = c.get("/ping", headers={"Cookie": "session=ab"})
    assert short.status_code == 400
    typed = c.get("/ping", headers={"Cookie": "session=abc; page=two"})
    assert typed.status_code == 400 and "page" in typed.text
    rules = [
        v["rule"] for e in c.get("/_emulator/journal").json()["entries"] for v in e["violations"]
    ]
    assert rules == ["required", "minLength", "type"]


def test_the_self_check_refuses_a_declared_header_the_spec_forbids(tmp_path: Path) -> None:
    (tmp_path / "bad-header.yaml").write_text(
        "attempts: [{states: [{status: in_progress}]}]\n"
        "faults: [{operation: retrieve, nth: 1, status: 429, headers: {x-should-retry: maybe}}]\n"
    )
    c = TestClient(build(api="writer", scenarios=tmp_path, settings=Settings(manual_clock=True)))
    job = c.post("/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()["id"]
    r = c.get(f"/v1/applications/jobs/{job}", headers=WRITER)
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert "x-should-retry" in r.text
    (violation,) = c.get("/_emulator/journal").json()["entries"][-1]["violations"]
    assert (violation["path"], violation["rule"]) == ("$.header.x-should-retry", "enum")
