"""The two deployments every end-to-end test runs against, with the same results expected:

- ``memory``: one emulator in this process (a ``LiveServer``), its state in memory;
- ``redis``: two ``jobs-emulator serve`` processes sharing one Redis (``--state``), behind
  haproxy, which hands each connection to the next of them in turn.

A Redis deployment is made once per API and test process (session scope) and each test takes
a namespace of it, as with the in-memory one. Its tests are grouped per API (``xdist_group``)
so that under ``pytest -n`` one test process starts it, not each.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from emulator.bundle import build
from emulator.http.server import LiveServer
from emulator.settings import Settings
from tests.redis_support import Balancer, RedisServer, Serve, keep_for_session

__all__ = ["Deployment", "deployments", "start"]

MANUAL = Settings(manual_clock=True, strict=True)
# One Redis database per deployment, so that two of one API (writer and its fault scenarios,
# osapi over two specs) never share namespaces.
_DATABASES: dict[str, int] = {}


class Deployment(Protocol):
    @property
    def url(self) -> str: ...


def deployments(name: str, variant: str | None = None) -> list[Any]:
    """The fixture params of a deployment called ``name``: in memory, and on Redis (with
    ``variant``: pairs of it and the deployment, named ``variant-memory``, ``variant-redis``)."""
    group = pytest.mark.xdist_group(f"redis-{name}")
    if variant is None:
        return ["memory", pytest.param("redis", marks=group)]
    return [
        pytest.param((variant, "memory"), id=f"{variant}-memory"),
        pytest.param((variant, "redis"), id=f"{variant}-redis", marks=group),
    ]


class TwoOnRedis:
    """Two ``serve`` processes on one Redis database, behind haproxy."""

    def __init__(self, redis: RedisServer, folder: Path, db: int, args: list[str]) -> None:
        url = redis.url(db)
        redis.client(db).flushdb()
        self.workers = [Serve(*args, "--state", url).start() for _ in range(2)]
        for worker in self.workers:
            worker.ready()
        self.balancer = Balancer(folder, [f"127.0.0.1:{w.port}" for w in self.workers]).start()

    @property
    def url(self) -> str:
        return self.balancer.url

    def stop(self) -> None:
        self.balancer.stop()
        for worker in self.workers:
            worker.stop()


def _arguments(
    api: str | None,
    spec: Path | None,
    profile: Path | None,
    scenarios: Path | None,
    settings: Settings,
) -> list[str]:
    args = ["--clock", "manual" if settings.manual_clock else "real"]
    args.append("--strict" if settings.strict else "--no-strict")
    for flag, value in (("--spec", spec), ("--profile", profile), ("--scenarios", scenarios)):
        if value is not None:
            args += [flag, str(value)]
    args += ["--api", api or "none"] if api or not profile else []
    return args


def start(
    request: pytest.FixtureRequest,
    name: str,
    deployment: str,
    *,
    api: str | None = None,
    spec: Path | None = None,
    profile: Path | None = None,
    scenarios: Path | None = None,
    settings: Settings = MANUAL,
) -> Iterator[Deployment]:
    """The ``deployment`` (memory or redis) serving what ``build`` would be given."""
    if deployment == "memory":
        app = build(api=api, spec=spec, profile=profile, scenarios=scenarios, settings=settings)
        with LiveServer(app) as server:
            keep_for_session(server)
            yield server
        return
    redis: RedisServer = request.getfixturevalue("redis_server")
    db = _DATABASES.setdefault(name, len(_DATABASES) + 1)
    folder = request.getfixturevalue("tmp_path_factory").mktemp(f"deployment-{name}")
    args = _arguments(api, spec, profile, scenarios, settings)
    on_redis = TwoOnRedis(redis, folder, db, args)
    for worker in on_redis.workers:
        keep_for_session(worker)
    keep_for_session(on_redis.balancer)
    try:
        yield on_redis
    finally:
        with contextlib.suppress(Exception):
            on_redis.stop()
