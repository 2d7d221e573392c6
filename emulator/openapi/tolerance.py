"""Which flaws of a spec stop the load, and which are only warnings.

A vendor's file is rarely flawless, and a profile binds a handful of its operations: a flaw
only an unbound operation reaches is a warning and that part is served unchecked. A flaw in a
bound operation, or any flaw with ``strict``, refuses the spec. Bound operations are inlined
and compiled at load, so the flaws only inlining reveals stop them at load too, never later.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from emulator.openapi.compiled import HeaderSpec
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Operation, SchemaSource

__all__ = ["compile_operation", "tolerate"]


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
    sources += [h.source for r in op.responses.values() for h in r.headers.values()
                if isinstance(h, HeaderSpec)]  # fmt: skip
    found = tuple(f for source in sources for f in source.compile() if f not in op.flaws)
    if found:
        object.__setattr__(op, "flaws", (*op.flaws, *found))
    return found
