"""Hostile requests over real HTTP against every bundled API: each gets the status and envelope
the provider's profile gives its error kind, none gets a 5xx, and the server answers after each.
Then raw malformed HTTP over a socket, which uvicorn refuses before the app sees it."""

from __future__ import annotations

import json
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from emulator import DEFAULT_JWT_SECRET, Emulator, LiveServer, Settings, build
from emulator.lifecycle.render.envelope import error_reply

MAX_BODY = 2 * 1024 * 1024


def _osapi_token() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is short for PyJWT
        return str(jwt.encode({"roles": ["admin"]}, DEFAULT_JWT_SECRET, "HS256"))


@dataclass(frozen=True)
class Api:
    name: str
    create: str
    retrieve: str
    auth: dict[str, str]
    body: dict[str, Any]
    act: str = "retry"  # the action on one job it has besides retrieve


APIS = {
    "writer": Api(
        "writer",
        "/v1/applications/app/jobs",
        "/v1/applications/jobs/",
        {"Authorization": "Bearer k"},
        {"inputs": [{"id": "t", "value": ["x"]}]},
    ),
    "retab": Api(
        "retab",
        "/v1/jobs",
        "/v1/jobs/",
        {"Api-Key": "k"},
        {"endpoint": "/v1/documents/extract", "request": {}},
    ),
    "osapi": Api(
        "osapi",
        "/job",
        "/job/",
        {"Authorization": f"Bearer {_osapi_token()}"},
        {"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"},
    ),
    "openai": Api(
        "openai",
        "/v1/batches",
        "/v1/batches/",
        {"Authorization": "Bearer sk-test"},
        {"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        "cancel",
    ),
    "replicate": Api(
        "replicate",
        "/v1/predictions",
        "/v1/predictions/",
        {"Authorization": "Bearer r8_test"},
        {"version": "v1", "input": {}},
        "cancel",
    ),
}


@dataclass(frozen=True)
class Hostile:
    """One hostile request; ``kinds`` are the error kinds a provider may answer it with."""

    kinds: tuple[str, ...]
    content: bytes | None = None
    method: str = "POST"
    target: str = "create"  # or "retrieve" (the suffix is appended) or a literal path
    suffix: str = ""
    query: str = ""
    headers: dict[str, str | bytes] = field(default_factory=dict)
    auth: bool = True
    chunked: bool = False


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


BAD_BODY = ("malformed_body",)
UUID = "0d8e7a51-3f2b-4e9c-a1d6-7b4c5e2f8a91"
HOSTILE = {
    "200k-deep-array": Hostile(BAD_BODY, _deep(200_000)),
    "200k-deep-object": Hostile(BAD_BODY, b'{"a":' * 200_000 + b"1" + b"}" * 200_000),
    "65-deep-in-a-field": Hostile(BAD_BODY, b'{"inputs":' + _deep(65) + b"}"),
    "body-over-max": Hostile(("payload_too_large",), b"{" + b" " * (MAX_BODY + 1) + b"}"),
    "chunked-body-over-max": Hostile(("payload_too_large",), b" " * (MAX_BODY * 2), chunked=True),
    "invalid-utf8": Hostile(BAD_BODY, b'{"inputs": "\xff\xfe"}'),
    "lone-surrogate": Hostile(BAD_BODY, b'{"inputs": "\xed\xa0\x80"}'),
    "escaped-lone-surrogate": Hostile(BAD_BODY, b'{"inputs": "\\ud800"}'),
    "utf-16-body": Hostile(BAD_BODY, '{"inputs": []}'.encode("utf-16")),
    "raw-nul-byte": Hostile(BAD_BODY, b'{"inputs": "a\x00b"}'),
    "duplicate-keys": Hostile(BAD_BODY, b'{"inputs": [], "inputs": []}'),
    "infinite-float": Hostile(BAD_BODY, b'{"inputs": 1e999}'),
    "nan": Hostile(BAD_BODY, b'{"inputs": NaN}'),
    "5000-digit-integer": Hostile(BAD_BODY, b'{"inputs": ' + b"9" * 5000 + b"}"),
    "truncated-json": Hostile(BAD_BODY, b'{"inputs": ['),
    "trailing-garbage": Hostile(BAD_BODY, b"{} {}"),
    "json-array-not-object": Hostile(("invalid_request",), b"[]"),
    "json-string-not-object": Hostile(("invalid_request",), b'"inputs"'),
    "text-plain-body": Hostile(
        ("unsupported_media_type",), b"hello", headers={"content-type": "text/plain"}
    ),
    "garbage-content-type": Hostile(
        ("unsupported_media_type",), b"{}", headers={"content-type": ";;;=="}
    ),
    "header-over-limit": Hostile(("headers_too_large",), b"{}", headers={"x-pad": "p" * 40_000}),
    "query-over-limit": Hostile(("uri_too_long",), b"{}", query="q=" + "z" * 20_000),
    "10k-query-params": Hostile(("uri_too_long",), b"{}", query="&".join(["a=1"] * 10_000)),
    "nul-in-job-id": Hostile(("invalid_request", "not_found"), None, "GET", "retrieve", "%00"),
    "invalid-utf8-in-job-id": Hostile(
        ("invalid_request", "not_found"), None, "GET", "retrieve", "%ff%fe"
    ),
    "4k-char-job-id": Hostile(
        ("invalid_request", "not_found"), None, "GET", "retrieve", "j" * 4096
    ),
    "act-on-unknown-job": Hostile(
        ("invalid_request", "not_found"),
        b"{}",
        "POST",
        "retrieve",
        f"{UUID}/{{act}}",
    ),
    "unknown-path": Hostile(("route_not_found",), None, "GET", "/no/such/thing"),
    "unknown-method": Hostile(("method_not_allowed",), b"{}", "PATCH"),
    "no-credentials": Hostile(("unauthenticated",), None, "GET", "retrieve", UUID, auth=False),
    "non-ascii-credentials": Hostile(
        # Replicate checks the id's pattern before the credentials: a UUID is no prediction id.
        ("unauthenticated", "invalid_token", "not_found", "invalid_request"),
        None,
        "GET",
        "retrieve",
        UUID,
        headers={"authorization": "Bearer \xe9\xe8".encode("latin-1"), "api-key": b"\xe9"},
        auth=False,
    ),
}


@pytest.fixture(scope="module", params=sorted(APIS))
def live(request: pytest.FixtureRequest) -> Iterator[tuple[Api, Emulator, LiveServer]]:
    app = build(api=request.param, settings=Settings(manual_clock=True, max_body=MAX_BODY))
    with LiveServer(app) as server:
        yield APIS[request.param], app, server


_CLIENT = httpx.Client(timeout=10)  # one connection pool: a client per request costs more


@pytest.fixture(scope="module", autouse=True)
def _client_closed_at_the_end() -> Iterator[None]:
    # Left open, its pooled connection was the unclosed socket the suite warned of at exit.
    yield
    _CLIENT.close()


def _send(api: Api, server: LiveServer, case: Hostile) -> httpx.Response:
    if case.target == "create":
        path = api.create
    elif case.target == "retrieve":
        path = api.retrieve + case.suffix.replace("{act}", api.act)
    else:
        path = case.target
    headers: dict[str, str | bytes] = {"content-type": "application/json"}
    headers.update(api.auth if case.auth else {})
    headers.update(case.headers)
    content: Any = case.content
    if case.chunked and case.content is not None:
        data = case.content
        content = iter([data[i : i + 8192] for i in range(0, len(data), 8192)])
    url = f"{server.url}/_ns/hostile{path}" + (f"?{case.query}" if case.query else "")
    return _CLIENT.request(case.method, url, content=content, headers=headers)


def _alive(server: LiveServer) -> None:
    assert _CLIENT.get(f"{server.url}/_emulator/health").json()["status"] == "ok"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_request_gets_the_providers_answer(
    live: tuple[Api, Emulator, LiveServer], name: str
) -> None:
    api, app, server = live
    case = HOSTILE[name]
    response = _send(api, server, case)
    assert response.status_code < 500, response.text[:500]
    expected = {k: error_reply(app.profile, k, {}) for k in case.kinds}
    fits = [
        k
        for k, e in expected.items()
        if e.status == response.status_code
        and response.headers["content-type"].startswith(e.media_type)
        and isinstance(e.body, dict)
        and set(response.json()) == set(e.body)
    ]
    assert fits, f"{name}: {response.status_code} {response.text[:300]} is none of {case.kinds}"
    _alive(server)


def test_no_hostile_request_left_a_server_error_in_the_journal(
    live: tuple[Api, Emulator, LiveServer],
) -> None:
    api, _, server = live
    for case in HOSTILE.values():
        _send(api, server, case)
    entries = _CLIENT.get(f"{server.url}/_ns/hostile/_emulator/journal").json()
    assert entries["entries"], "the hostile requests were journaled"
    for entry in entries["entries"]:
        assert entry["status"] < 500, entry
        assert all(v["side"] != "server" for v in entry["violations"]), entry


RAW = {
    "not-http": b"HELLO WORLD\r\n\r\n",
    "header-without-colon": b"GET / HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n",
    "bad-content-length": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "negative-content-length": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "two-content-lengths": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
    b"Content-Length: 2\r\n\r\nab",
    "length-and-chunked": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bad-chunk-size": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"zz\r\nabc\r\n0\r\n\r\n",
    "nul-in-request-line": b"GET /v1/\x00jobs HTTP/1.1\r\nHost: x\r\n\r\n",
    "http-2-preface-on-http-1": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "2-MiB-header": b"GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * (2 << 20) + b"\r\n\r\n",
    "unsupported-version": b"GET /v1/jobs HTTP/9.9\r\nHost: x\r\n\r\n",
    "half-a-request": b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
}


@pytest.mark.parametrize("name", sorted(RAW))
def test_raw_malformed_http_is_refused_and_the_server_lives(
    live: tuple[Api, Emulator, LiveServer], name: str
) -> None:
    _, _, server = live
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        try:
            sock.sendall(RAW[name])
            if name == "half-a-request":
                sock.shutdown(socket.SHUT_WR)  # the client gives up mid-body
            answer = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""  # refusing by closing is an answer too
    assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
    if answer:
        assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    _alive(server)


def test_a_content_length_past_the_limit_is_answered_without_waiting_for_the_body(
    live: tuple[Api, Emulator, LiveServer],
) -> None:
    api, app, server = live
    auth = "".join(f"{k}: {v}\r\n" for k, v in api.auth.items())
    head = (
        f"POST /_ns/hostile{api.create} HTTP/1.1\r\nHost: x\r\n{auth}"
        f"Content-Type: application/json\r\nContent-Length: {10**12}\r\n\r\n{{}}"
    )
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"}" not in answer.partition(b"\r\n\r\n")[2]:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    expected = error_reply(app.profile, "payload_too_large", {})
    assert set(json.loads(answer.split(b"\r\n\r\n", 1)[1])) == set(expected.body)
    _alive(server)
