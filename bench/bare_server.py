"""The baseline: a bare Starlette app with the emulator's four routes, on the same uvicorn stack.

    python bench/bare_server.py PORT

Each route returns a fixed JSON body of the size the emulator's answer has, with no validation,
no state and no journal: the ceiling of the stack, against which the emulator's figures are read.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.http.server import stack

JOB = {
    "id": "0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b",
    "status": "in_progress",
    "application_id": "bench-app",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "completed_at": None,
    "data": None,
    "error": None,
}
ACCEPTED = {"id": JOB["id"], "status": "in_progress", "created_at": JOB["created_at"]}
PAGE = {"result": [JOB] * 20, "totalCount": 20, "pagination": {"limit": 20, "offset": 0}}


async def poll(request: Request) -> JSONResponse:
    return JSONResponse(JOB)


async def create(request: Request) -> JSONResponse:
    await request.json()  # a create reads its body; the emulator also validates it
    return JSONResponse(ACCEPTED, 202)


async def retry(request: Request) -> JSONResponse:
    return JSONResponse(ACCEPTED)


async def page(request: Request) -> JSONResponse:
    return JSONResponse(PAGE)


app = Starlette(
    routes=[
        Route("/v1/applications/jobs/{job_id}", poll),
        Route("/v1/applications/jobs/{job_id}/retry", retry, methods=["POST"]),
        Route("/v1/applications/{application_id}/jobs", page),
        Route("/v1/applications/{application_id}/jobs", create, methods=["POST"]),
    ]
)

if __name__ == "__main__":
    loop, http = stack()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
        loop=loop,
        http=http,
    )
