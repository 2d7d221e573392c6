"""Compact JSON bytes, as the emulator stores and sends them: orjson where it can, json else.

orjson encodes a job's view in about a twentieth of json's time (0.25 µs against 4.9 µs for a
created job's body), and a create encodes two documents: its request, kept with the job, and
its answer. orjson refuses what json takes (integers past 64 bits, keys that are not strings,
strings holding half a surrogate pair): those documents go to json, so whatever json could
encode still is. Dates and dataclasses go to ``default`` as with json, not to orjson's own
formats. One difference stays: a NaN or an infinity is written ``null``, which is JSON, where
json writes ``NaN``, which is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["compact_json"]

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def compact_json(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """``value`` as compact UTF-8 JSON, non-ASCII kept as is (escaped only on json's path)."""
    try:
        encoded = orjson.dumps(value, default=default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, separators=(",", ":"), default=default).encode()
    # Copied into a bytes object of its own size: what orjson returns holds on to the 4 KiB
    # buffer it was written into, and the journal alone keeps 10,000 bodies a namespace: kept
    # uncopied, small bodies would hold whole buffers each.
    return bytes(memoryview(encoded))
