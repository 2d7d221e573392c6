"""From a request path to the operation the spec declares for it.

OpenAPI path templates are matched segment by segment as plain strings, never with typed
convertors: a malformed id must reach validation (a 400 in the provider's envelope), not die
as a 404 in the router. Any parameter name works, ``{job-id}`` included, and a segment may
hold text around its parameter (``{operation}:cancel``, see ``openapi.path_template``). Only
the leading ``/`` is dropped, so ``/jobs/`` is not ``/jobs``: no silent match and no redirect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from emulator.openapi.model import Operation
from emulator.openapi.path_template import Slot, compile_path, requested_path
from emulator.speed.memo import SizedMemo
from emulator.speed.readonly import freeze

__all__ = ["RouteMatch", "Router"]

_RECENT_PATHS = 4096


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The outcome of routing: an operation with its path parameters, or why there is none.

    ``operation`` is None when nothing matched; then ``allowed`` lists the methods the path
    does support (non-empty: 405, empty: 404).
    """

    operation: Operation | None
    params: Mapping[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Route:
    segments: tuple[str | Slot, ...]
    names: tuple[str, ...]
    # The segments without their parameters' names: templates of one shape are one resource.
    shape: tuple[str | tuple[str, ...], ...]
    # Static segments beat templates: the route with more literal text, earlier, sorts first
    # (a literal segment, then one with text around its parameter, then a bare parameter).
    rank: tuple[tuple[int, int], ...]
    methods: Mapping[str, Operation]


def _route(template: str, operations: Mapping[str, Operation]) -> _Route:
    segments = compile_path(template)
    slots = [seg for seg in segments if isinstance(seg, Slot)]
    names = tuple(name for slot in slots for name in slot.names)
    shape = tuple(seg if isinstance(seg, str) else seg.literals for seg in segments)
    rank = tuple((0, 0) if isinstance(seg, str) else seg.specificity for seg in segments)
    return _Route(segments, names, shape, rank, operations)


class Router:
    """Operations indexed by segment count, tried most-static first."""

    def __init__(self, operations: Iterable[Operation], prefix: str = "") -> None:
        """``prefix``: the base path every operation's path is served under (``/v1``)."""
        by_path: dict[str, dict[str, Operation]] = {}
        # A template with a fragment is requested without it: where another operation has
        # that path and method, that one answers (the spec's flaw says so), else it does.
        for op in sorted(operations, key=lambda op: requested_path(op.path) != op.path):
            by_path.setdefault(prefix + requested_path(op.path), {}).setdefault(op.method, op)
        routes = [_route(path, methods) for path, methods in by_path.items()]
        self._by_length: dict[int, list[_Route]] = {}
        for route in sorted(routes, key=lambda r: r.rank):
            self._by_length.setdefault(len(route.segments), []).append(route)
        # Recent answers: a polling client sends the same path over and over. Bounded, since
        # paths come from clients; a match is frozen and its params read-only.
        self._recent = SizedMemo[tuple[str, str], RouteMatch](_RECENT_PATHS, 16 << 20)

    def match(self, method: str, path: str) -> RouteMatch:
        """Route ``method path``; HEAD falls back to GET as HTTP requires."""
        key = (method, path)
        found = self._recent.get(key)
        if found is None:
            found = self._match(method, path)
            # The key's path twice (the match's parameters are cut from it) and the objects.
            self._recent.put(key, found, 2 * len(path) + 400)
        return found

    def _match(self, method: str, path: str) -> RouteMatch:
        parts = path.removeprefix("/").split("/")
        resource: tuple[str | tuple[str, ...], ...] | None = None
        allowed: set[str] = set()
        for route in self._by_length.get(len(parts), ()):
            if resource is not None and route.shape != resource:
                continue
            params = _bind(route, parts)
            if params is None:
                continue
            op = route.methods.get(method)
            if op is None and method == "HEAD":
                op = route.methods.get("GET")
            if op is not None:
                return RouteMatch(op, params)
            # The most static route that binds the path is the resource it names (OpenAPI:
            # concrete paths before templated ones), so a method it lacks is a 405, not a
            # fall-through to a template that happens to take the same path. Templates that
            # differ only in their variables' names (which OpenAPI forbids, and published specs
            # have) are one resource: the method may be under any of them.
            resource = route.shape
            allowed |= set(route.methods) | ({"HEAD"} if "GET" in route.methods else set())
        if resource is not None:
            return RouteMatch(None, allowed=tuple(sorted(allowed)))
        return RouteMatch(None)


def _bind(route: _Route, parts: list[str]) -> dict[str, str] | None:
    values: list[str] = []
    for segment, part in zip(route.segments, parts, strict=True):
        if isinstance(segment, str):
            if segment != part:
                return None
            continue
        bound = segment.bind(part)
        if bound is None:
            return None
        values.extend(bound)
    # Remembered and handed to every request for this path: read-only.
    return freeze(dict(zip(route.names, values, strict=True)))  # type: ignore[no-any-return]
