"""The emulator's check of its own answers against the responses its spec declares.

A poll usually sends the very bytes it sent last time: a verdict on identical bytes is the
same verdict, so only bodies never seen before are validated. The headers the response
declares are checked every time (a few look-ups; most responses declare none).

A status the operation does not declare, sent because the profile says the provider sends it,
is a *spec gap* (``spec_gap``): served as is and journaled as ``spec_gap: {status, operation}``.
``emulator.checks.spec_gaps`` predicts them at load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from emulator.http.messages import Outcome
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.profile import Profile
from emulator.openapi.model import Operation
from emulator.openapi.response_headers import check_response_headers
from emulator.openapi.validation import check_response
from emulator.openapi.violation import Violation
from emulator.speed.memo import SizedMemo

__all__ = ["ResponseCheck", "flaw_marks", "served_gaps", "spec_gap"]


class ResponseCheck:
    """``check(op, outcome)``: the violations of ``outcome`` as an answer to ``op``."""

    def __init__(self, cache_size: int = 4096, max_bytes: int = 4 << 20) -> None:
        # Keyed by the bytes sent: bounded by their size too, not only by their number.
        self._conforming = SizedMemo[tuple[str, int, str, bytes | None], bool](
            cache_size, max_bytes
        )

    def check(self, op: Operation, outcome: Outcome) -> list[Violation]:
        if not outcome.checked:
            return []
        headers = check_response_headers(op, outcome.status, outcome.headers)
        key = (op.key, outcome.status, outcome.media_type, outcome.payload)
        if self._conforming.get(key):
            return headers
        violations = check_response(op, outcome.status, outcome.media_type, outcome.body)
        if not violations:
            self._conforming.put(key, True, len(key[3] or b"") + 200)
        return violations + headers


def spec_gap(
    violations: tuple[Violation, ...], profile: Profile | None
) -> tuple[tuple[Violation, ...], int | None]:
    """``violations`` less an undeclared status, and that status: the profile says the provider
    sends it, so it is the spec's gap, not the emulator's fault (unless the profile says
    ``undeclared: violation``). The body of a declared status is still checked."""
    if profile is not None and profile.undeclared == "violation":
        return violations, None
    gap = next((v for v in violations if v.rule == "status"), None)
    if gap is None:
        return violations, None
    return tuple(v for v in violations if v is not gap), int(gap.location[-1])


def served_gaps(entries: Iterable[Exchange]) -> list[dict[str, object]]:
    """Each undeclared status the journal shows served, with its operation and how many times:
    what the pytest plugin's summary lists, handed over when a namespace is reset or freed."""
    counted = Counter((e.operation, e.spec_gap) for e in entries if e.spec_gap is not None)
    return [{"operation": op, "status": status, "count": n} for (op, status), n in counted.items()]


def flaw_marks(op: Operation) -> tuple[str, ...]:
    """What the journal says of ``op``'s flaws found at load: each pointer, the rule broken and
    the repair applied (or that none could be, and that part goes unchecked)."""
    return tuple(flaw.mark() for flaw in (*op.repairs, *op.flaws))
