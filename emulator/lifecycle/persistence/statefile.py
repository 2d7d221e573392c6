"""``--state-file PATH``: namespaces kept in one SQLite file, written through on every change.

WAL mode, and every write its own committed transaction before the call returns, so an answer
never leaves before what it acknowledges is in the file: a killed emulator restarts with every
job it acknowledged. ``synchronous=NORMAL`` survives a crash of the process (the kill a CI host
does); a power cut may lose the last transactions. The file is locked while an emulator uses
it: two emulators writing one file would each hold a stale copy of the other's jobs.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from emulator.errors import StateFileError
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.persistence.backend import NamespaceState, Restored
from emulator.lifecycle.persistence.codec import (
    decode_exchange,
    decode_job,
    encode_exchange,
    encode_job,
)

__all__ = ["SCHEMA_VERSION", "SqliteState"]

T = TypeVar("T")
Scrub = Callable[[dict[str, Any]], dict[str, Any]]
_SECRET_FIELDS = ("request_headers", "response_headers", "query")

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, state TEXT NOT NULL);
-- Creation order is the rowid: an upsert keeps it, so a retried job keeps its place.
CREATE TABLE IF NOT EXISTS jobs (
    namespace TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (namespace, id));
CREATE TABLE IF NOT EXISTS journal (
    namespace TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
    PRIMARY KEY (namespace, seq));
"""
# Old journal entries are pruned every this many records, not on every one.
_PRUNE_EVERY = 256


class SqliteState:
    """A ``StateBackend`` in one SQLite file, for one emulator (``serves`` names what it
    serves: a file kept for another API is refused, not half-restored)."""

    def __init__(
        self,
        path: str | Path,
        *,
        serves: str,
        journal_limit: int = 10_000,
        scrub: Scrub | None = None,
    ) -> None:
        self.path = str(path)
        self.journal_limit = journal_limit
        # Credentials go to disk only with --journal-secrets: ``scrub`` takes an entry's
        # request_headers, response_headers and query and returns them fit to keep.
        self.scrub = scrub
        self._lock = threading.Lock()
        self._recorded = 0
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
        except sqlite3.Error as exc:
            raise self._refused(exc) from None
        try:
            self._open(serves)
        except (sqlite3.Error, StateFileError) as exc:
            self._db.close()
            raise self._refused(exc) from None

    def _open(self, serves: str) -> None:
        db = self._db
        # Held until close, so a second emulator on this file is refused at start.
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
            raise StateFileError(self.path, "/", "SQLite cannot keep it in WAL mode")
        db.execute("PRAGMA synchronous=NORMAL")
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StateFileError(self.path, "/", f"the file is damaged ({check})")
        db.executescript(_SCHEMA)
        db.execute("BEGIN IMMEDIATE")  # takes the write lock now: locked or read-only fails here
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema", str(SCHEMA_VERSION)), ("serves", serves)],
            )
        elif meta.get("schema") != str(SCHEMA_VERSION):
            raise StateFileError(
                self.path,
                "/meta/schema",
                f"written by another version (schema {meta.get('schema')}, this one reads "
                f"{SCHEMA_VERSION}); start with a new file",
            )
        elif meta.get("serves") != serves:
            raise StateFileError(
                self.path,
                "/meta/serves",
                f"kept for {meta.get('serves')!r}, not {serves!r}: give each API its own file",
            )
        db.execute("COMMIT")

    def _refused(self, exc: sqlite3.Error | StateFileError) -> StateFileError:
        if isinstance(exc, StateFileError):
            return exc
        reason = str(exc)
        if "locked" in reason:
            reason = "locked: another emulator is using this file"
        elif "not a database" in reason or "malformed" in reason:
            reason = f"not a state file, or damaged ({reason})"
        elif "unable to open" in reason or "readonly" in reason:
            reason = f"cannot be opened for writing ({reason})"
        return StateFileError(self.path, "/", reason)

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._db.execute(sql, args)

    # -- StateBackend ------------------------------------------------------------------------

    def names(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT name FROM namespaces ORDER BY name").fetchall()
        return [name for (name,) in rows]

    def restore(self, namespace: str) -> Restored | None:
        db = self._db
        with self._lock:
            row = db.execute("SELECT state FROM namespaces WHERE name = ?", (namespace,)).fetchone()
            if row is None:
                return None
            jobs = db.execute(
                "SELECT id, record FROM jobs WHERE namespace = ? ORDER BY rowid", (namespace,)
            ).fetchall()
            entries = db.execute(
                "SELECT seq, entry FROM journal WHERE namespace = ? ORDER BY seq DESC LIMIT ?",
                (namespace, self.journal_limit),
            ).fetchall()
        where = f"/namespaces/{namespace}"
        return Restored(
            self._decode(where, _state, row[0]),
            [self._decode(f"{where}/jobs/{i}", decode_job, r) for i, r in jobs],
            [self._decode(f"{where}/journal/{s}", decode_exchange, e) for s, e in entries[::-1]],
        )

    def _decode(self, where: str, decode: Callable[[str], T], text: str) -> T:
        try:
            return decode(text)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StateFileError(self.path, where, f"unreadable record ({exc})") from None

    def save_state(self, namespace: str, state: NamespaceState) -> None:
        text = json.dumps({f: getattr(state, f) for f in NamespaceState.__slots__})
        self._write(
            "INSERT INTO namespaces VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET state = "
            "excluded.state",
            (namespace, text),
        )

    def save_job(self, namespace: str, job: Job) -> None:
        self._write(
            "INSERT INTO jobs VALUES (?, ?, ?) ON CONFLICT(namespace, id) DO UPDATE SET record = "
            "excluded.record",
            (namespace, job.id, encode_job(job)),
        )

    def delete_job(self, namespace: str, job_id: str) -> None:
        self._write("DELETE FROM jobs WHERE namespace = ? AND id = ?", (namespace, job_id))

    def clear_jobs(self, namespace: str) -> None:
        self._write("DELETE FROM jobs WHERE namespace = ?", (namespace,))

    def record(self, namespace: str, exchange: Exchange) -> None:
        if self.scrub is not None:
            kept = self.scrub({name: getattr(exchange, name) for name in _SECRET_FIELDS})
            exchange = replace(exchange, **{name: kept[name] for name in _SECRET_FIELDS})
        self._write(
            "INSERT OR REPLACE INTO journal VALUES (?, ?, ?)",
            (namespace, exchange.seq, encode_exchange(exchange)),
        )
        self._recorded += 1
        if self._recorded % _PRUNE_EVERY == 0:
            oldest = exchange.seq - self.journal_limit
            self._write("DELETE FROM journal WHERE namespace = ? AND seq <= ?", (namespace, oldest))

    def clear_journal(self, namespace: str) -> None:
        self._write("DELETE FROM journal WHERE namespace = ?", (namespace,))

    def forget(self, namespace: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            for table, key in (
                ("jobs", "namespace"),
                ("journal", "namespace"),
                ("namespaces", "name"),
            ):
                self._db.execute(f"DELETE FROM {table} WHERE {key} = ?", (namespace,))
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _state(text: str) -> NamespaceState:
    record: dict[str, Any] = json.loads(text)
    limit = record.get("rate_limit")
    record["rate_limit"] = None if limit is None else (int(limit[0]), float(limit[1]))
    return NamespaceState(**record)
