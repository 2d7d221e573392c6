"""Which flaws of a spec stop the load, and which are only warnings.

A vendor's file is rarely flawless, and a profile binds a handful of its operations: a flaw
only an unbound operation reaches is a warning and that part is served unchecked. A flaw in a
bound operation, or any flaw with ``strict``, refuses the spec. Bound operations are inlined
and compiled at load, so the flaws only inlining reveals stop them at load too, never later.
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
    """The warnings of a spec whose operations are ``operations``, or the first fatal flaw
    raised as ``SpecError``. ``bound`` is ``None`` when every operation counts as bound;
    ``others`` are the spec's flaws outside operations (unservable ones, legacy keywords)."""
    warnings: list[Flaw] = []
    for op in operations:
        binds = bound is None or any(op.matches(ref) for ref in bound)
        if binds:
            compile_operation(op)
        if op.flaws and (strict or binds):
            raise op.flaws[0].error()
        warnings.extend(op.flaws)
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
    ``$ref`` to nothing): served without checks, or refused if a profile binds it."""
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
        )
        for key in item.node
        if key not in keys and key not in methods and not key.startswith("x-")
    ]
