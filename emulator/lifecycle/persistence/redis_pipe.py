"""One pipelined connection to Redis per event loop: the script calls requests make.

A worker serves many requests at once, and each makes script calls to Redis. Sent one by one on
connections of their own, every call costs the worker a send and a receive (system calls, which
on a virtual machine cost more than everything else the call does). On this connection the calls
made in one turn of the event loop leave in one write; Redis answers in the order it was asked,
so the answers, read together, are handed to their callers in that order.

What a worker needs of a connection is kept: it connects (TCP, TLS or a unix socket, with the
URL's user, password and database) on first use and again after it was dropped; a call whose
answer was lost with the connection (Redis restarted, a proxy closed it) is sent once more on a
new one, as redis-py's own retry does; a call Redis does not answer within ``reply_timeout``
fails, and the connection with it, since later answers could no longer be matched; a script
Redis has forgotten (a restart without persistence) is loaded again.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
from collections import deque
from typing import Any, cast

import hiredis
import redis
from redis.connection import parse_url

from emulator.errors import StateUnavailable

__all__ = ["LoopScript", "PipelinedRedis", "reason_of"]


class LoopScript:
    """A Lua script called by its SHA1 (``EVALSHA``), with its text to load it again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()


class _Lost(Exception):
    """The connection went away before the answer came: the call may be sent again."""


class _Wire(asyncio.Protocol):
    """One open connection: what is to be written this turn, and who waits for which answer."""

    def __init__(self, loop: asyncio.AbstractEventLoop, reply_timeout: float) -> None:
        self.loop = loop
        self.reply_timeout = reply_timeout
        self.transport: asyncio.Transport | None = None
        self.reader = hiredis.Reader()
        self.open = False
        # Commands to write at the end of this turn of the loop, and the answers awaited, in
        # the order their commands were written, with when each is due.
        self._unsent: list[bytes] = []
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._watchdog: asyncio.TimerHandle | None = None
        self.failure: BaseException | None = None
        # How many writes carried the commands sent so far (fewer than the commands: batched).
        self.writes = 0
        # Set once the transport is gone: its loop may close only then.
        self.gone: asyncio.Future[None] = loop.create_future()

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not derive from asyncio's classes: a cast, not a check.
        self.transport = cast(asyncio.Transport, transport)
        self.open = True

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        waiting = self._waiting
        while (answer := self.reader.gets()) is not False:
            if not waiting:  # nothing was asked: the stream cannot be trusted any more
                self._fail(_Lost("Redis sent an answer nobody asked for"))
                return
            future, _ = waiting.popleft()
            if not future.done():  # its caller may have given up (a cancelled request)
                future.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        reason = str(exc) if exc is not None else "Redis closed the connection"
        self._fail(_Lost(reason))
        if not self.gone.done():
            self.gone.set_result(None)

    # -- calls --------------------------------------------------------------------------------

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        """``packed`` written with whatever else is sent this turn; its answer, in time."""
        if not self.open:
            raise _Lost(str(self.failure) if self.failure else "not connected")
        if not self._unsent:
            self.loop.call_soon(self._flush)
        self._unsent.append(packed)
        future: asyncio.Future[Any] = self.loop.create_future()
        self._waiting.append((future, self.loop.time() + self.reply_timeout))
        if self._watchdog is None:
            self._watchdog = self.loop.call_later(self.reply_timeout, self._check_due)
        return future

    def _flush(self) -> None:
        unsent, self._unsent = self._unsent, []
        if self.open and self.transport is not None and unsent:
            self.transport.write(b"".join(unsent))
            self.writes += 1

    def _check_due(self) -> None:
        """Fail the connection when its oldest call is overdue; else look again when the
        oldest will be due (one timer per connection, not one per call)."""
        self._watchdog = None
        if not self._waiting:
            return
        due = self._waiting[0][1]
        if self.loop.time() >= due:
            self._fail(TimeoutError(f"no answer within {self.reply_timeout:g} s"))
        else:
            self._watchdog = self.loop.call_at(due, self._check_due)

    def _fail(self, error: BaseException) -> None:
        """Every call waiting fails with ``error``; the connection is closed."""
        if self.failure is None:
            self.failure = error
        self.open = False
        self._unsent.clear()
        waiting, self._waiting = self._waiting, deque()
        for future, _ in waiting:
            if not future.done():
                future.set_exception(error)
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self._fail(_Lost("closed by the emulator"))


