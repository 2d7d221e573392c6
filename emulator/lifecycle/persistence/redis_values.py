"""What a namespace's shared parts need of it, and the small values they keep in a transaction.

``SharedSpace`` is the namespace as its store, journal and outbox see it (``RedisNamespace``
is one), so none of them imports the namespace. ``LazyCounters`` and ``StreamRandom`` are the
counters and random numbers a namespace keeps in Redis, read and written through the request's
transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from emulator.lifecycle.persistence.redis_state import SharedState
from emulator.lifecycle.persistence.redis_tx import Transaction, current

__all__ = ["LazyCounters", "SharedSpace", "StreamRandom"]

T = TypeVar("T")
_KEY_SEPARATOR = "\x1f"


class SharedSpace(Protocol):
    """A namespace in shared state: its name, its keys, its settings and its transactions."""

    name: str
    state: SharedState
    base: str
    meta_key: str
    counters_key: str

    def atomically(self, work: Callable[[], T]) -> T: ...

    def meta(self) -> dict[str, bytes]:
        """The ``meta`` hash as this transaction sees it."""

    def count_up(self, field: str) -> int:
        """The next value of a counter of ``meta``, kept across reruns."""


class StreamRandom(random.Random):
    """A namespace's seeded random numbers, shared by every worker: each request that draws
    takes the next number of the namespace's ``field`` counter and draws from a generator
    seeded with the seed, the namespace and that number. The same requests in the same order
    draw the same numbers, through one worker or many."""

    def __init__(self, ns: SharedSpace, field: str, seed: str) -> None:
        super().__init__(0)
        self._ns, self._field, self._seed = ns, field, seed

    def _stream(self) -> random.Random:
        return self._ns.atomically(self._current)

    def _current(self) -> random.Random:
        tx = current()
        found: random.Random | None = tx.objects.get((self._field, self._ns.base))
        if found is None:
            draw = self._ns.count_up(self._field)
            found = tx.objects[(self._field, self._ns.base)] = random.Random(f"{self._seed}:{draw}")
        return found

    def random(self) -> float:
        return self._stream().random()

    def getrandbits(self, k: int) -> int:
        return self._stream().getrandbits(k)


class LazyCounters(dict[Any, int]):
    """Counters in one field each of a hash, read when first asked for within a transaction
    (the commit checks they are unchanged) and written back when changed. Keys are strings or
    tuples of strings."""

    def __init__(self, tx: Transaction, key: str, prefix: str) -> None:
        super().__init__()
        self._tx, self._key, self._prefix = tx, key, prefix
        self._loaded: dict[Any, int | None] = {}
        tx.before_commit(self._write)

    def _field(self, key: Any) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return self._prefix + _KEY_SEPARATOR.join(map(str, parts))

    def _load(self, key: Any) -> None:
        if key not in self._loaded:
            raw = self._tx.hget(self._key, self._field(key))
            self._loaded[key] = None if raw is None else int(raw)
            if raw is not None:
                super().__setitem__(key, int(raw))

    def __getitem__(self, key: Any) -> int:
        self._load(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._load(key)
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._load(key)
        return super().get(key, default)

    def __setitem__(self, key: Any, value: int) -> None:
        self._load(key)
        super().__setitem__(key, value)

    def pop(self, key: Any, default: Any = None) -> Any:
        self._load(key)
        return super().pop(key, default)

    def _write(self) -> None:
        for key, was in self._loaded.items():
            now = super().get(key)
            if now == was:
                continue
            if now is None:
                self._tx.hdel(self._key, self._field(key))
            else:
                self._tx.hset(self._key, self._field(key), now)
