"""What a job action takes, returns and raises: a validated ``Request``, the ``Binding`` of the
operation it answers, a ``Reply``, a ``Refusal`` in the provider's words. Plain values, no HTTP:
the pipeline adapts them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.speed.slotted import quick_init

__all__ = ["Binding", "Refusal", "Reply", "Request"]


# Made per request: frozen, with the quick __init__ of ``speed.slotted``.
@quick_init
@dataclass(frozen=True, slots=True)
class Request:
    """What a handler needs of an HTTP request, already validated."""

    path: Mapping[str, Any]
    query: Mapping[str, Any]
    params: Mapping[str, Any]
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    # Where the client reached the API: scheme, host, any namespace prefix and the spec's base
    # path (``http://127.0.0.1:4010/_ns/t1/v1``); ``url`` adds the operation's path.
    base_url: str = ""
    url: str = ""

    def param(self, name: str) -> Any:
        """A declared parameter's value, else the raw query value of that name: profiles may
        read parameters (cursors) that the spec does not declare."""
        if name in self.params:
            return self.params[name]
        return self.query.get(name)

    def context(self) -> dict[str, Any]:
        return {"body": self.body, "path": dict(self.path), "query": dict(self.query)}


@dataclass(frozen=True, slots=True)
class Binding:
    """An operation bound to a job action, as its handler answers it: worked out once, at load.

    ``action`` is the name the profile binds (the journal's ``action``), ``view`` the profile
    view the answer renders (``None``: no body), ``success`` the status of a successful answer.
    """

    action: str
    view: str | None
    success: int


@quick_init
@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any
    job_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # ``body`` as JSON bytes, when a cached view already has them.
    payload: bytes | None = None
    # What was repaired in the spec to make ``body`` (an example that contradicts its schema).
    repairs: tuple[str, ...] = ()


class Refusal(Exception):
    """The provider would refuse: answer with the profile's error ``kind``."""

    def __init__(self, kind: str, variables: Mapping[str, Any], job_id: str | None = None):
        super().__init__(kind)
        self.kind = kind
        self.variables = variables
        self.job_id = job_id
