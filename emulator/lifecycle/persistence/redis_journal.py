"""A namespace's journal in Redis, bounded like the one in memory, read by every worker.

Each entry is a list item ``{seq}|{v or -}|{record}``: ``COMMIT`` numbers it as it appends it
(one counter per namespace, so entries from every worker are in one order) and pushes the
oldest out past ``journal_limit`` entries or ``journal_bytes`` bytes of items. As in memory, an
entry with violations pushed out before anyone read it is kept apart until read (within the
same byte budget), so a long test still sees its violations at teardown; bodies over
``journal_body`` keep their first KiB.

Entries are decoded when read, by the control plane and the dashboard; a decoded entry is kept
in the process (entries never change), so a journal read again costs its new entries only.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.lifecycle.core.journal import EntryFilter, Exchange, Journal, fit_bodies
from emulator.lifecycle.persistence.codec import exchange_from_record, exchange_record
from emulator.lifecycle.persistence.redis_tx import current
from emulator.lifecycle.persistence.redis_values import SharedSpace
from emulator.openapi.violation import Violation
from emulator.speed.memo import SizedMemo

__all__ = ["RedisJournal"]

# Decoded entries, by the item as Redis keeps it (its seq included): what an entry says is all
# in its bytes, so two namespaces, or two incarnations of one, can never share a wrong one.
_DECODED = SizedMemo[bytes, Exchange](16384, 32 << 20)


class RedisJournal:
    """``JournalStorage`` on Redis for one namespace (see the module docstring)."""

    intervals = staticmethod(Journal.intervals)

    def __init__(self, ns: SharedSpace, limit: int, max_bytes: int, body_limit: int) -> None:
        self._ns = ns
        self.limit = limit
        self.max_bytes = max_bytes
        self.body_limit = body_limit
        self.key = ns.base + "journal"
        self._kept = ns.base + "kept"
        self._read = ns.base + "read"

    def _meta_int(self, field: str) -> int:
        return self._ns.atomically(lambda: int(self._ns.meta().get(field, b"0")))

    @property
    def nbytes(self) -> int:
        return self._meta_int("jbytes") + self._meta_int("kbytes")

    def __len__(self) -> int:
        def count() -> int:
            tx = current()
            self._ns.meta()
            if tx.is_wiped(self.key):
                return 0
            return int(tx.client.llen(self.key)) + int(tx.client.llen(self._kept))

        return self._ns.atomically(count)

    @property
    def last_seq(self) -> int:
        return self._meta_int("jseq")

    @property
    def dropped(self) -> int:
        return self._meta_int("jdropped")

    @property
    def dropped_violations(self) -> int:
        return self._meta_int("jdroppedv")

    def record(self, exchange: Exchange) -> Exchange:
        """Append ``exchange`` in this transaction's commit, where it is numbered."""

        def record() -> Exchange:
            tx = current()
            self._ns.meta()
            kept = fit_bodies(exchange, self.body_limit)
            flag = "v" if kept.violations else "-"
            tx.op(
                "journal",
                self.key,
                self._ns.meta_key,
                self._kept,
                self._read,
                exchange_record(kept),
                flag,
                self.limit,
                self.max_bytes,
            )
            return kept

        return self._ns.atomically(record)

    def seen(self, exchanges: Iterable[Exchange]) -> None:
        def seen() -> None:
            tx = current()
            for e in exchanges:
                if e.violations:
                    tx.op("seen", self._kept, self._ns.meta_key, self._read, str(e.seq))

        self._ns.atomically(seen)

    def clear(self) -> None:
        def clear() -> None:
            tx = current()
            meta = self._ns.meta()
            for key in (self.key, self._kept, self._read):
                tx.op("del", key)
            for field in ("jbytes", "kbytes"):
                meta[field] = b"0"
                tx.hset(self._ns.meta_key, field, 0)

        self._ns.atomically(clear)

    def entries(
        self,
        *,
        operation: str | None = None,
        job_id: str | None = None,
        status: int | None = None,
        method: str | None = None,
        with_violations: bool | None = None,
        since: int = 0,
    ) -> list[Exchange]:
        """Entries in order (kept-apart violations first), filtered as ``Journal.entries``;
        only those past ``since`` are decoded."""
        wanted = EntryFilter(operation, job_id, status, method, with_violations, since)

        def read() -> list[Exchange]:
            tx = current()
            self._ns.meta()
            if tx.is_wiped(self.key):
                return []
            items = tx.client.lrange(self._kept, 0, -1) + tx.client.lrange(self.key, 0, -1)
            out = []
            for item in items:
                seq_text, flag, record = item.split(b"|", 2)
                seq = int(seq_text)
                if seq <= since or (
                    with_violations is not None and (flag == b"v") != with_violations
                ):
                    continue
                e = self._decoded(item, seq, record)
                if wanted.matches(e):
                    out.append(e)
            return out

        return self._ns.atomically(read)

    def _decoded(self, item: bytes, seq: int, record: bytes) -> Exchange:
        found = _DECODED.get(item)
        if found is None:
            found = exchange_from_record(record, seq)
            _DECODED.put(item, found, 3 * len(item) + 256)
        return found

    def violations(self, since: int = 0) -> list[tuple[Exchange, Violation]]:
        return [
            (e, v) for e in self.entries(with_violations=True, since=since) for v in e.violations
        ]
