"""One transaction on the shared state: reads cached and checked, writes buffered, one commit.

Every request a Redis-backed emulator serves runs as one ``Transaction``. What it reads is
fetched once and remembered with the value it had; what it changes is buffered as operations.
At its end one Lua script (``redis_scripts.COMMIT``) checks inside Redis that every remembered
value is still what was read and only then applies every operation: all or nothing, before the
answer leaves. A value another worker changed meanwhile fails the check (``Conflict``) and the
request runs again from the start, on fresh values; nothing of the failed run was applied. This
is optimistic concurrency: no locks are held across round trips, so a worker killed mid-request
leaves nothing half-done and blocks nobody.

Some effects must not be undone by a rerun, because they hand out something unique: the draws
of a namespace's random stream, its revision counter, a namespace's generation. Those are taken
at once and kept across the reruns of one request (``Memo``), so a rerun reuses what the first
run took instead of taking more.

The current transaction is a context variable: each request is its own asyncio task, so
concurrent requests of one worker never see each other's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["ABSENT", "CURRENT", "Conflict", "Memo", "Transaction", "current"]

T = TypeVar("T")
Key = tuple[str, str]
# What a check expects of a field that did not exist: no stored value starts with a NUL byte.
ABSENT = b"\x00absent"


class Conflict(Exception):
    """Another worker changed what this transaction read: run it again.

    ``fresh``: what ``PREFETCH`` reads now for the transaction's namespace and job, read by the
    very commit that failed (None when the transaction named no namespace to read again).
    """

    def __init__(self, key: bytes, field: bytes, fresh: list[Any] | None = None) -> None:
        super().__init__(key, field)
        self.fresh = fresh


class Memo:
    """What one request took at once (draws, revisions, generations), kept across its reruns.

    The Nth take of a kind in a run gets what the Nth take of the first run got. A namespace
    whose generation changed between runs (reset, freed) forgets what was taken for it.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[Hashable, int], Any] = {}
        self._counts: dict[Hashable, int] = {}
        self._generations: dict[str, bytes | None] = {}
        self.runs = 0
        # What the last failed commit read again for the next run, by namespace key prefix.
        self.fresh: dict[str, list[Any]] = {}

    def start(self) -> None:
        """A new run of the request begins."""
        self._counts.clear()
        self.runs += 1

    def take(self, kind: Hashable, make: Callable[[], T]) -> T:
        n = self._counts[kind] = self._counts.get(kind, 0) + 1
        key = (kind, n)
        if key not in self._values:
            self._values[key] = make()
        value: T = self._values[key]
        return value

    def has(self, kind: Hashable) -> bool:
        """Whether the next take of ``kind`` in this run is known already."""
        return (kind, self._counts.get(kind, 0) + 1) in self._values

    def offer(self, kind: Hashable, value: Any) -> None:
        """What the next take of ``kind`` gets, unless an earlier run took it already."""
        self._values.setdefault((kind, self._counts.get(kind, 0) + 1), value)

    def generation(self, base: str, generation: bytes | None) -> None:
        """The namespace under ``base`` is at ``generation``; forget its takes if it moved."""
        known = self._generations.get(base, generation)
        self._generations[base] = generation
        if known != generation:
            stale = [k for k in self._values if isinstance(k[0], tuple) and k[0][0] == base]
            for key in stale:
                del self._values[key]


