"""Racing clients over real HTTP (``LiveServer``): what many workers of one CI job do at once.

Each race releases its requests together (a barrier), and is repeated, bounded in count:
32 retries of one failed job make exactly one retry in place (writer: the winner puts the job
back in progress, the 31 others are refused); as new jobs (osapi: the original stays as it was,
so every retry is allowed, as the provider does) each of the 32 makes exactly one new job, with
its own id and revision; 300 parallel creates are all listed exactly once; a cancel racing the
completion of the same job ends in one state both answers agree on; and every exchange is in
the journal exactly once. Each race runs against one emulator in memory and against two
emulators sharing one Redis behind haproxy (``--state redis://...``), where the racers reach
both.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from emulator import LiveServer, Settings, build
from tests.redis_support import Balancer, RedisServer
from tests.support import RETAB, WRITER, osapi_auth

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

ROUNDS = 2
RACERS = 32
CREATES = 300
T = TypeVar("T")

QUEUED_THEN_DONE = """
description: queued for 10 s, then completed
attempts:
  - states:
      - status: queued
        for: {seconds: 10}
      - status: completed
        result: {status_code: 200, body: {object: extraction, data: {total: 1}}}
"""


def race(n: int, call: Callable[[int], T]) -> list[T]:
    """``call(0..n-1)`` on ``n`` threads, all released at once."""
    start = threading.Barrier(n)

    def go(i: int) -> T:
        start.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


class Server:
    """A live deployment and a client shared by every racing thread: one emulator in memory,
    or two on one Redis behind haproxy (each racing connection to the next of them)."""

    def __init__(
        self, request: pytest.FixtureRequest, auth: dict[str, str], **build_args: Any
    ) -> None:
        if request.param == "memory":
            self.servers = [LiveServer(build(settings=Settings(manual_clock=True), **build_args))]
        else:
            redis: RedisServer = request.getfixturevalue("redis_server")
            database = next(_DATABASES)
            redis.client(database).flushdb()
            shared = Settings(manual_clock=True, state=redis.url(database))
            self.servers = [LiveServer(build(settings=shared, **build_args)) for _ in range(2)]
        for server in self.servers:
            server.start()
        self.balancer: Balancer | None = None
        url = self.servers[0].url
        if len(self.servers) > 1:
            folder = request.getfixturevalue("tmp_path_factory").mktemp("balancer")
            self.balancer = Balancer(folder, [f"127.0.0.1:{s.port}" for s in self.servers])
            url = self.balancer.start().url
        limits = httpx.Limits(max_connections=RACERS * 2, max_keepalive_connections=RACERS * 2)
        self.http = httpx.Client(base_url=url, headers=auth, timeout=30, limits=limits)

    def api(self, ns: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, f"/_ns/{ns}{path}", **kwargs)

    def control(self, ns: str, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, f"/_ns/{ns}/_emulator/{path}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def journal(self, ns: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.control(ns, "GET", "journal")["entries"]
        seqs = [e["seq"] for e in entries]
        assert len(seqs) == len(set(seqs)), "an exchange journaled twice"
        assert not [e for e in entries if e["status"] >= 500 or e["violations"]]
        return entries

    def close(self) -> None:
        self.http.close()
        if self.balancer is not None:
            self.balancer.stop()
        for server in self.servers:
            server.stop()


_DATABASES = itertools.count(20)
# The same races against one emulator in memory and two on one Redis.
DEPLOYMENTS = ["memory", pytest.param("redis", marks=pytest.mark.xdist_group("redis-races"))]


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def writer(request: pytest.FixtureRequest) -> Iterator[Server]:
    server = Server(request, WRITER, api="writer")
    yield server
    server.close()


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def osapi(request: pytest.FixtureRequest) -> Iterator[Server]:
    server = Server(request, osapi_auth(), api="osapi")
    yield server
    server.close()


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def retab(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("retab")
    (folder / "queued-then-done.yaml").write_text(QUEUED_THEN_DONE)
    server = Server(request, RETAB, api="retab", scenarios=folder)
    yield server
    server.close()


def _failed_job(s: Server, ns: str, create: Callable[[], httpx.Response], get: str) -> str:
    s.control(ns, "PUT", "scenario", {"default": "always-fail"})
    made = create()
    assert made.status_code in (201, 202), made.text
    job_id = str(made.json().get("id") or made.json()["job_id"])
    for _ in range(4):  # each state lasts a poll and some seconds
        s.control(ns, "POST", "clock/advance", {"seconds": 60})
        status = s.api(ns, "GET", get.format(job_id)).json()["status"]
    assert status == "failed"
    return job_id


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_racing_retries_of_a_failed_job_retry_it_in_place_once(writer: Server, round_: int) -> None:
    ns = f"retry-in-place-{round_}"
    job_id = _failed_job(
        writer,
        ns,
        lambda: writer.api(ns, "POST", "/v1/applications/a/jobs", json={"inputs": []}),
        "/v1/applications/jobs/{}",
    )
    retry = f"/v1/applications/jobs/{job_id}/retry"
    answers = race(RACERS, lambda _: writer.api(ns, "POST", retry))
    statuses = Counter(r.status_code for r in answers)
    odd = [r.text for r in answers if r.status_code not in (202, 400)][:1]
    assert statuses == {202: 1, 400: RACERS - 1}, (statuses, odd)
    job = writer.control(ns, "GET", f"jobs/{job_id}")
    assert (job["attempt"], job["status"]) == (1, "in_progress")  # attempts count from 0
    journal = writer.journal(ns)
    assert Counter(e["action"] for e in journal)["retry"] == RACERS


def _osapi_failed(s: Server, ns: str) -> str:
    body = {"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"}
    return _failed_job(s, ns, lambda: s.api(ns, "POST", "/job", json=body), "/job/{}")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_each_of_racing_unrestricted_retries_makes_exactly_one_new_job(
    osapi: Server, round_: int
) -> None:
    ns = f"retry-any-{round_}"
    original = _osapi_failed(osapi, ns)
    answers = race(RACERS, lambda _: osapi.api(ns, "POST", f"/job/{original}/retry"))
    assert {r.status_code for r in answers} == {201}
    made = [r.json()["job_id"] for r in answers]
    revisions = [r.json()["revision"] for r in answers]
    assert len(set(made)) == RACERS and len(set(revisions)) == RACERS
    listed = osapi.api(ns, "GET", "/job", params={"limit": 0}).json()
    assert listed["total_items"] == RACERS + 1
    timeline = osapi.api(ns, "GET", f"/job/{original}").json()["timeline"]
    assert len([e for e in timeline if e["event"] == "retried"]) == RACERS


def test_parallel_creates_are_all_listed_exactly_once(writer: Server) -> None:
    ns = "creates"
    path = "/v1/applications/app/jobs"
    answers = race(
        RACERS,
        lambda i: [
            writer.api(ns, "POST", path, json={"inputs": []})
            for _ in range(CREATES // RACERS + (i < CREATES % RACERS))
        ],
    )
    made = [r.json()["id"] for batch in answers for r in batch if r.status_code == 202]
    assert len(made) == len(set(made)) == CREATES
    listed: list[str] = []
    while len(listed) < CREATES + 1:
        page = writer.api(ns, "GET", path, params={"limit": 50, "offset": len(listed)}).json()
        if not page["result"]:
            break
        listed += [job["id"] for job in page["result"]]
    assert sorted(listed) == sorted(made)  # each once, none missing
    creates = [e for e in writer.journal(ns) if e["action"] == "create"]
    assert sorted(e["job_id"] for e in creates) == sorted(made)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_cancel_racing_the_completion_ends_in_one_consistent_state(
    retab: Server, round_: int
) -> None:
    """In each of 16 namespaces a queued job meets, at once, a cancel and the clock moving past
    its completion: the cancel is accepted and the job stays cancelled, or the cancel is
    refused and the job stays completed."""
    names = [f"cancel-{round_}-{i}" for i in range(RACERS // 2)]
    jobs = {}
    for ns in names:
        made = retab.api(
            ns, "POST", "/v1/jobs", json={"endpoint": "/v1/documents/extract", "request": {}}
        )
        assert made.status_code == 200, made.text
        jobs[ns] = made.json()["id"]

    def act(i: int) -> httpx.Response:
        ns = names[i // 2]
        if i % 2:
            return retab.http.post(f"/_ns/{ns}/_emulator/clock/advance", json={"seconds": 30})
        return retab.api(ns, "POST", f"/v1/jobs/{jobs[ns]}/cancel")

    answers = race(len(names) * 2, act)
    outcomes: Counter[str] = Counter()
    for i, ns in enumerate(names):
        cancel = answers[2 * i]
        assert cancel.status_code in (200, 400), cancel.text
        final = {retab.api(ns, "GET", f"/v1/jobs/{jobs[ns]}").json()["status"] for _ in range(3)}
        expected = "cancelled" if cancel.status_code == 200 else "completed"
        assert final == {expected}, (ns, cancel.text, final)
        outcomes[expected] += 1
        assert Counter(e["action"] for e in retab.journal(ns)) == {
            "create": 1,
            "cancel": 1,
            "retrieve": 3,
        }
    assert sum(outcomes.values()) == len(names)
