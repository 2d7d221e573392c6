"""emulator.http.limits and strict JSON: the default 10 MiB body limit, the header and query
limits, and the JSON that parse_json refuses (depth, duplicates, surrogates, non-UTF-8)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from starlette.requests import ClientDisconnect
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from emulator.http.limits import MAX_HEADER_BYTES, MAX_QUERY_BYTES, receive_body
from emulator.openapi.jsonparse import MAX_JSON_DEPTH, parse_json

WRITER = {"Authorization": "Bearer k", "content-type": "application/json"}


@functools.cache
def _app(api: str, max_body: int = 10 * 1024 * 1024) -> Emulator:
    return build(api=api, settings=Settings(manual_clock=True, max_body=max_body))


def _client(api: str, max_body: int = 10 * 1024 * 1024) -> TestClient:
    c = TestClient(_app(api, max_body))
    c.post("/_emulator/reset")
    return c


def test_the_default_body_limit_is_10_mib_and_answers_413_in_the_envelope() -> None:
    assert Settings().max_body == 10 * 1024 * 1024
    c = _client("writer")
    r = c.post("/v1/applications/a/jobs", content=b" " * (10 * 1024 * 1024 + 1), headers=WRITER)
    assert r.status_code == 413
    assert r.json()["tpe"] == "PayloadTooLarge" and "--max-body" in r.text
    just_under = b'{"inputs": []}' + b" " * (1024 * 1024)
    assert c.post("/v1/applications/a/jobs", content=just_under, headers=WRITER).status_code == 202


def test_max_body_is_a_setting() -> None:
    c = _client("retab", 10)
    r = c.post("/v1/jobs", content=b'{"endpoint": "x"}', headers={"Api-Key": "k"})
    assert r.status_code == 413 and r.json() == {
        "detail": "the request body is 17 bytes; the limit is 10 (--max-body)"
    }
    (entry,) = c.get("/_emulator/journal").json()["entries"]
    assert entry["violations"][0]["rule"] == "limit"


def test_header_and_query_limits_sit_just_past_their_size() -> None:
    c = _client("retab")
    auth = {"Api-Key": "k"}
    near = "h" * (MAX_HEADER_BYTES - 1024)
    assert c.get("/v1/jobs", headers={**auth, "x-pad": near}).status_code == 200
    assert c.get("/v1/jobs", headers={**auth, "x-pad": near + "h" * 2048}).status_code == 431
    assert c.get("/v1/jobs?" + "q" * (MAX_QUERY_BYTES - 10), headers=auth).status_code == 200
    assert c.get("/v1/jobs?" + "q" * (MAX_QUERY_BYTES + 1), headers=auth).status_code == 414


def test_the_control_plane_has_the_same_limits() -> None:
    c = _client("retab", 10)
    r = c.post("/_emulator/clock/advance", content=b'{"seconds": 10000}')
    assert r.status_code == 413 and "limit" in r.json()["error"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nested deeper"),
        (b"[" * 200_000 + b"]" * 200_000, "nested deeper"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"a": {"b": 1, "b": 1}}', "duplicate key 'b'"),
        (b'"\\udc00"', "surrogate"),
        (b'"\xed\xb0\x80"', "utf-8"),
        ('"x"'.encode("utf-16"), "utf-8"),
        (b"1e400", "not a JSON number"),
        (b"-Infinity", "not a JSON number"),
    ],
)
def test_parse_json_refuses_what_could_not_be_handled_safely(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_json(raw)


def test_parse_json_keeps_what_is_fine() -> None:
    deepest = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(deepest) is not None
    assert parse_json(b'"\\ud83d\\ude00 \\u0000"') == "\U0001f600 \x00"
    assert parse_json(b'{"a": 1, "b": {"a": 2}}') == {"a": 1, "b": {"a": 2}}


def _receiver(*messages: dict[str, object]) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, object]:
        return queue.pop(0)

    return receive


def test_receive_body_takes_one_message_as_it_comes_and_chunks_as_read_body_does() -> None:
    one = _receiver({"type": "http.request", "body": b'{"a": 1}'})
    assert asyncio.run(receive_body(one, "8", 100)) == (b'{"a": 1}', None)
    parts = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd"},
    ]
    assert asyncio.run(receive_body(_receiver(*parts), None, 100)) == (b"abcd", None)
    body, breach = asyncio.run(receive_body(_receiver(*parts), None, 3))
    assert body == b"" and breach is not None and breach.kind == "payload_too_large"
    big = _receiver({"type": "http.request", "body": b"x" * 11})
    body, breach = asyncio.run(receive_body(big, None, 10))
    assert body == b"" and breach is not None and "11 bytes" in breach.message
    with pytest.raises(ClientDisconnect):
        asyncio.run(receive_body(_receiver({"type": "http.disconnect"}), "5", 10))
