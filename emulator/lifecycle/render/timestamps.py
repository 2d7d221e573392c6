"""Instants as a provider writes them: a named format or any ``strftime`` pattern, in UTC.

>>> format_time(1767225600.5, "rfc3339")
'2026-01-01T00:00:00.500000Z'
>>> format_time(1767225600.5, "unix"), format_time(1767225600.5, "unix_ms")
(1767225600, 1767225600500)
>>> format_time(1767225600.5, "%Y-%m-%dT%H:%M:%S.%f")  # RFC 3339 without a zone
'2026-01-01T00:00:00.500000'
>>> format_time(None, "date") is None
True
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from emulator.speed.memo import memoized

__all__ = ["TIME_FORMATS", "format_time", "time_format_problem"]

# Each named format and what it writes, for the docs and for the message refusing a typo.
TIME_FORMATS = {
    "rfc3339": "2026-01-01T00:00:00Z (fractions of a second when there are any)",
    "unix": "integer seconds since 1970",
    "unix_ms": "integer milliseconds since 1970",
    "date": "2026-01-01",
}


@memoized(4096)
def format_time(instant: float | None, style: str) -> Any:
    """Unix seconds in ``style``: a name of ``TIME_FORMATS`` or a ``strftime`` pattern."""
    if instant is None:
        return None
    if style == "unix":
        return int(instant)
    if style == "unix_ms":
        return round(instant * 1000)
    moment = datetime.fromtimestamp(instant, UTC)
    if style == "rfc3339":
        spec = "microseconds" if moment.microsecond else "seconds"
        return moment.isoformat(timespec=spec).replace("+00:00", "Z")
    if style == "date":
        return moment.date().isoformat()
    return moment.strftime(style)


def time_format_problem(style: str) -> str | None:
    """Why ``style`` is no timestamp format (a typo of a name, a pattern with no directive)."""
    if style in TIME_FORMATS:
        return None
    if "%" not in style:
        return (
            f"unknown timestamp format {style!r}; expected one of {', '.join(TIME_FORMATS)}, "
            "or a strftime pattern such as '%Y-%m-%dT%H:%M:%S.%f'"
        )
    try:
        datetime(2026, 1, 1, tzinfo=UTC).strftime(style)
    except ValueError as exc:
        return f"invalid strftime pattern {style!r}: {exc}"
    return None
