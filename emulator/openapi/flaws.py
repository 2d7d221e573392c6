"""Finding what is wrong with a spec's schemas, and repairing it, without inlining them.

Every schema location is visited once, however many ``$ref`` reach it: its ``$ref``s are
resolved (the targets are visited in turn, from a work list, so deep reference graphs need no
deep recursion), the named repairs of ``repairs`` are looked for, and the node is checked
against the 2020-12 meta-schema with the $refs left as they are. A location with a flaw gets a
repaired copy (``SchemaScan.repaired``), which is what the inliner serves; the spec's own
objects are never changed.

A flaw is a ``Flaw`` value, not an exception. One with a ``repair`` was repaired; one without
could not be (a ``$ref`` to nothing, a keyword no reading makes valid): that keyword or
reference is left out of validation, so the rest still validates, and an answer the emulator
would make up from such a schema is a 500 naming the flaw instead (``model.unservable``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from emulator.errors import SpecError
from emulator.openapi.dialect import subschemas
from emulator.openapi.document import Documents, Located
from emulator.openapi.repairs import REPAIRS, TRIGGERS
from emulator.yamlread import escape

__all__ = ["Flaw", "SchemaScan"]

_Key = tuple[Path, str]
_LOOSE_BOUNDS = ("exclusiveMinimum", "exclusiveMaximum")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
UNREPAIRABLE = "not repaired: left out of validation; answers made up from it are a 500"


@dataclass(frozen=True, slots=True)
class Flaw:
    """Something wrong at ``file``, ``pointer``: the rule broken (``reason``) and what the
    emulator did about it (``repair``; None when nothing could be done). ``kind`` names the
    flaw class (``duplicate-required``, ``unresolvable-ref``...)."""

    file: str
    pointer: str
    reason: str
    repair: str | None = None
    kind: str = "invalid"

    @classmethod
    def of(cls, error: SpecError, kind: str = "invalid") -> Flaw:
        return cls(error.file, error.pointer, error.reason, kind=kind)

    @property
    def repaired(self) -> bool:
        return self.repair is not None

    def error(self) -> SpecError:
        return SpecError(self.file, self.pointer, self.reason)

    def mark(self) -> str:
        """The flaw as the journal keeps it: pointer, rule and repair (or that there is none)."""
        return f"{self.pointer}: {self.reason} ({self.outcome})"

    @property
    def outcome(self) -> str:
        return f"repaired: {self.repair}" if self.repair is not None else UNREPAIRABLE

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer}: [{self.kind}] {self.reason} ({self.outcome})"


@cache
def _meta_errors() -> Callable[[Any], Iterator[tuple[list[str | int], str, Any]]]:
    """``schema -> (path, message, instance)`` for each way it breaks the 2020-12 meta-schema.

    jsonschema-rs does this far faster than jsonschema, which is what makes checking a vendor's
    whole file at startup affordable."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a platform without its wheels
        slow = Draft202012Validator(Draft202012Validator.META_SCHEMA)
        return lambda s: ((list(e.path), e.message, e.instance) for e in slow.iter_errors(s))
    fast = jsonschema_rs.Draft202012Validator(Draft202012Validator.META_SCHEMA)

    def errors(schema: Any) -> Iterator[tuple[list[str | int], str, Any]]:
        if fast.is_valid(schema):
            return iter(())
        return ((list(e.instance_path), e.message, e.instance) for e in fast.iter_errors(schema))

    return errors


@dataclass(slots=True)
class _Visit:
    node: Any  # what the inliner serves: the spec's own node, or its repaired copy
    flaws: list[Flaw] = field(default_factory=list)
    targets: list[_Key] = field(default_factory=list)


