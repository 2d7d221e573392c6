"""The fuzz battery: hypothesis-made hostile requests and schemathesis negative data against
every bundled API over a real server.

Whatever arrives (any method, path, header, query string or body: deep JSON, bad UTF-8, huge
numbers, wrong types), the answer is never a 5xx no scenario asked for, every request that
reached the pipeline is in the journal exactly once, and the server still answers afterwards.
Bounded and reproducible: a fixed number of derandomized examples per API.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from emulator import BUNDLED_APIS, Emulator, LiveServer, Settings, build
from emulator.openapi.path_template import parameter_names
from tests.http.test_hostile import APIS, Api

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
)
NEGATIVE = settings(FUZZ, max_examples=3)  # per operation
NS = "fuzz"
TAG = "x-fuzz-id"  # names each request, to find it in the journal


class Fuzzed:
    """One bundled API on a live server, and the ids of the requests sent to it."""

    def __init__(self, api: Api, app: Emulator, server: LiveServer) -> None:
        self.api, self.app, self.server = api, app, server
        self.sent: list[str] = []
        self.client = httpx.Client(base_url=f"{server.url}/_ns/{NS}", timeout=10)
        self._ids = itertools.count(1)

    def tag(self) -> str:
        return f"{self.api.name}-{next(self._ids)}"

    def answered(self, tag: str, status: int, text: str) -> int:
        """Note a request whose answer came from the emulator: uvicorn refuses some (a method
        it does not know, a control character in a header) before the pipeline sees them."""
        if not (status == 400 and text == "Invalid HTTP request received."):
            self.sent.append(tag)
        return status

    def send(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> int:
        tag = self.tag()
        raw = {k: v.encode("latin-1") for k, v in {**headers, TAG: tag}.items()}
        response = self.client.request(method, path, headers=raw, **kwargs)
        return self.answered(tag, response.status_code, response.text)

    def journal(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.client.get("/_emulator/journal").json()["entries"]
        return entries


@pytest.fixture(scope="module", params=BUNDLED_APIS)
def fuzzed(request: pytest.FixtureRequest) -> Iterator[Fuzzed]:
    app = build(api=request.param, settings=Settings(manual_clock=True))
    with LiveServer(app) as server:
        target = Fuzzed(APIS[request.param], app, server)
        yield target
        target.client.close()


# -- strategies ------------------------------------------------------------------------------

METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FOO"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
NUMBERS = st.sampled_from(
    [b"1e999", b"-1e999", b"9" * 5000, b"NaN", b"-Infinity", b"1" + b"0" * 400]
)
HOSTILE_SEGMENT = st.one_of(
    st.text(max_size=40).map(lambda s: quote(s, safe="")),
    st.sampled_from(["%00", "%ff%fe", "%zz", "..", "%2e%2e", "%2F", "x" * 3000, "", "-1", "0"]),
)
# Half the path parameters look like real ones, so those requests reach the validators.
PLAIN_SEGMENT = st.sampled_from(["app-1", "0d8e7a51-3f2b-4e9c-a1d6-7b4c5e2f8a91", "abc123"])
HEADER_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True).filter(
    lambda n: (
        not n.startswith("x-emulator")
        and n
        not in {
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "expect",
            "upgrade",
            "te",
            TAG,
        }
    )
)
# Latin-1 without controls; an HTTP client will not send a value that starts or ends in a space.
HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
).map(str.strip)
RAW_QUERIES = st.sampled_from(
    ["%zz=1", "a=%ff", "&&&", "=", "a[b]=1&a[b]=2", "x=" + "%00" * 10, "limit=-1", "limit=1e999"]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "",
        ";;;==",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/*",
    ]
)


@st.composite
def bodies(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """A body: the API's valid one with a field of the wrong type, deep JSON, huge numbers,
    bytes that are not UTF-8, or any JSON at all."""
    kind = draw(st.sampled_from(["wrong-type", "deep", "number", "bytes", "json", "valid"]))
    if kind == "wrong-type":
        key = draw(st.sampled_from(sorted(valid)))
        return json.dumps({**valid, key: draw(JSON)}).encode()
    if kind == "deep":
        levels = draw(st.integers(50, 20_000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        return opener * levels + b"1" * (opener != b"[") + closer * levels
    if kind == "number":
        key = draw(st.sampled_from(sorted(valid)))
        return b'{"' + key.encode() + b'": ' + draw(NUMBERS) + b"}"
    if kind == "bytes":
        return draw(st.binary(max_size=64)) + b"\xff\xfe\xed\xa0\x80"
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    return json.dumps(valid).encode()


def often(draw: st.DrawFn, tenths: int) -> bool:
    """True ``tenths`` times in ten: most requests should get past routing and auth, so that
    what they carry meets the validators."""
    return draw(st.integers(0, 9)) < tenths


@st.composite
def requests(draw: st.DrawFn, target: Fuzzed) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    ops = target.app.spec.operations
    with_body = [op for op in ops if op.request_body is not None]
    op = draw(st.sampled_from(with_body if with_body and often(draw, 6) else ops))
    path = target.app.base_path + op.path
    for name in parameter_names(op.path):
        segment = draw(PLAIN_SEGMENT if often(draw, 5) else HOSTILE_SEGMENT)
        path = path.replace("{" + name + "}", segment, 1)
    if often(draw, 2):
        path += "/" + draw(HOSTILE_SEGMENT)
    if path.lstrip("/").startswith("_emulator"):
        path = "/x" + path  # the control plane is not the API
    method = op.method.upper() if often(draw, 8) else draw(METHODS)
    headers = draw(st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=4))
    if often(draw, 8):
        headers.update(target.api.auth)
    headers["content-type"] = "application/json" if often(draw, 7) else draw(CONTENT_TYPES)
    query = draw(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=4))
    if often(draw, 2):
        path += "?" + draw(RAW_QUERIES)
        query = []
    body = draw(bodies(target.api.body)) if method not in ("GET", "HEAD") else b""
    return method, path, headers, {"params": query, "content": body}


# -- the battery -----------------------------------------------------------------------------


def test_fuzzed_requests_get_an_answer_journaled_once(fuzzed: Fuzzed) -> None:
    @FUZZ
    @given(requests(fuzzed))
    def one(request: tuple[str, str, dict[str, str], dict[str, Any]]) -> None:
        method, path, headers, extra = request
        assert fuzzed.send(method, path, headers, **extra) < 500

    one()
    check_journal(fuzzed)


def test_schemathesis_negative_data_gets_no_server_error(fuzzed: Fuzzed) -> None:
    config = SchemathesisConfig.from_dict(
        {
            "headers": fuzzed.api.auth,
            "generation": {
                "max-examples": 3,
                "mode": "negative",
                "deterministic": True,
                "database": "none",
            },
        }
    )
    schema = schemathesis.openapi.from_url(
        f"{fuzzed.server.url}/_emulator/openapi.json", config=config
    )
    for result in schema.get_all_operations():

        @NEGATIVE
        @given(result.ok().as_strategy())
        def one(case: Any) -> None:
            tag = fuzzed.tag()
            case.headers = {**fuzzed.api.auth, **(case.headers or {}), TAG: tag}
            response = case.call(base_url=f"{fuzzed.server.url}/_ns/{NS}")
            status = fuzzed.answered(tag, response.status_code, response.text)
            assert status < 500, (case.method, case.path, response.text[:300])

        one()
    check_journal(fuzzed)


def check_journal(fuzzed: Fuzzed) -> None:
    entries = fuzzed.journal()
    seen = Counter(e["request_headers"].get(TAG) for e in entries)
    missing = [tag for tag in fuzzed.sent if seen[tag] == 0]
    twice = [tag for tag, n in seen.items() if tag is not None and n > 1]
    assert not missing and not twice, (missing[:5], twice[:5])
    for entry in entries:
        assert entry["status"] < 500 or entry["fault"], entry
        assert all(v["side"] != "server" for v in entry["violations"]), entry
    health = httpx.get(f"{fuzzed.server.url}/_emulator/health", timeout=5)
    assert health.json()["status"] == "ok"
