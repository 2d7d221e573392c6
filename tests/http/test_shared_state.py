"""--state redis://...: two emulators on one Redis are one emulator. Whatever worker a request
reaches, it gets the answer one process gives: the same ids, the same clock, the same journal;
each webhook goes out once; a Redis outage is the provider's 503 and ends by itself; Redis
restarted with its persistence on brings everything back. (Races between workers:
test_concurrency; the end-to-end suite runs against two ``serve`` processes behind haproxy as
well: tests/e2e; ``kill -9`` of a worker: test_workers.)"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator import LiveServer, Settings, build
from emulator.lifecycle.core.clock import ManualClock
from tests.redis_support import RedisServer, wait_until
from tests.support import RETAB, WRITER, WRITER_INPUTS, osapi_auth
from tests.webhook_support import ReceiverServer, batch_app

Play = Callable[[Callable[[int], str]], list[tuple[int, Any]]]
EXTRACT = {"endpoint": "/v1/documents/extract", "request": {"document": {"url": "u"}}}


def settings(url: str | None, **more: Any) -> Settings:
    return Settings(manual_clock=True, strict=True, state=url, **more)


def workers(api: str, url: str, count: int = 2, **more: Any) -> list[LiveServer]:
    return [
        LiveServer(build(api=api, settings=settings(url, **more))).start() for _ in range(count)
    ]


@pytest.fixture
def servers() -> Iterator[Callable[..., list[LiveServer]]]:
    started: list[LiveServer] = []

    def start(api: str, url: str | None, count: int = 2, **more: Any) -> list[LiveServer]:
        made = (
            workers(api, url, count, **more)
            if url
            else [LiveServer(build(api=api, settings=settings(None, **more))).start()]
        )
        started.extend(made)
        return made

    yield start
    for server in started:
        server.stop()


def play_retab(url: Callable[[int], str]) -> list[tuple[int, Any]]:
    """Create, poll, cancel, retry, list by cursor: each request to ``url(step)``."""
    step = itertools.count()
    seen: list[tuple[int, Any]] = []
    with httpx.Client(headers=RETAB, timeout=10) as http:

        def call(method: str, path: str, **kwargs: Any) -> Any:
            response = http.request(method, f"{url(next(step))}/_ns/play{path}", **kwargs)
            body = response.json() if response.content else None
            seen.append((response.status_code, body))
            return body

        failing = call(
            "POST", "/v1/jobs", json=EXTRACT, headers={"x-emulator-scenario": "fail-then-retry"}
        )
        cancelled = call(
            "POST",
            "/v1/jobs",
            json=EXTRACT,
            headers={"x-emulator-scenario": "cancel-while-running"},
        )
        for _ in range(3):
            call("POST", "/_emulator/clock/advance", json={"seconds": 30})
            call("GET", f"/v1/jobs/{failing['id']}/status")
        call("POST", f"/v1/jobs/{cancelled['id']}/cancel")
        call("POST", f"/v1/jobs/{failing['id']}/retry")
        call("POST", f"/v1/jobs/{failing['id']}/retry")  # refused: queued again
        call("GET", "/v1/jobs", params={"limit": 1})
        first = seen[-1][1]["last_id"]
        call("GET", "/v1/jobs", params={"limit": 1, "after": first})
        call("GET", f"/v1/jobs/{cancelled['id']}", params={"include_response": "true"})
        call("GET", "/_emulator/jobs")
        call("GET", "/_emulator/journal/summary")
    return seen


def play_osapi(url: Callable[[int], str]) -> list[tuple[int, Any]]:
    """Create, retry as a new job, delete, list by offset, stats (a revision counter)."""
    step = itertools.count()
    seen: list[tuple[int, Any]] = []
    body = {"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"}
    with httpx.Client(headers=osapi_auth(), timeout=10) as http:

        def call(method: str, path: str, **kwargs: Any) -> Any:
            response = http.request(method, f"{url(next(step))}/_ns/play{path}", **kwargs)
            answer = response.json() if response.content else None
            seen.append((response.status_code, answer))
            return answer

        made = [
            call("POST", "/job", json=body, headers={"x-emulator-scenario": "fail-then-retry"})
            for _ in range(3)
        ]
        call("POST", "/_emulator/clock/advance", json={"seconds": 60})
        retried = call("POST", f"/job/{made[0]['job_id']}/retry", json={})
        call("DELETE", f"/job/{made[1]['job_id']}")
        call("GET", f"/job/{made[1]['job_id']}")
        call("GET", "/job", params={"limit": 2, "offset": 1})
        call("GET", f"/job/{made[0]['job_id']}")
        call("GET", f"/job/{retried['job_id']}")
        call("GET", "/job/status")
    return seen


@pytest.mark.parametrize("play, api", [(play_retab, "retab"), (play_osapi, "osapi")])
def test_two_workers_answer_as_one_process(
    play: Play,
    api: str,
    redis_url: str,
    redis_server: RedisServer,
    servers: Callable[..., list[LiveServer]],
) -> None:
    a, b = servers(api, redis_url)
    alternating = play(lambda n: (a, b)[n % 2].url)
    redis_server.client(63).flushdb()
    one_on_redis = servers(api, redis_server.url(63), count=1)[0]
    assert play(lambda n: one_on_redis.url) == alternating  # the very same ids and answers
    [in_memory] = servers(api, None)
    assert _without_ids(play(lambda n: in_memory.url)) == _without_ids(alternating)


def _without_ids(seen: list[tuple[int, Any]]) -> Any:
    """The answers with every job id replaced by its order of first appearance: in memory the
    ids come from one stream per namespace, shared they come from one per request."""
    names: dict[str, str] = {}
    text = repr(seen)
    import re

    for found in re.findall(r"job_[A-Za-z0-9_-]{21}|[0-9a-f]{8}-[0-9a-f-]{27}", text):
        names.setdefault(found, f"<job {len(names)}>")
    for found, name in names.items():
        text = text.replace(found, name)
    return text


def test_a_job_made_on_one_worker_is_polled_retried_and_journaled_on_the_other(
    redis_url: str, servers: Callable[..., list[LiveServer]]
) -> None:
    a, b = servers("writer", redis_url)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        created = http.post(
            f"{a.url}/v1/applications/app/jobs",
            json=WRITER_INPUTS,
            headers={"x-emulator-scenario": "fail-then-retry"},
        ).json()
        job = f"/v1/applications/jobs/{created['id']}"
        assert http.get(b.url + job).json()["status"] == "in_progress"
        http.post(f"{b.url}/_emulator/clock/advance", json={"seconds": 120})
        assert http.get(a.url + "/_emulator/clock").json()["now"] == ManualClock.DEFAULT_START + 120
        assert http.get(a.url + job).json()["status"] == "failed"
        assert http.post(b.url + job + "/retry").status_code == 202
        assert http.get(a.url + job).json()["status"] == "in_progress"
        journal = http.get(b.url + "/_emulator/journal").json()["entries"]
    assert [(e["seq"], e["action"]) for e in journal] == [
        (1, "create"),
        (2, "retrieve"),
        (3, "retrieve"),
        (4, "retry"),
        (5, "retrieve"),
    ]


def test_without_redis_the_provider_503_then_service_resumes_by_itself(
    tmp_path: Any, servers: Callable[..., list[LiveServer]], capfd: pytest.CaptureFixture[str]
) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    a, b = servers("writer", redis.url())
    with httpx.Client(headers=WRITER, timeout=10) as http:
        created = http.post(f"{a.url}/v1/applications/app/jobs", json=WRITER_INPUTS)
        assert created.status_code == 202
        redis.kill()
        refused = http.get(f"{b.url}/v1/applications/jobs/{created.json()['id']}")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["tpe"] == "ServiceUnavailable"
        assert "cannot be reached" in refused.text and "Redis at unix://" in refused.text
        health = http.get(f"{b.url}/_emulator/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert health.json()["state"]["reachable"] is False
        assert http.post(f"{a.url}/_emulator/clock/advance", json={"seconds": 1}).status_code == 503
        redis.start()  # no persistence: Redis comes back empty, and serving resumes
        assert http.get(f"{b.url}/_emulator/health").status_code in (200, 503)
        again = http.get(f"{a.url}/_emulator/health")
        again = again if again.status_code == 200 else http.get(f"{a.url}/_emulator/health")
        assert again.json()["state"]["reachable"] is True
        assert http.post(f"{b.url}/v1/applications/app/jobs", json=WRITER_INPUTS).status_code == 202
    redis.stop()
    err = capfd.readouterr().err
    assert "is unreachable" in err and "answering 503 until it is back" in err
    assert "is back after" in err and "Traceback" not in err


def test_redis_restarted_with_persistence_brings_every_job_back(
    tmp_path: Any, servers: Callable[..., list[LiveServer]]
) -> None:
    redis = RedisServer(tmp_path / "redis", persistent=True).start()
    [a] = servers("writer", redis.url(), count=1)
    with httpx.Client(headers=WRITER, timeout=10) as http:
        made = [
            http.post(f"{a.url}/v1/applications/app/jobs", json=WRITER_INPUTS).json()["id"]
            for _ in range(5)
        ]
        http.post(f"{a.url}/_emulator/clock/advance", json={"seconds": 42})
        redis.kill()  # kill -9: every acknowledged write was synced
        redis.start()
        assert http.get(f"{a.url}/_emulator/clock").json()["now"] == ManualClock.DEFAULT_START + 42
        listed = http.get(f"{a.url}/v1/applications/app/jobs").json()
        assert sorted(job["id"] for job in listed["result"]) == sorted(made)
    redis.stop()


@pytest.mark.parametrize("clock", ["manual", "real"])
def test_each_webhook_goes_out_once_whichever_worker_looks(
    clock: str, redis_url: str, servers: Callable[..., list[LiveServer]]
) -> None:
    """Both workers' schedulers look for due deliveries; leases make each go out once."""
    a, b = (
        LiveServer(batch_app(state=redis_url, manual_clock=clock == "manual")).start()
        for _ in range(2)
    )
    try:
        with ReceiverServer() as receiver, httpx.Client(timeout=10) as http:
            subs = {"subscriptions": [{"url": receiver.url, "events": ["batch.completed"]}]}
            http.put(f"{a.url}/_emulator/webhooks", json=subs)
            for n in range(10):
                http.post(f"{(a, b)[n % 2].url}/v1/batches", json={"input_file_id": "f"})
            http.post(f"{b.url}/_emulator/clock/advance", json={"seconds": 60})
            if clock == "real":  # sent by whichever scheduler wakes first, on its own time
                wait_until(lambda: len(receiver.got) >= 10, 30, "deliveries did not arrive")
            log = http.get(f"{a.url}/_emulator/webhooks/deliveries").json()
            ids = [got["headers"]["webhook-id"] for got in receiver.got]
    finally:
        a.stop()
        b.stop()
    assert len(ids) == len(set(ids)) == 10
    assert log["pending"] == []  # nothing left that a worker could send again
    assert sorted(d["outcome"] for d in log["deliveries"]) == ["delivered"] * 10
