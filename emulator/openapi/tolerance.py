"""What a flawed spec costs: never the whole spec, unless the team asks for that.

A vendor's file is rarely flawless. Every flaw the scan finds is repaired where its author's
intent is clear (``repairs``) and otherwise left out of validation; either way the spec loads,
and each flaw is a warning that ``check`` lists. Operations a profile binds are inlined and
compiled at load, so the flaws only inlining reveals are listed at load too, never later.
With ``strict`` (``--strict-spec``, for teams that own their spec) any flaw refuses the spec.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence, Set

from emulator.openapi.compiled import HeaderSpec
from emulator.openapi.document import Located, join
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Operation, SchemaSource

__all__ = ["compile_operation", "tolerate", "unchecked_operation", "unservable"]


def tolerate(
    operations: Sequence[Operation],
    bound: Collection[str] | None,
    strict: bool,
    others: Iterable[Flaw],
) -> tuple[Flaw, ...]:
    """The warnings of a spec whose operations are ``operations``, or, with ``strict``, the
    first flaw raised as ``SpecError``. ``bound`` names the operations compiled now (``None``:
    all of them); ``others`` are the spec's flaws outside operations."""
    warnings: list[Flaw] = []
    for op in operations:
        if bound is None or strict or any(op.matches(ref) for ref in bound):
            compile_operation(op)
        found = (*op.flaws, *op.repairs)
        if found and strict:
            raise found[0].error()
        warnings.extend(found)
    for flaw in others:
        if strict:
            raise flaw.error()
        warnings.append(flaw)
    return tuple(dict.fromkeys(warnings))


def compile_operation(op: Operation) -> tuple[Flaw, ...]:
    """Inline and compile every schema of ``op`` now; returns (and records on ``op``) the
    flaws that only this reveals."""
    sources: list[SchemaSource] = [p.source for p in op.parameters]
    bodies = [op.request_body.content] if op.request_body else []
    bodies += [r.content for r in op.responses.values()]
    sources += [m.source for content in bodies for m in content.values() if m.source]
    sources += [
        h.source
        for r in op.responses.values()
        for h in r.headers.values()
        if isinstance(h, HeaderSpec)
    ]
    found = tuple(f for source in sources for f in source.compile() if f not in op.flaws)
    if found:
        object.__setattr__(op, "flaws", (*op.flaws, *found))
    return found


def unchecked_operation(template: str, at: Located, pointer: str, flaw: Flaw) -> Operation:
    """An operation whose structure is broken (a bad parameter or response object, a
    ``$ref`` to nothing): routed, but every answer is a 500 naming ``flaw``."""
    named = at.node.get("operationId") if isinstance(at.node, dict) else None
    return Operation(
        method=pointer.rsplit("/", 1)[1].upper(),
        path=template,
        operation_id=named if isinstance(named, str) else None,
        parameters=(),
        request_body=None,
        responses={},
        security=(),
        pointer=pointer,
        flaws=(flaw,),
        broken=True,
    )


def unservable(item: Located, methods: Sequence[str], keys: Set[str]) -> list[Flaw]:
    """A warning for each key of path item ``item`` that is no HTTP method OpenAPI lists (3.2's
    ``query``, a typo): that operation cannot be routed, so it is left out."""
    return [
        Flaw(
            str(item.file),
            join(item.pointer, key),
            f"{key!r} is not an HTTP method OpenAPI "
            f"3.1 lists ({', '.join(methods)}): this operation cannot be served and is left out",
            kind="unknown-method",
        )
        for key in item.node
        if key not in keys and key not in methods and not key.startswith("x-")
    ]
