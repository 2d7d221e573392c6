"""emulator.lifecycle.render.timestamps: instants in each named format and in strftime
patterns, and the formats a profile may not name."""

from __future__ import annotations

import pytest

from emulator.lifecycle.render.timestamps import format_time, time_format_problem

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def test_unix_timestamps_are_whole_seconds() -> None:
    assert format_time(T0, "unix") == 1_767_225_600
    assert format_time(T0 + 0.9, "unix") == 1_767_225_600
    assert isinstance(format_time(T0 + 0.9, "unix"), int)


def test_unix_milliseconds_keep_the_fraction() -> None:
    assert format_time(T0 + 0.25, "unix_ms") == 1_767_225_600_250
    assert isinstance(format_time(T0, "unix_ms"), int)


def test_rfc3339_timestamps_are_utc_with_z() -> None:
    assert format_time(T0, "rfc3339") == "2026-01-01T00:00:00Z"
    assert format_time(T0 + 90.5, "rfc3339") == "2026-01-01T00:01:30.500000Z"


def test_dates_and_strftime_patterns() -> None:
    assert format_time(T0 + 86_399, "date") == "2026-01-01"
    assert format_time(T0 + 1.5, "%Y-%m-%dT%H:%M:%S.%f") == "2026-01-01T00:00:01.500000"
    assert format_time(T0, "%d/%m/%Y %H:%M") == "01/01/2026 00:00"


def test_missing_timestamps_stay_none() -> None:
    for style in ("unix", "unix_ms", "rfc3339", "date", "%Y"):
        assert format_time(None, style) is None


@pytest.mark.parametrize("style", ["rfc3339", "unix", "unix_ms", "date", "%Y-%m-%dT%H:%M:%S"])
def test_known_formats_are_accepted(style: str) -> None:
    assert time_format_problem(style) is None


def test_a_name_that_is_no_format_is_refused_with_the_choices() -> None:
    problem = time_format_problem("iso8601")
    assert problem is not None
    assert problem.startswith("unknown timestamp format 'iso8601'; expected one of rfc3339, unix")
    assert "strftime pattern" in problem
