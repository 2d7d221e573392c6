"""A memo bounded in bytes as well as in entries, for the caches on the request path.

A bound by entries alone holds 4,096 ten-megabyte bodies as readily as 4,096 small ones. Each
entry is weighed when it is kept, by its caller, from lengths it already has (the bytes of a
body, a path), never by walking the object; past either bound the memo starts over, which a
poll loop refills at once. An entry heavier than an eighth of the bound is not kept at all.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["SizedMemo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedMemo(Generic[K, V]):
    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: dict[K, V] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        """The weights of the entries kept."""
        return self._bytes

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V, weight: int) -> None:
        if weight > self.max_bytes >> 3:
            return
        if len(self._items) >= self.max_entries or self._bytes + weight > self.max_bytes:
            self.clear()
        self._items[key] = value
        self._bytes += weight

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
