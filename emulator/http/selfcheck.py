"""The emulator's check of its own answers against the responses its spec declares.

A poll usually sends the very bytes it sent last time: a verdict on identical bytes is the
same verdict, so only bodies never seen before are validated. The headers the response
declares are checked every time (a few look-ups; most responses declare none).
"""

from __future__ import annotations

from emulator.http.messages import Outcome
from emulator.lifecycle.profile import Profile
from emulator.openapi.model import Operation
from emulator.openapi.response_headers import check_response_headers
from emulator.openapi.validation import check_response
from emulator.openapi.violation import Violation

__all__ = ["ResponseCheck", "flaw_marks", "spec_gap"]


class ResponseCheck:
    """``check(op, outcome)``: the violations of ``outcome`` as an answer to ``op``."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._conforming: dict[tuple[str, int, str, bytes | None], None] = {}
        self._cache_size = cache_size

    def check(self, op: Operation, outcome: Outcome) -> list[Violation]:
        if not outcome.checked:
            return []
        headers = check_response_headers(op, outcome.status, outcome.headers)
        key = (op.key, outcome.status, outcome.media_type, outcome.payload)
        if key in self._conforming:
            return headers
        violations = check_response(op, outcome.status, outcome.media_type, outcome.body)
        if not violations:
            if len(self._conforming) >= self._cache_size:
                self._conforming.clear()
            self._conforming[key] = None
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


def flaw_marks(op: Operation) -> tuple[str, ...]:
    """What the journal says of ``op``'s flaws tolerated at load (those parts are unchecked)."""
    return tuple(f"{flaw.pointer}: {flaw.reason}" for flaw in op.flaws)
