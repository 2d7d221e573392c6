"""The one memo of the request path: bounded in entries and in bytes, emptied when full.

Every cache a request goes through is one (the routes a path matched, decoded headers, request
verdicts, rendered views, decoded create requests, timestamps, header tuples): one eviction
rule, one way to bound it. A bound by entries alone holds 4,096 ten-megabyte bodies as readily
as 4,096 small ones, so each entry is weighed when it is kept, by its caller, from lengths it
already has (the bytes of a body, a path), never by walking the object. Past either bound the
memo starts over, which a poll loop refills at once; an entry heavier than an eighth of the
bound is not kept at all.

A ``SizedMemo`` is a ``dict`` to read (``get`` and ``in`` at the speed of one, on every
request) and changes only through ``put`` and ``clear``; ``memoized`` puts one in front of a
function:

>>> memo = SizedMemo[str, int](max_entries=2, max_bytes=1000)
>>> memo.put("a", 1, 10); memo.put("b", 2, 10); memo.get("a")
1
>>> memo.put("c", 3, 10); sorted(memo)  # full: it starts over
['c']
>>> memo["d"] = 4
Traceback (most recent call last):
...
TypeError: a SizedMemo changes through put(key, value, weight), which keeps it bounded
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NoReturn, ParamSpec, TypeVar

__all__ = ["SizedMemo", "memoized"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")
R = TypeVar("R")

_MISSING: Any = object()


class SizedMemo(dict[K, V]):
    __slots__ = ("max_bytes", "max_entries", "nbytes")

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        super().__init__()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # The weights of the entries kept.
        self.nbytes = 0

    def put(self, key: K, value: V, weight: int) -> None:
        if weight > self.max_bytes >> 3:
            return
        if len(self) >= self.max_entries or self.nbytes + weight > self.max_bytes:
            self.clear()
        dict.__setitem__(self, key, value)
        self.nbytes += weight

    def clear(self) -> None:
        super().clear()
        self.nbytes = 0

    def __setitem__(self, key: K, value: V) -> NoReturn:
        raise TypeError(
            "a SizedMemo changes through put(key, value, weight), which keeps it bounded"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt empty: what it held was a cache.
        return (type(self), (self.max_entries, self.max_bytes))


def memoized(max_entries: int, weight: int = 100) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Remember a pure function's answers by its positional arguments (a ``SizedMemo`` of
    ``max_entries``, each weighed ``weight`` bytes); the memo is the function's ``memo``."""

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        memo = SizedMemo[Any, Any](max_entries, max_entries * weight)
        get, put = memo.get, memo.put

        def remembered(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs:  # remembered by position only
                return function(*args, **kwargs)
            found = get(args, _MISSING)
            if found is _MISSING:
                found = function(*args, **kwargs)
                put(args, found, weight)
            return found  # type: ignore[no-any-return]

        remembered.__wrapped__ = function  # type: ignore[attr-defined]
        remembered.__name__ = function.__name__
        remembered.__qualname__ = function.__qualname__
        remembered.__doc__ = function.__doc__
        remembered.memo = memo  # type: ignore[attr-defined]
        return remembered

    return wrap
