"""Finding what is wrong with a spec's schemas without inlining or compiling them.

Every schema location is visited once, however many ``$ref`` reach it: its ``$ref``s are
resolved (the targets are visited in turn, from a work list, so deep reference graphs need no
deep recursion) and the node is checked against the 2020-12 meta-schema with the $refs left as
they are. A flaw is a ``Flaw`` value, not an exception: whether it stops the load depends on
whether anything the profile binds reaches it, which only the caller knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from emulator.errors import SpecError
from emulator.openapi.dialect import map_subschemas
from emulator.openapi.document import Documents, Located
from emulator.yamlread import escape

__all__ = ["Flaw", "SchemaScan"]

_Key = tuple[Path, str]
_LOOSE_BOUNDS = ("exclusiveMinimum", "exclusiveMaximum")


@dataclass(frozen=True, slots=True)
class Flaw:
    """Something wrong (or, with ``fatal`` false, merely dubious) at ``file``, ``pointer``."""

    file: str
    pointer: str
    reason: str
    fatal: bool = True

    @classmethod
    def of(cls, error: SpecError) -> Flaw:
        return cls(error.file, error.pointer, error.reason)

    def error(self) -> SpecError:
        return SpecError(self.file, self.pointer, self.reason)

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer}: {self.reason}"


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
    flaws: list[Flaw] = field(default_factory=list)
    targets: list[_Key] = field(default_factory=list)


class SchemaScan:
    """Flaws of schema locations and of everything they reference, each location seen once.

    ``notes`` collects non-fatal findings: OpenAPI 3.0 keywords in a 3.1 document, which the
    emulator honours (``nullable: true`` accepts null) but the document should not use.
    """

    def __init__(self, documents: Documents) -> None:
        self._docs = documents
        self._seen: dict[_Key, _Visit] = {}
        self._flawed = False
        self.notes: list[Flaw] = []

    def flaws_of(self, file: Path, pointer: str, node: Any) -> tuple[Flaw, ...]:
        """The flaws of the schema ``node`` (at ``pointer`` in ``file``) and all it reaches."""
        start = (file, pointer)
        self._visit_all(start, node)
        if not self._flawed:
            return ()
        found: dict[Flaw, None] = {}
        queue, reached = [start], {start}
        while queue:
            visit = self._seen[queue.pop()]
            found.update(dict.fromkeys(visit.flaws))
            for target in visit.targets:
                if target not in reached:
                    reached.add(target)
                    queue.append(target)
        return tuple(found)

    def _visit_all(self, start: _Key, node: Any) -> None:
        pending: list[tuple[_Key, Any]] = [(start, node)]
        while pending:
            key, value = pending.pop()
            if key in self._seen:
                continue
            visit = self._seen[key] = _Visit()
            file, pointer = key
            legacy = not self._docs.openapi_30(file)  # 3.0 keywords are legacy in 3.1 only
            self._check(file, pointer, value, visit, legacy)
            self._walk(file, pointer, value, visit, pending, legacy)
            self._flawed = self._flawed or bool(visit.flaws)

    def _check(self, file: Path, pointer: str, node: Any, visit: _Visit, legacy: bool) -> None:
        for path, message, instance in _meta_errors()(node):
            where = pointer + "".join("/" + escape(str(p)) for p in path)
            if path and path[-1] in _LOOSE_BOUNDS and isinstance(instance, bool):
                if legacy:  # 3.0's boolean form, honoured as 3.0 meant it
                    self.notes.append(Flaw(str(file), where, _LEGACY_BOUND, fatal=False))
                continue
            visit.flaws.append(Flaw(str(file), where, f"invalid schema: {message}"))

    def _walk(
        self,
        file: Path,
        pointer: str,
        node: Any,
        visit: _Visit,
        pending: list[tuple[_Key, Any]],
        legacy: bool,
    ) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            try:
                target = self._docs.follow(
                    self._docs.resolve(Located(file, pointer, node)), bare_only=True
                )
            except SpecError as exc:
                visit.flaws.append(Flaw.of(exc))
            else:
                visit.targets.append((target.file, target.pointer))
                pending.append(((target.file, target.pointer), target.node))
        if legacy and "nullable" in node:
            self.notes.append(Flaw(str(file), f"{pointer}/nullable", _LEGACY_NULLABLE, fatal=False))

        def sub(child: Any, rel: str) -> Any:
            self._walk(file, pointer + rel, child, visit, pending, legacy)
            return child

        map_subschemas(node, sub)


_LEGACY_NULLABLE = (
    "`nullable` is an OpenAPI 3.0 keyword; in this 3.1 document it is honoured (null is "
    "accepted), but write `type: [..., 'null']` instead"
)
_LEGACY_BOUND = (
    "a boolean exclusiveMinimum/exclusiveMaximum is OpenAPI 3.0; in this 3.1 document it is "
    "honoured as 3.0 meant it, but write the bound itself instead"
)