class SchemaScan:
    """Flaws of schema locations and of everything they reference, each location seen once
    and repaired once."""

    def __init__(self, documents: Documents) -> None:
        self._docs = documents
        self._seen: dict[_Key, _Visit] = {}
        self._flawed = False
        self._reached: dict[_Key, tuple[Flaw, ...]] = {}  # every flaw a location reaches

    def flaws_of(self, file: Path, pointer: str, node: Any) -> tuple[Flaw, ...]:
        """The flaws of the schema ``node`` (at ``pointer`` in ``file``) and all it reaches,
        repaired or not."""
        start = (file, pointer)
        self._visit_all(start, node)
        if not self._flawed:
            return ()
        if start not in self._reached:
            self._gather(start)
        return self._reached[start]

    def _gather(self, start: _Key) -> None:
        """What each location from ``start`` on reaches, worked out once per location: a
        spec's thousands of schema positions share the components they refer to, so walking
        the graph anew from each would go over the same components again and again.

        Tarjan's strongly connected components, iteratively (reference graphs are deep):
        locations that refer to each other reach the same flaws, and a component is finished
        only after everything it refers to outside itself."""
        order: dict[_Key, int] = {start: 0}
        low = {start: 0}
        stack, on_stack = [start], {start}
        work = [(start, iter(self._seen[start].targets))]
        while work:
            key, targets = work[-1]
            for target in targets:
                if target in self._reached:
                    continue
                if target not in order:
                    order[target] = low[target] = len(order)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(self._seen[target].targets)))
                    break
                if target in on_stack:
                    low[key] = min(low[key], order[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[key])
                if low[key] == order[key]:
                    self._finish(stack, on_stack, key)

    def _finish(self, stack: list[_Key], on_stack: set[_Key], root: _Key) -> None:
        members: list[_Key] = []
        while not members or members[-1] != root:
            members.append(stack.pop())
            on_stack.discard(members[-1])
        found: dict[Flaw, None] = {}
        for member in members:
            visit = self._seen[member]
            found.update(dict.fromkeys(visit.flaws))
            for target in visit.targets:
                found.update(dict.fromkeys(self._reached.get(target, ())))
        reached = tuple(found)
        for member in members:
            self._reached[member] = reached

    def repaired(self, at: Located) -> Any:
        """The node at ``at`` as the emulator serves it: repaired where it was flawed."""
        key = (at.file, at.pointer)
        self._visit_all(key, at.node)
        return self._seen[key].node

    def _visit_all(self, start: _Key, node: Any) -> None:
        pending: list[tuple[_Key, Any]] = [(start, node)]
        while pending:
            key, value = pending.pop()
            if key in self._seen:
                continue
            visit = self._seen[key] = _Visit(value)
            self._visit(key, value, visit, pending)
            self._flawed = self._flawed or bool(visit.flaws)

    def _visit(self, key: _Key, node: Any, visit: _Visit, pending: list[tuple[_Key, Any]]) -> None:
        file, pointer = key
        legacy = not self._docs.openapi_30(file)  # 3.0 keywords are flaws in 3.1 only
        walk = _Walk(self._docs, file, legacy, pending)
        walk.node(pointer, node, apply=False)
        visit.targets = walk.targets
        flaws = walk.flaws
        served = node
        if walk.needs_copy:
            served = copy.deepcopy(node)
            _Walk(self._docs, file, legacy, []).node(pointer, served, apply=True)
        broken = [
            (path, message)
            for path, message, instance in _meta_errors()(served)
            if not (path and path[-1] in _LOOSE_BOUNDS and isinstance(instance, bool))
        ]
        if broken:
            served = served if walk.needs_copy else copy.deepcopy(node)
            for path, message in broken:
                where = pointer + "".join("/" + escape(str(p)) for p in path)
                flaws.append(Flaw(str(file), where, f"invalid schema: {message}"))
            served = _strip(served, [path for path, _ in broken])
        visit.node, visit.flaws = served, flaws


class _Walk:
    """One pass over a schema location's tree: finds (or, with ``apply``, repairs) flaws and
    resolves its ``$ref``s, queueing their targets."""

    def __init__(
        self, docs: Documents, file: Path, legacy: bool, pending: list[tuple[_Key, Any]]
    ) -> None:
        self._docs = docs
        self._file = file
        self._legacy = legacy
        self._pending = pending
        self.flaws: list[Flaw] = []
        self.targets: list[_Key] = []
        self.needs_copy = False

    def _member(self, pointer: str) -> Callable[[Any], Mapping[str, Any] | None]:
        def resolve(member: Any) -> Mapping[str, Any] | None:
            if not isinstance(member, dict):
                return None
            if "$ref" not in member:
                return member
            try:
                target = self._docs.follow(Located(self._file, pointer, member))
            except SpecError:
                return None
            return target.node if isinstance(target.node, dict) else None

        return resolve

    def node(self, pointer: str, node: Any, *, apply: bool) -> None:
        if not isinstance(node, dict):
            return
        if not TRIGGERS.isdisjoint(node):
            self._repairs(pointer, node, apply)
        if "$ref" in node:
            self._reference(pointer, node, apply)
        for rel, child in list(subschemas(node)) if apply else subschemas(node):
            self.node(pointer + rel, child, apply=apply)

    def _repairs(self, pointer: str, node: dict[str, Any], apply: bool) -> None:
        resolve = self._member(pointer)
        for repair in REPAIRS:
            if repair.keys.isdisjoint(node):
                continue
            for finding in repair.find(node, self._legacy, resolve, apply):
                where = pointer + finding.where
                self.flaws.append(
                    Flaw(str(self._file), where, finding.rule, finding.repair, finding.kind)
                )
                self.needs_copy = True

    def _reference(self, pointer: str, node: dict[str, Any], apply: bool) -> None:
        try:
            target = self._docs.follow(
                self._docs.resolve(Located(self._file, pointer, node)), bare_only=True
            )
        except SpecError as exc:
            if apply:
                del node["$ref"]  # what is left (a description...) accepts anything
            else:
                self.flaws.append(Flaw.of(exc, "unresolvable-ref"))
                self.needs_copy = True
        else:
            if not apply:
                self.targets.append((target.file, target.pointer))
                self._pending.append(((target.file, target.pointer), target.node))


def _strip(node: Any, paths: list[list[str | int]]) -> Any:
    """``node`` (a copy) without the keywords at ``paths`` that break the meta-schema: what
    is left still validates what it says."""
    for path in sorted(paths, key=len, reverse=True):
        if not path:
            return {}
        parent: Any = node
        try:
            for token in path[:-2]:
                parent = parent[token]
            holder, last = (parent[path[-2]], path[-1]) if len(path) > 1 else (parent, path[0])
            if isinstance(holder, list):
                if len(path) > 1 and path[-2] in _SCHEMA_LISTS:
                    holder[int(last)] = {}
                elif len(path) > 1:
                    del parent[path[-2]]
            else:
                del holder[last]
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # already gone with an enclosing keyword
    return node
