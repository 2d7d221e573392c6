"""Strict JSON for request bodies: what the emulator could not handle the same way twice is
refused with a ValueError the pipeline turns into the provider's malformed-body answer."""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "parse_json"]

# Deeper documents are refused before anything recursive (validation, rendering) meets them.
MAX_JSON_DEPTH = 64
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON: NaN, Infinity, numbers past a double's range, duplicate keys and nesting
    deeper than ``MAX_JSON_DEPTH`` are refused (ValueError), because nothing downstream (the
    journal, the wire, the validators) could handle them the same way twice."""
    # UTF-8 only (RFC 8259), strictly: json.loads would take UTF-16 and encoded surrogates.
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(
            text, parse_constant=_non_finite, parse_float=_finite, object_pairs_hook=_unique
        )
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    if isinstance(value, dict | list) and _too_deep(value):
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):
        try:  # an escaped half of a surrogate pair, alone, could never be written back out
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a \\u escape names half a surrogate pair, alone") from None
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def _too_deep(value: Any) -> bool:
    # Breadth-first, one level at a time: no recursion, whatever the input.
    level: list[Any] = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _non_finite(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        _non_finite(token)
    return value
