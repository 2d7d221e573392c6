"""The last answer: an unexpected exception becomes a problem+json 500, never a bare socket.

A crash is the emulator's bug, not the client's, so it is answered in RFC 9457 problem details
(not the provider's envelope, which would make a test believe the provider said it), named by
exception class and request, logged with its traceback, and journaled as a ``server``
violation so the pytest plugin fails the test that met it. ``x-should-retry: false`` stops
SDKs that honour it from re-sending the request and turning one crash into a slow test.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from emulator.lifecycle.render.envelope import PROBLEM_JSON
from emulator.openapi.violation import Violation

__all__ = ["CRASH_HEADERS", "CRASH_RULE", "crash_body", "crash_violation", "guarded"]

logger = logging.getLogger("jobs_emulator")

CRASH_RULE = "internal_error"
CRASH_HEADERS = {"x-should-retry": "false"}


def _describe(exc: BaseException) -> str:
    text = str(exc)
    # Deep-recursion and similar messages can be long; the class and the gist are enough.
    return f"{type(exc).__name__}: {text[:500]}" if text else type(exc).__name__


def crash_body(exc: BaseException, method: str, path: str) -> dict[str, Any]:
    """The problem details for ``exc`` raised while answering ``method path``."""
    logger.error(
        "jobs-emulator: %s while answering %s %s", _describe(exc), method, path, exc_info=exc
    )
    return {
        "type": "https://jobs-emulator.dev/problems/internal-error",
        "title": "The emulator failed while answering this request",
        "status": 500,
        "detail": f"{_describe(exc)} while answering {method} {path}",
        "exception": type(exc).__name__,
        "request": f"{method} {path}",
    }


def crash_violation(body: dict[str, Any]) -> Violation:
    """The journal's record of a crash, which the pytest plugin reports like a violation."""
    return Violation("server", (), CRASH_RULE, str(body["detail"]), kind="server_error")


Handler = Callable[[Scope, Receive, Send], Awaitable[Any]]


async def guarded(handler: Handler, scope: Scope, receive: Receive, send: Send) -> Any:
    """Run an ASGI ``handler``; if it raises before answering, answer the crash instead."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        return await handler(scope, receive, tracking_send)
    except ClientDisconnect:  # the client left mid-request: there is nobody to answer
        return None
    except Exception as exc:
        if started:  # half a response is on the wire: nothing sensible can follow it
            logger.error(
                "jobs-emulator: %s after the response started", _describe(exc), exc_info=exc
            )
            return None
        body = crash_body(exc, scope.get("method", "?"), scope.get("path", "?"))
        response = JSONResponse(body, 500, CRASH_HEADERS, media_type=PROBLEM_JSON)
        try:
            await response(scope, receive, send)
        except Exception:  # the client is gone; there is nobody left to answer
            return None
        return None
