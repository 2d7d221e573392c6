"""``pytest --emulator-url URL``: test runs on several machines share one deployment (two
emulators on one Redis behind haproxy): each test gets a namespace of its own, freed at
teardown, and its violations are reported as with an emulator of its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator import LiveServer, Settings, build
from tests.redis_support import Balancer, RedisServer
from tests.support import INNER_INI, own_config

pytest_plugins = ["pytester"]

INNER = """
import re
from pathlib import Path

import pytest
import writerai

INPUTS = [{"id": "topic", "value": ["shoes"]}]
SEEN = Path(__file__).parent / "seen"


@pytest.mark.parametrize("n", range(6))
def test_jobs_stay_in_their_namespace(emulator, n):
    assert re.fullmatch(r"test_jobs_stay_in_their_namespace-[0-5]-[0-9a-f]{12}-[0-9a-f]{8}",
                        emulator.namespace)
    client = writerai.Writer(api_key="k", base_url=emulator.url)
    made = {client.applications.jobs.create(application_id="shared", inputs=INPUTS).id
            for _ in range(2)}
    emulator.clock.advance(30)
    assert {job.id for job in client.applications.jobs.list(application_id="shared")} == made
    SEEN.mkdir(exist_ok=True)
    (SEEN / emulator.namespace).write_text(" ".join(sorted(made)))


def test_a_malformed_body_fails_at_teardown(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    assert http.post("/v1/applications/app/jobs", json={"inputs": "x"}).status_code == 400


@pytest.mark.emulator(api="retab")
def test_another_api_is_refused_with_the_reason(emulator):
    pass
"""


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[str]:
    redis = RedisServer(tmp_path / "redis").start()
    settings = Settings(manual_clock=True, strict=True, state=redis.url())
    workers = [LiveServer(build(api="writer", settings=settings)).start() for _ in range(2)]
    balancer = Balancer(tmp_path, [f"127.0.0.1:{w.port}" for w in workers]).start()
    yield balancer.url
    balancer.stop()
    for worker in workers:
        worker.stop()
    redis.stop()


# Early: seconds of nested pytest runs, last in the order otherwise.
@pytest.mark.early
def test_two_machines_share_a_deployment_namespace_by_namespace(
    pytester: pytest.Pytester, deployment: str
) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_shared=INNER)
    results: list[pytest.RunResult] = []

    def machine(*args: str) -> None:
        pinned = own_config(pytester.path)
        results.append(pytester.runpytest_subprocess(*pinned, *args, "--emulator-url", deployment))

    # One machine runs its tests on two xdist workers, the other on one process, at once.
    machines = [
        threading.Thread(target=machine, args=args) for args in (("-n", "2"), ("-p", "no:xdist"))
    ]
    for thread in machines:
        thread.start()
    for thread in machines:
        thread.join(300)
    for result in results:
        result.assert_outcomes(passed=7, errors=2)  # the malformed body's test passed, then
        output = result.stdout.str()
        assert "ContractViolationError: 1 contract violation" in output
        assert f"--emulator-url {deployment} serves 'writer', and this test asks for" in output
    seen = {p.name: p.read_text().split() for p in (pytester.path / "seen").iterdir()}
    assert len(seen) == 12  # six tests on each machine, each its own namespace
    ids = [job for jobs in seen.values() for job in jobs]
    assert len(ids) == len(set(ids)) == 24
    health = httpx.get(f"{deployment}/_emulator/health").json()
    assert health["namespaces"]["live"] == 0  # every namespace freed at teardown
    assert health["namespaces"]["freed"] == 14
