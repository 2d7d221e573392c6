"""compact_json: orjson's bytes where it can encode, json's where only json can."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest

from emulator.speed.compact_json import compact_json


@pytest.mark.parametrize(
    "value",
    [
        {"id": "j1", "status": "in_progress", "data": None, "n": [1, 2.5, -3, True]},
        {"text": "café ☕ 𝄞", "nested": {"a": [{"b": {}}]}},
        [],
        "plain",
    ],
)
def test_what_both_encode_is_json_compact_and_utf8(value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert compact_json(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70},  # past 64 bits
        {1: "a key that is no string"},
        {"half": "\ud800"},  # half a surrogate pair
    ],
)
def test_what_only_json_encodes_still_encodes_to_the_same_value(value: Any) -> None:
    decoded = json.loads(compact_json(value))
    assert decoded == json.loads(json.dumps(value))


@dataclass
class _Thing:
    name: str


def test_dates_and_dataclasses_go_to_default_as_with_json() -> None:
    value = {"when": datetime.date(2026, 1, 2), "thing": _Thing("x")}
    assert json.loads(compact_json(value, default=str)) == {
        "when": "2026-01-02",
        "thing": "_Thing(name='x')",
    }
    with pytest.raises(TypeError):
        compact_json({"when": datetime.date(2026, 1, 2)})


def test_what_is_kept_is_only_as_big_as_its_json() -> None:
    import tracemalloc

    bodies = [{"id": f"job-{n}", "status": "in_progress"} for n in range(200)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [compact_json(body) for body in bodies]
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 200 * len(kept) * 2  # orjson's own bytes would hold 4 KiB each
