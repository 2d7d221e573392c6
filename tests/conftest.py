"""Fixtures the whole suite may use: a real Redis for the shared-state tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_support import REDIS_SERVER, RedisServer


def pytest_configure(config: pytest.Config) -> None:
    # The tests of one Redis deployment are grouped (``xdist_group``): under ``pytest -n``,
    # keep each group on one worker, so that one worker starts each deployment, not all.
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    # Declared here too, for runs without xdist (-p no:xdist), where it means nothing.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One ``redis-server`` per test process (skipped, saying why, where there is none)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """Redis's database 0, emptied for this test (the deployments of tests/e2e and the races
    keep theirs in databases of their own on the same server)."""
    redis_server.client().flushdb()
    return redis_server.url()


@pytest.fixture
def redis_client(request: pytest.FixtureRequest) -> object:
    """An empty Redis for unit tests: the real server when there is one, else ``fakeredis``
    (with its Lua), so the backend's logic is tested on every machine."""
    if REDIS_SERVER is None:
        import fakeredis

        return fakeredis.FakeRedis()
    server: RedisServer = request.getfixturevalue("redis_server")
    client = server.client()
    client.flushdb()
    return client
