"""Shared-state namespaces for the unit tests, on the ``redis_client`` fixture's Redis."""

from __future__ import annotations

from typing import Any

from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.persistence.redis_namespace import RedisNamespace
from emulator.lifecycle.persistence.redis_state import SharedState


def shared(client: Any, limits: Limits | None = None, **settings: Any) -> SharedState:
    return SharedState("redis://test", api="unit", client=client, limits=limits, **settings)


def space(client: Any, name: str = "n", **settings: Any) -> RedisNamespace:
    return RedisNamespace(name, shared(client, **settings))


def job(job_id: str, partition: str | None = None, **fields: Any) -> Job:
    fields.setdefault("request_json", b"{}")
    return Job(
        id=job_id,
        scenario="s",
        created_at=0.0,
        updated_at=0.0,
        entered_at=0.0,
        partition=partition,
        **fields,
    )
