"""A broken rule, as a value: what was checked, where, and what was wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Violation", "violation_details"]


@dataclass(frozen=True, slots=True)
class Violation:
    """``location`` is where in the message: ``("query", "limit")``, ``("body", "inputs", 0)``.

    ``kind`` picks the provider's error for a request violation (``invalid_request``,
    ``malformed_body``, ``unsupported_media_type``); ``rule`` is the JSON Schema keyword or
    contract rule that failed. A ``server`` violation is the emulator's own crash.
    """

    side: Literal["request", "response", "server"]
    location: tuple[str | int, ...]
    rule: str
    message: str
    kind: str = "invalid_request"
    # The message without the field it names, for envelopes whose items carry the field
    # apart (``{"loc": [...], "msg": ...}``); empty when the message is all there is.
    reason: str = ""

    @property
    def path(self) -> str:
        """The location as a JSON path, e.g. ``$.body.inputs[0].id``."""
        out = "$"
        for part in self.location:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "path": self.path,
            "rule": self.rule,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.side} {self.path}: {self.message} (rule: {self.rule})"


def violation_details(violations: Sequence[Violation]) -> list[dict[str, Any]]:
    """Violations as ``{"loc", "msg", "type"}`` items, for envelopes that list them."""
    return [
        {"loc": list(v.location), "msg": v.reason or v.message, "type": v.rule} for v in violations
    ]
