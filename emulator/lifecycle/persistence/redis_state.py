"""``--state redis://HOST:PORT/DB``: the connection every worker shares, and how a request runs.

``SharedState`` holds one emulator's client (``redis`` with ``hiredis`` parsing), its scripts,
the key prefix of its deployment and whether Redis can be reached. ``run`` and ``run_async``
run one request (or one step of the webhook scheduler) as a ``Transaction``: again from the
start while another worker's commit conflicts with it, never half.

When Redis cannot be reached every call raises ``StateUnavailable``; the HTTP layer answers the
provider's 503 with the reason. The first failure prints one line on stderr (no traceback), and
for a quarter of a second requests are refused without trying, so a dead Redis does not cost
every request a connect timeout; after that the next request tries again, and the first that
gets through prints that Redis is back. Nothing else is needed to resume.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.commands.core import Script

from emulator.errors import StateUnavailable
from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.persistence import redis_scripts
from emulator.lifecycle.persistence.redis_pipe import LoopScript, PipelinedRedis, reason_of
from emulator.lifecycle.persistence.redis_recall import Recall
from emulator.lifecycle.persistence.redis_tx import CURRENT, Conflict, Memo, Transaction

__all__ = ["SCHEMES", "SharedState", "shown_url"]

T = TypeVar("T")
SCHEMES = ("redis://", "rediss://", "unix://")
# A request that keeps meeting other workers' commits (a hot job under heavy load) gives up
# after this many runs: a 503, rather than an unbounded wait.
_MOST_RUNS = 500
# After a failure, requests are refused without trying for this long (seconds).
_BACK_OFF = 0.25
# How long a call waits for Redis's answer, and for a connection (seconds): the blocking
# client's and the event loop's alike.
_ROUND_TRIP = 5.0
_CONNECT = 2.0


def shown_url(url: str) -> str:
    """``url`` fit to print: a password in it is replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _Client(redis.Redis):
    """A Redis client whose connection failures are ``StateUnavailable``, wherever they happen:
    the request path lets that pass, where a plain exception would be answered as a crash."""

    where = "Redis"

    def execute_command(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StateUnavailable(self.where, reason_of(exc)) from None


class Reachability:
    """Whether Redis answered last time, since when not, and why; said once on stderr."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.down_since: float | None = None
        self.reason: str | None = None
        self.outages = 0
        self._retry_at = 0.0

    def before(self) -> None:
        """Refuse at once while backing off after a failure."""
        if self.down_since is not None and time.monotonic() < self._retry_at:
            raise StateUnavailable(self.where, self.reason or "unreachable")

    def failed(self, error: StateUnavailable) -> None:
        self._retry_at = time.monotonic() + _BACK_OFF
        self.reason = error.reason
        if self.down_since is None:
            self.down_since = time.time()
            self.outages += 1
            print(
                f"jobs-emulator: {self.where} is unreachable ({error.reason}); answering 503 "
                "until it is back",
                file=sys.stderr,
                flush=True,
            )

    def succeeded(self) -> None:
        if self.down_since is not None:
            lasted = time.time() - self.down_since
            self.down_since = self.reason = None
            print(
                f"jobs-emulator: {self.where} is back after {lasted:.1f} s; serving again",
                file=sys.stderr,
                flush=True,
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "reachable": self.down_since is None,
            "reason": self.reason,
            "down_since": self.down_since,
            "outages": self.outages,
        }


class SharedState:
    """One emulator's view of a deployment's state in Redis.

    ``api`` names what the deployment serves: its keys start with ``jobs-emulator:{api}:``, so
    deployments of different APIs may share one Redis database (deployments of the same API
    sharing one are one emulator).
    """

    def __init__(
        self,
        url: str,
        *,
        api: str,
        seed: int = 0,
        manual_clock: bool = False,
        journal_limit: int = 10_000,
        journal_bytes: int = 16 << 20,
        journal_body: int = 64 << 10,
        limits: Limits | None = None,
        client: Any = None,
    ) -> None:
        self.url = url
        self.where = f"Redis at {shown_url(url)}"
        self.prefix = f"jobs-emulator:{api}:"
        # The sorted set of the live namespaces, by when each was last used.
        self.names_key = self.key("namespaces")
        self.seed = seed
        self.manual_clock = manual_clock
        self.journal_limit = journal_limit
        self.journal_bytes = journal_bytes
        self.journal_body = journal_body
        self.limits = limits or Limits()
        # How long a worker may take to send one webhook before another takes it over
        # (seconds): the profile's timeout plus a margin, set by the app.
        self.webhook_lease = 7.0
        if client is None:
            client = _Client.from_url(
                url,
                socket_timeout=_ROUND_TRIP,
                socket_connect_timeout=_CONNECT,
                health_check_interval=30,
            )
            client.where = self.where
        self.client: Any = client
        self.reachability = Reachability(self.where)
        self._pipe: PipelinedRedis | None = None
        # What this worker's commits left, for requests that need not read it again; and how
        # far Redis's clock is ahead of this host's, as last measured (seconds).
        self.recall = Recall()
        self.clock_offset = 0.0
        # How many script calls requests have made on the event loop (prefetches, commits).
        self.round_trips = 0
        self._prefetch_script = LoopScript(redis_scripts.PREFETCH)
        self._commit_script = LoopScript(redis_scripts.COMMIT)
        self._commit = self._script(redis_scripts.COMMIT)
        self.prefetch = self._script(redis_scripts.PREFETCH)
        self.take = self._script(redis_scripts.TAKE)
        self.compact = self._script(redis_scripts.COMPACT)
        self.sweep = self._script(redis_scripts.SWEEP)
        self.weigh = self._script(redis_scripts.WEIGH)
        self.active = self._script(redis_scripts.ACTIVE)

    def _script(self, text: str) -> Callable[[list[Any]], Any]:
        script: Script = self.client.register_script(text)
        # Script reloads itself when Redis has forgotten it (a restart).
        return lambda args: script(keys=[], args=args, client=self.client)

    # -- on the event loop ----------------------------------------------------------------------
    #
    # A request's round trips (the prefetch and the commit) go through the event loop's own
    # pipelined connection, so a worker serves other requests while one waits on Redis, and the
    # calls of the requests in flight share its writes and reads; what a request reads in
    # between, rarely, goes through the blocking client.

    def _on_loop(self) -> PipelinedRedis:
        found = self._pipe
        # A thread runs one loop at a time: the pipe's loop, running on this thread, is the
        # running loop, known without asking (asking costs a getpid system call each time).
        if found is not None and found.thread == threading.get_ident() and found.loop.is_running():
            return found
        loop = asyncio.get_running_loop()
        if found is None or found.loop is not loop:
            found = self._pipe = PipelinedRedis(
                loop, self.url, self.where, connect_timeout=_CONNECT, reply_timeout=_ROUND_TRIP
            )
        return found

    async def prefetch_async(self, args: list[str]) -> Any:
        self.round_trips += 1
        return await self._on_loop().script(self._prefetch_script, args)

    def commit_async(self, args: list[Any]) -> Awaitable[Any]:
        self.round_trips += 1
        return self._on_loop().script(self._commit_script, args)

    @property
    def worker(self) -> str:
        """This process, as a lease names its holder (a forked worker has its own pid)."""
        return f"{socket.gethostname()}:{os.getpid()}"

    def key(self, name: str) -> str:
        """A deployment-wide key: ``namespaces``, ``evictions``, ``hooks``, ..."""
        return self.prefix + name

    # -- running requests ---------------------------------------------------------------------

    def transaction(self, memo: Memo | None = None) -> Transaction:
        return Transaction(self.client, self._commit, memo)

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` as one transaction, again while it conflicts; nested: part of the outer."""
        if CURRENT.get() is not None:
            return work()
        self.reachability.before()
        memo = Memo()
        for _ in range(_MOST_RUNS):
            memo.start()
            tx = self.transaction(memo)
            token = CURRENT.set(tx)
            try:
                result = work()
                tx.commit()
            except Exception as exc:
                self._failed_run(tx, exc)
            finally:
                CURRENT.reset(token)
            if tx.done:
                self.reachability.succeeded()
                return result
        raise self._busy()

    async def run_async(self, work: Callable[[], Awaitable[T]]) -> T:
        """``run`` for a coroutine: the request's pipeline, whose answer leaves after the commit
        (made on the event loop)."""
        self.reachability.before()
        memo = Memo()
        for _ in range(_MOST_RUNS):
            memo.start()
            tx = self.transaction(memo)
            token = CURRENT.set(tx)
            try:
                result = await work()
                args = tx.arguments()
                tx.applied(None if args is None else await self.commit_async(args))
            except Exception as exc:
                self._failed_run(tx, exc)
            finally:
                CURRENT.reset(token)
            if tx.done:
                self.reachability.succeeded()
                if tx.recalled:
                    self.recall.outcome(conflicted=False)
                return result
        raise self._busy()

    def _failed_run(self, tx: Transaction, error: Exception) -> None:
        """A run that raised ``error``: a conflict ends it quietly (its ``done`` stays false,
        and what its commit read again is kept for the next run), an unreachable Redis is noted
        and raised. A run on remembered values that fails in any other way runs again on
        values read afresh, which decide."""
        if isinstance(error, Conflict):
            base = tx.refetch[0]
            if error.fresh is not None and base:
                tx.memo.fresh[base] = error.fresh
            if tx.recalled:
                self.recall.outcome(conflicted=True)
            return
        if isinstance(error, StateUnavailable):
            self.reachability.failed(error)
            raise error
        if not tx.recalled:
            raise error
        self.recall.outcome(conflicted=True)

    def _busy(self) -> StateUnavailable:
        reason = f"{_MOST_RUNS} runs of one request each met another worker's change"
        return StateUnavailable(self.where, reason, what="is too busy")

    def ping(self) -> None:
        """Reach Redis now (``StateUnavailable`` if it cannot be), noting the outcome."""
        try:
            self.client.ping()
        except StateUnavailable as exc:
            self.reachability.failed(exc)
            raise
        self.reachability.succeeded()

    # -- the deployment -----------------------------------------------------------------------

    def claim(self, fingerprint: Mapping[str, str]) -> str | None:
        """Record what this emulator serves (scenarios, seed); the reason it may not join,
        when the deployment's live namespaces were made by an emulator that serves other ones."""
        key = self.key("deployment")
        kept = {k.decode(): v.decode() for k, v in self.client.hgetall(key).items()}
        live = self.client.zcard(self.names_key)
        differs = {k: (kept.get(k), v) for k, v in fingerprint.items() if kept.get(k) != v}
        if kept and differs and live:
            what = "; ".join(
                f"{k}: {old!r} there, {new!r} here" for k, (old, new) in differs.items()
            )
            return (
                f"{shown_url(self.url)} holds {live} namespaces of an emulator that differs from "
                f"this one ({what}); give each its own database (redis://host:port/N)"
            )
        self.client.hset(key, mapping=dict(fingerprint))
        return None

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        """Close the event loop's client, on that loop (the server calls it as it stops)."""
        found, self._pipe = self._pipe, None
        if found is not None and found.loop is asyncio.get_running_loop():
            await found.aclose()
