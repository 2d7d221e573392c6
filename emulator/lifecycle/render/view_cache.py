"""Rendered job views and their JSON bytes, reused while the job they show has not changed.

A polling client asks for the same job again and again, and between two state changes every
answer is the same: rendering the view, encoding it and hashing the bytes for the self-check's
verdict cache would be the same work each time. An entry remembers the job it was rendered
from; every change to a job makes a new ``Job`` (the poll counter, which no view shows, is the
one field bumped in place), so ``entry.job is job`` is exactly "nothing a view shows changed".

Cached bodies are shared between answers, so they are kept read-only (``speed.readonly``): a
fault's ``merge`` makes a new dict, and the journal keeps them as they were sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.lifecycle.core.job import Job
from emulator.speed.compact_json import compact_json
from emulator.speed.memo import SizedMemo
from emulator.speed.readonly import freeze

__all__ = ["Rendered", "ViewCache", "encode_body", "page_payload"]

# Stands for a page's list of items while the rest of the page is encoded. JSON always escapes
# NUL, so no job's data can encode to the same bytes.
_ITEMS = "\x00jobs-emulator:items\x00"
_MARKER = json.dumps(_ITEMS).encode()


def encode_body(body: Any) -> bytes:
    """A body as the emulator sends it: compact JSON, UTF-8, non-ASCII kept as is."""
    return compact_json(body)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One view of one job: the body, its bytes on the wire, and the job it shows."""

    job: Job
    body: Any
    payload: bytes | None


class ViewCache:
    """At most ``size`` rendered views and about ``max_bytes`` of them (each weighed as its
    body, its bytes and the job it holds); when full it starts over (a poll loop refills it at
    once, and an unbounded cache would hold a rendered copy of every job)."""

    def __init__(self, size: int = 4096, max_bytes: int = 8 << 20) -> None:
        self._entries = SizedMemo[Hashable, Rendered](size, max_bytes)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, job: Job, key: Hashable, render: Callable[[], Any]) -> Rendered:
        """The view ``key`` of ``job``: cached if rendered from this very job, else rendered
        now by ``render()`` and kept. ``key`` must hold everything besides the job that the
        view depends on (its name, the base URL, the hidden fields)."""
        full = (job.id, key)
        entry = self._entries.get(full)
        if entry is not None and entry.job is job:
            return entry
        body = freeze(render())
        entry = Rendered(job, body, None if body is None else encode_body(body))
        size = len(entry.payload or b"")
        self._entries.put(full, entry, 3 * size + len(job.request_json) + 1024)
        return entry

    def clear(self) -> None:
        self._entries.clear()


def page_payload(fill: Callable[[Any], Any], shown: Sequence[Rendered]) -> bytes | None:
    """The bytes of a page of ``shown`` items, without encoding the items again: ``fill(items)``
    renders the page around ``items``. The page is encoded around a placeholder, which the
    items' cached bytes then replace; None (encode the whole page) unless the page holds the
    list exactly once, as it is, and every item has its bytes."""
    payloads = [r.payload for r in shown]
    if None in payloads:
        return None
    skeleton = encode_body(fill(_ITEMS))
    if skeleton.count(_MARKER) != 1:
        return None
    return skeleton.replace(_MARKER, b"[" + b",".join(payloads) + b"]")  # type: ignore[arg-type]
