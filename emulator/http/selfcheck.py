"""The emulator's check of its own answers against the responses its spec declares.

A poll usually sends the very bytes it sent last time: a verdict on identical bytes is the
same verdict, so only responses never seen before are validated.
"""

from __future__ import annotations

from emulator.http.messages import Outcome
from emulator.openapi.model import Operation
from emulator.openapi.validation import check_response
from emulator.openapi.violation import Violation

__all__ = ["ResponseCheck"]


class ResponseCheck:
    """``check(op, outcome)``: the violations of ``outcome`` as an answer to ``op``."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._conforming: dict[tuple[str, int, str, bytes | None], None] = {}
        self._cache_size = cache_size

    def check(self, op: Operation, outcome: Outcome) -> list[Violation]:
        if not outcome.checked:
            return []
        key = (op.key, outcome.status, outcome.media_type, outcome.payload)
        if key in self._conforming:
            return []
        violations = check_response(op, outcome.status, outcome.media_type, outcome.body)
        if not violations:
            if len(self._conforming) >= self._cache_size:
                self._conforming.clear()
            self._conforming[key] = None
        return violations
