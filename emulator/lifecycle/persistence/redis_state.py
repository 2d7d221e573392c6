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
import contextlib
import hashlib
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from emulator.errors import StateUnavailable
from emulator.lifecycle.core.eviction import Limits
from emulator.lifecycle.persistence import redis_scripts
from emulator.lifecycle.persistence.redis_tx import CURRENT, Conflict, Memo, Transaction

__all__ = ["SCHEMES", "SharedState", "shown_url"]

_pack_command: Callable[[tuple[Any, ...]], bytes] | None
try:
    from hiredis import pack_command as _pack_command
except ImportError:  # redis-py packs commands itself, more slowly
    _pack_command = None

T = TypeVar("T")
SCHEMES = ("redis://", "rediss://", "unix://")
# A request that keeps meeting other workers' commits (a hot job under heavy load) gives up
# after this many runs: a 503, rather than an unbounded wait.
_MOST_RUNS = 500
# After a failure, requests are refused without trying for this long (seconds).
_BACK_OFF = 0.25
# How long a request waits for Redis's answer to one script call (seconds).
_ROUND_TRIP = 5.0


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
            raise StateUnavailable(self.where, _reason(exc)) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


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


class _LoopScript:
    """A Lua script a request runs on the event loop: its text and its SHA1 (what EVALSHA
    names it by)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()


class _LoopClient:
    """An asyncio Redis client for one event loop, with the scripts a request runs on it.

    A script call is one EVALSHA written straight on a connection this client keeps, packed by
    hiredis: redis-py's command path (``Script.__call__``, ``execute_command``, its per-argument
    encoding in Python, the pool's lock and metrics on every call, a task for every send's
    timeout) cost more of a worker's CPU than the rest of the request. What that path gives is
    kept: the connection's retry and reconnection on a connection error, its health check, a
    deadline, and loading the script again when Redis has forgotten it (a restart).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, url: str, where: str) -> None:
        self.loop = loop
        self.where = where
        self.client = aioredis.Redis.from_url(
            url, socket_timeout=5.0, socket_connect_timeout=2.0, health_check_interval=30
        )
        self.prefetch = _LoopScript(redis_scripts.PREFETCH)
        self.commit = _LoopScript(redis_scripts.COMMIT)
        # Connections taken from the pool (``held``); those no request is using (``idle``).
        self._held: list[Any] = []
        self._idle: list[Any] = []

    async def call(self, script: _LoopScript, args: list[Any]) -> Any:
        try:
            try:
                return await self._evalsha(script, args)
            except NoScriptError:
                await self.client.script_load(script.text)
                return await self._evalsha(script, args)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise StateUnavailable(self.where, _reason(exc)) from None

    async def _evalsha(self, script: _LoopScript, args: list[Any]) -> Any:
        command = ("EVALSHA", script.sha, 0, *args)
        if self._idle:
            connection = self._idle.pop()
            # As the pool does: a connection Redis closed meanwhile (a restart) connects again.
            await self.client.connection_pool.ensure_connection(connection)
        else:
            connection = await self._connection()
        packed = _pack(connection, command)

        async def round_trip() -> Any:
            try:
                async with asyncio.timeout(_ROUND_TRIP):
                    await connection.send_packed_command(packed)
                    return await connection.read_response()
            except TimeoutError:  # the connection was dropped as the wait was cancelled
                raise redis.TimeoutError(f"no answer within {_ROUND_TRIP:g} s") from None

        async def disconnect(error: Exception) -> None:
            await connection.disconnect()

        try:
            return await connection.retry.call_with_retry(round_trip, disconnect)
        finally:
            # A connection that failed is disconnected; its next use connects it again.
            self._idle.append(connection)

    async def _connection(self) -> Any:
        """One more connection, kept by this client from now on: the pool's bookkeeping on
        every call (its lock, its metrics) is not paid again."""
        connection = await self.client.connection_pool.get_connection()  # type: ignore[no-untyped-call]
        # One deadline for the whole round trip (below), rather than redis-py's own for the send
        # (a task of its own each time) and another for the read.
        connection.socket_timeout = None
        self._held.append(connection)
        return connection

    async def aclose(self) -> None:
        """Give the connections back to the pool, then close it."""
        self._idle.clear()
        held, self._held = self._held, []
        for connection in held:
            await self.client.connection_pool.release(connection)
        await self.client.aclose()


def _pack(connection: Any, command: tuple[Any, ...]) -> Any:
    """``command`` in Redis's protocol: by hiredis in one call where it is installed."""
    if _pack_command is None:
        return connection.pack_command(*command)
    return _pack_command(command)


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
                url, socket_timeout=5.0, socket_connect_timeout=2.0, health_check_interval=30
            )
            client.where = self.where
        self.client: Any = client
        self.reachability = Reachability(self.where)
        self._loop_client: _LoopClient | None = None
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
    # A request's two round trips (the prefetch and the commit) go through an asyncio client,
    # so a worker serves other requests while one waits on Redis; what a request reads in
    # between, rarely, goes through the blocking client.

    def _on_loop(self) -> _LoopClient:
        loop = asyncio.get_running_loop()
        found = self._loop_client
        if found is None or found.loop is not loop:
            found = self._loop_client = _LoopClient(loop, self.url, self.where)
        return found

    async def prefetch_async(self, args: list[str]) -> Any:
        return await self._on_loop().call(self._on_loop().prefetch, args)

    async def commit_async(self, args: list[Any]) -> Any:
        return await self._on_loop().call(self._on_loop().commit, args)

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
        memo = self._begin()
        for _ in range(_MOST_RUNS):
            with self._attempt(memo) as tx:
                result = work()
                tx.commit()
            if tx.done:
                self.reachability.succeeded()
                return result
        raise self._busy()

    async def run_async(self, work: Callable[[], Awaitable[T]]) -> T:
        """``run`` for a coroutine: the request's pipeline, whose answer leaves after the commit
        (made on the event loop)."""
        memo = self._begin()
        for _ in range(_MOST_RUNS):
            with self._attempt(memo) as tx:
                result = await work()
                await tx.commit_async(self.commit_async)
            if tx.done:
                self.reachability.succeeded()
                return result
        raise self._busy()

    def _begin(self) -> Memo:
        self.reachability.before()
        return Memo()

    @contextlib.contextmanager
    def _attempt(self, memo: Memo) -> Iterator[Transaction]:
        """One run: the transaction current while it lasts; a conflict ends it quietly (its
        ``done`` stays false), an unreachable Redis is noted and raised."""
        memo.start()
        tx = self.transaction(memo)
        token = CURRENT.set(tx)
        try:
            yield tx
        except Conflict:
            pass
        except StateUnavailable as exc:
            self.reachability.failed(exc)
            raise
        finally:
            CURRENT.reset(token)

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
        live = self.client.zcard(self.key("namespaces"))
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
        found, self._loop_client = self._loop_client, None
        if found is not None and found.loop is asyncio.get_running_loop():
            await found.aclose()