class PipelinedRedis:
    """The event loop's connection to the Redis at ``url`` (see the module docstring).

    Calls raise ``StateUnavailable`` (naming ``where``) when Redis cannot be reached or does not
    answer, and ``redis.ResponseError`` when it refuses a command.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        url: str,
        where: str,
        *,
        connect_timeout: float = 2.0,
        reply_timeout: float = 5.0,
    ) -> None:
        self.loop = loop
        # The thread the loop runs on (this connection is only used there).
        self.thread = threading.get_ident()
        self.where = where
        self.options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        self.connect_timeout = connect_timeout
        self.reply_timeout = reply_timeout
        self._wire: _Wire | None = None
        self._connecting: asyncio.Future[_Wire] | None = None
        # How many connections were made so far.
        self.connections = 0

    async def script(self, script: LoopScript, args: list[Any]) -> Any:
        """``EVALSHA`` of ``script`` with ``args`` (no keys), loading it when Redis lacks it."""
        packed = hiredis.pack_command(("EVALSHA", script.sha, 0, *args))
        answer = await self._sent(packed)
        if isinstance(answer, hiredis.ReplyError) and str(answer).startswith("NOSCRIPT"):
            await self.call("SCRIPT", "LOAD", script.text)
            answer = await self._sent(packed)
        return _checked(answer)

    async def call(self, *command: Any) -> Any:
        """Redis's answer to ``command`` (an error answer is returned, not raised)."""
        return await self._sent(hiredis.pack_command(command))

    async def _sent(self, packed: bytes) -> Any:
        """The answer to the command ``packed``, sent again once on a new connection when the
        connection it went out on was lost before its answer came."""
        try:
            for attempt in (1, 2):
                wire = self._wire
                if wire is None or not wire.open:
                    wire = await self._connected()
                try:
                    return await wire.send(packed)
                except _Lost:
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")
        except (_Lost, OSError, TimeoutError, redis.ConnectionError) as exc:
            raise StateUnavailable(self.where, reason_of(exc)) from None

    async def _connected(self) -> _Wire:
        wire = self._wire
        if wire is not None and wire.open:
            return wire
        if self._connecting is None:  # the first caller connects; the others wait for it
            self._connecting = self.loop.create_future()
            try:
                wire = await self._connect()
            except BaseException as exc:
                self._connecting.set_exception(exc)
                self._connecting.exception()  # retrieved: those waiting get it, or none do
                raise
            finally:
                connecting, self._connecting = self._connecting, None
            self._wire = wire
            connecting.set_result(wire)
            return wire
        return await asyncio.shield(self._connecting)

    async def _connect(self) -> _Wire:
        options = self.options
        target = options.get("path") or f"{options.get('host', 'localhost')}:{self._port}"
        try:
            async with asyncio.timeout(self.connect_timeout):
                wire = await self._open()
                try:
                    await self._greet(wire)
                except BaseException:
                    wire.close()
                    raise
        except TimeoutError:
            raise TimeoutError(
                f"no connection to {target} within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            raise OSError(f"cannot connect to {target}: {exc.strerror or exc}") from None
        self.connections += 1
        return wire

    async def _greet(self, wire: _Wire) -> None:
        """Send the URL's credentials and database; a refusal (a wrong password) is a
        connection that cannot be had, not an error of the request."""
        answers = [wire.send(hiredis.pack_command(c)) for c in self._handshake()]
        for answer in answers:
            refused = await answer
            if isinstance(refused, hiredis.ReplyError):
                raise ConnectionRefusedError(f"Redis refused the connection: {refused}")

    @property
    def _port(self) -> int:
        return int(self.options.get("port") or 6379)

    async def _open(self) -> _Wire:
        options = self.options
        if "path" in options:
            _, wire = await self.loop.create_unix_connection(
                lambda: _Wire(self.loop, self.reply_timeout), options["path"]
            )
        else:
            _, wire = await self.loop.create_connection(
                lambda: _Wire(self.loop, self.reply_timeout),
                options.get("host", "localhost"),
                self._port,
                ssl=_tls(options) if _is_tls(options) else None,
            )
        return wire

    def _handshake(self) -> list[tuple[Any, ...]]:
        """The commands a new connection sends first: the URL's credentials and database."""
        commands: list[tuple[Any, ...]] = []
        password, user = self.options.get("password"), self.options.get("username")
        if password is not None:
            commands.append(("AUTH", user, password) if user else ("AUTH", password))
        if int(self.options.get("db") or 0):
            commands.append(("SELECT", int(self.options["db"])))
        return commands

    async def aclose(self) -> None:
        """Close the connection and wait until it is gone (its loop may close then)."""
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()
            if wire.transport is not None:
                await wire.gone


def _checked(answer: Any) -> Any:
    if isinstance(answer, hiredis.ReplyError):
        raise redis.ResponseError(str(answer))
    return answer


def _is_tls(options: dict[str, Any]) -> bool:
    return options.get("connection_class") is redis.SSLConnection


def _tls(options: dict[str, Any]) -> ssl.SSLContext:
    """The TLS settings a ``rediss://`` URL gives, as redis-py reads them."""
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    if options.get("ssl_certfile"):
        context.load_cert_chain(options["ssl_certfile"], options.get("ssl_keyfile"))
    wanted = str(options.get("ssl_cert_reqs", "required")).lower()
    checks_host = str(options.get("ssl_check_hostname", wanted == "required")).lower()
    context.check_hostname = checks_host in ("true", "1", "yes")
    if wanted == "none":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif wanted == "optional":
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def reason_of(exc: BaseException) -> str:
    """The first line of what ``exc`` says, short enough for a log line and a 503."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