class Transaction:
    """Reads and writes of one request; ``commit`` applies the writes if the reads still hold.

    ``client`` is a ``redis.Redis`` (or anything with its ``hget``/``hmget``/``pipeline``
    methods); ``commit_script`` runs ``COMMIT`` with the arguments it is given.
    """

    def __init__(
        self, client: Any, commit_script: Callable[[list[Any]], Any], memo: Memo | None = None
    ) -> None:
        self.client = client
        self._commit_script = commit_script
        self.memo = memo if memo is not None else Memo()
        self._read: dict[Key, bytes | None] = {}
        self._now: dict[Key, bytes | None] = {}
        # What the commit checks, by ("h", key): hash fields and the values they must hold;
        # by ("z", key): members a sorted set must still hold.
        self._checks: dict[tuple[str, str], dict[str, bytes | None]] = {}
        self._ops: list[Any] = []
        # Decoded values components keep for the length of the transaction, by their own keys.
        self.objects: dict[Hashable, Any] = {}
        self._before: list[Callable[[], None]] = []
        self._last: list[Callable[[], None]] = []
        self._after: list[Callable[[], None]] = []
        # Namespaces (their key prefixes) emptied by this transaction: their keys read as empty.
        self.wiped: set[str] = set()
        # Keys written, for the namespaces' expiry.
        self.written: set[str] = set()
        # Whether the commit went through.
        self.done = False
        # The namespace key prefix, job id and webhooks flag ("1"/"0") whose ``PREFETCH`` the
        # commit answers with when a check fails (``Conflict.fresh``); none by default.
        self.refetch: tuple[str, str, str] = ("", "", "0")
        # Whether the commit must run (its checks) even with nothing to write.
        self.verify = False
        # Whether it runs on what the worker remembered rather than on what it read
        # (``redis_recall``).
        self.recalled = False

    # -- reads --------------------------------------------------------------------------------

    def hget(self, key: str, field: str, *, check: bool = True) -> bytes | None:
        """``HGET key field``, once per transaction; ``check``: the commit fails if it changed."""
        k = (key, field)
        if k in self._now:
            if check and k in self._read:
                self._checked("h", key).setdefault(field, self._read[k])
            return self._now[k]
        if self.is_wiped(key):  # emptied by this very transaction: nothing to check
            self._now[k] = None
            return None
        value: bytes | None = self.client.hget(key, field)
        self._read[k] = self._now[k] = value
        if check:
            self._checked("h", key)[field] = value
        return value

    def hmget(self, key: str, fields: Sequence[str], *, check: bool = True) -> list[bytes | None]:
        """``HMGET``, fetching only the fields this transaction has not read yet."""
        now, read = self._now, self._read
        missing = [f for f in fields if (key, f) not in now]
        if missing:
            missing = list(dict.fromkeys(missing))
            if self.is_wiped(key):  # emptied by this very transaction: nothing to check
                values: list[bytes | None] = [None] * len(missing)
            else:
                values = self.client.hmget(key, missing)
                for field, value in zip(missing, values, strict=True):
                    read[(key, field)] = value
            for field, value in zip(missing, values, strict=True):
                now[(key, field)] = value
        if check:
            for field in fields:
                if (key, field) in read:
                    self._checked("h", key).setdefault(field, read[(key, field)])
        return [now[(key, field)] for field in fields]

    def prime(self, key: str, field: str, value: bytes | None, *, check: bool = True) -> None:
        """What a prefetch read: as if ``hget`` had read it (unless already read or written)."""
        k = (key, field)
        if k in self._now:
            return
        if self.is_wiped(key):
            self._now[k] = None
            return
        self._read[k] = self._now[k] = value
        if check:
            self._checked("h", key)[field] = value

    def expect(self, key: str, field: str, value: bytes | None) -> None:
        """Commit only if ``field`` still holds ``value`` (``None``: does not exist); nothing
        to check of a namespace this transaction emptied (what it holds, it made)."""
        if not self.is_wiped(key):
            self._checked("h", key).setdefault(field, value)

    def expect_fields(self, key: str, fields: Iterable[str], values: Mapping[str, bytes]) -> None:
        """``expect`` of each of ``fields``, to hold what ``values`` has of it."""
        if not self.is_wiped(key):
            checked = self._checked("h", key)
            for field in fields:
                checked.setdefault(field, values.get(field))

    def expect_member(self, key: str, member: str) -> None:
        """Commit only if ``member`` is still in the sorted set ``key``."""
        if not self.is_wiped(key):
            self._checked("z", key).setdefault(member, b"1")

    def _checked(self, kind: str, key: str) -> dict[str, bytes | None]:
        found = self._checks.get((kind, key))
        if found is None:
            found = self._checks[(kind, key)] = {}
        return found

    def seen(self, key: str, field: str) -> bytes | None:
        """What this transaction holds for ``field`` now: as read, or as it wrote it."""
        return self._now.get((key, field))

    def is_wiped(self, key: str) -> bool:
        return bool(self.wiped) and any(key.startswith(base) for base in self.wiped)

    # -- writes -------------------------------------------------------------------------------

    def hset(self, key: str, field: str, value: bytes | str | int | float) -> None:
        raw = value if isinstance(value, bytes) else str(value).encode()
        self._now[(key, field)] = raw
        self._ops += ("hset", key, field, raw)
        self.written.add(key)

    def hdel(self, key: str, field: str) -> None:
        self._now[(key, field)] = None
        self._ops += ("hdel", key, field)
        self.written.add(key)

    def op(self, name: str, key: str, *args: Any) -> None:
        """One more operation of ``COMMIT`` on ``key`` (see its list of operations)."""
        self._ops += (name, key, *args)
        if name != "touch":
            self.written.add(key)

    def wipe(self, base: str) -> None:
        """Delete every key of the namespace under ``base``: what this transaction reads of it
        from now on is empty, and what it wrote there before is gone."""
        self._ops += ("wipe", base)
        self.wiped.add(base)
        for k in self._now:
            if k[0].startswith(base):
                self._now[k] = None
        for key in [k for k in self.objects if isinstance(k, tuple) and base in k]:
            del self.objects[key]

    def before_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` just before the commit (to write back what was changed in place)."""
        self._before.append(hook)

    def last_before_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` after every ``before_commit`` hook (it sees every write)."""
        self._last.append(hook)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the commit succeeded."""
        self._after.append(hook)

    @property
    def pending(self) -> bool:
        """Whether there is anything to commit."""
        return bool(self._ops)

    def commit(self) -> None:
        """Check every read, apply every write, atomically; ``Conflict`` if a read changed."""
        args = self.arguments()
        self.applied(None if args is None else self._commit_script(args))

    def arguments(self) -> list[Any] | None:
        """What ``COMMIT`` takes to apply this transaction (its hooks run first); None when
        there is nothing to write."""
        for hook in (*self._before, *self._last):
            hook()
        self._before.clear()
        self._last.clear()
        if not self._ops and not self.verify:
            return None
        args: list[Any] = [ABSENT, *self.refetch, len(self._checks)]
        for (kind, key), fields in self._checks.items():
            args += (kind, key, len(fields))
            for field, value in fields.items():
                args += (field, ABSENT if value is None else value)
        args += self._ops
        return args

    def applied(self, answer: Any) -> None:
        """What ``COMMIT`` answered (None: it had nothing to do): done, or ``Conflict``."""
        if answer is not None and answer != 1:  # the key and field that changed, and more
            raise Conflict(answer[1], answer[2], answer[3] if len(answer) > 3 else None)
        self.done = True
        for hook in self._after:
            hook()


# The transaction of the request (or scheduler step) running in this context, if any.
CURRENT: ContextVar[Transaction | None] = ContextVar("jobs_emulator_transaction", default=None)


def current() -> Transaction:
    """The transaction of the request being served (a shared namespace's parts run in one)."""
    tx = CURRENT.get()
    if tx is None:
        raise RuntimeError("shared state touched outside a transaction (use ns.atomically)")
    return tx
