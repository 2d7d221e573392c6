"""Fixtures the whole suite may use: a real Redis for the shared-state tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.redis_support import REDIS_SERVER, RedisServer, ask_all_to_stop

# The suite starts hundreds of Python processes (xdist workers, nested pytest runs, servers),
# each importing, and under pytest assertion-rewriting, the same modules. Python caches their
# bytecode by default; PYTHONDONTWRITEBYTECODE (some sandboxes set it) makes every process
# compile them all again, seconds each. The suite keeps the cache on for itself and what it
# starts (``__pycache__`` is ignored by git).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

try:  # pytest 9 keeps a node's id in ``Node._id``
    from _pytest.nodeid import coerce_node_id
except ImportError:  # pytest 8: pytest-xdist's own suffix lands
    coerce_node_id = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "early: run before the others (a long test near the end of the order would leave one "
        "xdist worker alone with it at the end of the run)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``early`` tests first, the rest in their order (each xdist worker sorts alike); and each
    Redis deployment's tests kept on one xdist worker, so that one worker starts it.

    ``--dist loadgroup`` (pyproject.toml) schedules tests whose id ends in ``@<group>`` on one
    worker; pytest-xdist writes that suffix to ``Item._nodeid``, where pytest 9 no longer
    keeps a node's id (``_id``), so without this every worker would start every deployment.
    """
    items.sort(key=lambda item: item.get_closest_marker("early") is None)
    if coerce_node_id is None or not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name")) for m in marks})
        if groups and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last test, before the session's fixtures are torn down one after another:
    the servers they started are all asked to stop first, so their shutdowns overlap."""
    if nextitem is None:
        ask_all_to_stop()


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
