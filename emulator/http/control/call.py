"""What a control endpoint is given (``ControlCall``), the one error it raises (``ControlError``),
and the rows of the control plane's route table (``ControlRoute``).

An endpoint takes the call and returns what to answer: a JSON-able value (answered 200 as
JSON), or a whole ``Response``. It refuses by raising ``ControlError``, answered as
``{"error": message}`` with its status (and headers: a 405's ``Allow``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from starlette.datastructures import QueryParams
from starlette.requests import Request as HTTPRequest
from starlette.routing import Route

from emulator.lifecycle.core.namespace import Namespace
from emulator.openapi.jsonparse import parse_json

__all__ = ["ControlCall", "ControlError", "ControlRoute", "Endpoint", "json_body"]


class ControlError(Exception):
    """A control request refused: ``{"error": message}`` with ``status`` (and ``headers``)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class ControlCall:
    """One control request, for its endpoint: the namespace it belongs to, the request, its
    path parameters (``{id}``) and its body (parsed JSON, or None when it sent none)."""

    ns: Namespace
    request: HTTPRequest
    params: Mapping[str, str]
    body: Any
    raw: bytes

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def method(self) -> str:
        return self.request.method


Endpoint = Callable[[ControlCall], Any | Awaitable[Any]]


class ControlRoute(Route):
    """A row of the control plane's table: a Starlette ``Route`` (path relative to
    ``/_emulator``, methods; GET also answers HEAD) with what the plane does before the call.

    ``body``: ``"json"`` parses it (a body that is not JSON is refused), ``"raw"`` leaves the
    bytes to the endpoint, ``"none"`` ignores it (and the size limits: a page to show).
    ``open``: answered without the control token (where deliveries land).
    ``atomic``: the call is one step of its namespace (``Namespace.atomically``: one
    transaction when the state is shared); off where the call must answer while the state
    cannot be reached (health).
    """

    def __init__(
        self,
        path: str,
        endpoint: Endpoint,
        *methods: str,
        body: Literal["json", "raw", "none"] = "json",
        open: bool = False,
        atomic: bool = True,
    ) -> None:
        super().__init__(path, endpoint, methods=list(methods))
        self.reads = body
        self.open = open
        self.atomic = atomic

    @property
    def shown(self) -> str:
        """The path as the docs write it, without convertors: ``/jobs/{id}``."""
        return re.sub(r":\w+}", "}", self.path)


def json_body(raw: bytes) -> Any:
    """The JSON a control request sent, None for no body; refused unless it parses."""
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except ValueError:
        raise ControlError(400, "the control plane takes JSON bodies") from None
