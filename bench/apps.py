"""The two apps the benchmark compares, and the requests it sends them.

The emulator is the Writer profile over a one-scenario folder (``bench/scenarios``) whose first
state outlasts any run, so every poll costs the same. The baseline is the cheapest Starlette app
that answers the same path with a JSON body of about the same size: the ratio between the two
is the emulator's own cost, with the HTTP server and the machine divided out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.bundle import build
from emulator.http.app import Emulator
from emulator.lifecycle.core.job import Job
from emulator.settings import Settings

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SCENARIO = "happy-path"
APPLICATION = "bench-app"
AUTH = "Bearer bench"
BARE_JOB_ID = "0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b"
# What a client sends on every poll (both apps get the same bytes).
POLL_HEADERS = {"authorization": AUTH, "accept": "application/json"}


def build_emulator() -> Emulator:
    return build(
        api="writer",
        scenarios=SCENARIOS,
        settings=Settings(manual_clock=True, strict=True),
    )


def create_request() -> dict[str, Any]:
    """A create request's context, as the pipeline hands it to ``JobActions.start``."""
    return {
        "body": {"inputs": [{"id": "topic", "value": ["running shoes"]}]},
        "path": {"application_id": APPLICATION},
        "query": {},
    }


def start_jobs(app: Emulator, count: int, namespace: str = "default") -> list[Job]:
    """``count`` jobs in one namespace, created directly (no HTTP, no journal)."""
    assert app.actions is not None
    ns = app.namespaces.get(namespace)
    scenario = app.scenarios[SCENARIO]
    start = app.actions.start
    return [start(ns, scenario, create_request()) for _ in range(count)]


def poll_path(job_id: str) -> str:
    return f"/v1/applications/jobs/{job_id}"


def list_path() -> str:
    return f"/v1/applications/{APPLICATION}/jobs"


async def _bare_job(request: Request) -> JSONResponse:
    job_id = request.path_params["job_id"]
    return JSONResponse(
        {
            "id": job_id,
            "status": "in_progress",
            "application_id": APPLICATION,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "completed_at": None,
            "data": None,
            "error": None,
        }
    )


def build_bare() -> Starlette:
    return Starlette(routes=[Route("/v1/applications/jobs/{job_id}", _bare_job)])


def pin_to_cpu(index: int) -> int | None:
    """Run this process on one CPU (the ``index``-th it may use); None when it cannot."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    cpu = cpus[index % len(cpus)]
    os.sched_setaffinity(0, {cpu})
    return cpu
