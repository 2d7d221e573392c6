"""A real webhook receiver on 127.0.0.1 for the tests, and the example batch API's files."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator import LiveServer, Settings, build
from emulator.http.app import Emulator
from tests.support import REPO

BATCH_PROFILE = REPO / "specs" / "examples" / "profiles" / "batch.profile.yaml"


def batch_app(**settings: Any) -> Emulator:
    settings.setdefault("manual_clock", True)
    return build(api=None, profile=BATCH_PROFILE, settings=Settings(**settings))


@dataclass
class Receiver:
    """An ASGI app that records each POST and answers the scripted statuses, then 200."""

    statuses: deque[int] = field(default_factory=deque)
    got: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw = await request.body()
        status = self.statuses.popleft() if self.statuses else 200
        self.got.append({"raw": raw, "headers": dict(request.headers), "status": status})
        await Response(b"", status)(scope, receive, send)
        self.arrived.set()


class ReceiverServer:
    def __init__(self, *statuses: int) -> None:
        self.receiver = Receiver(deque(statuses))
        self.server = LiveServer(self.receiver)

    @property
    def got(self) -> list[dict[str, Any]]:
        return self.receiver.got

    def wait(self, timeout: float) -> bool:
        """True once a delivery has arrived (waits on the receiver's I/O, not on a clock)."""
        return self.receiver.arrived.wait(timeout)

    @property
    def url(self) -> str:
        return self.server.url + "/hooks"

    def __enter__(self) -> ReceiverServer:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()
