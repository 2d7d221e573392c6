"""Request size limits, checked before anything parses the request: body, headers, query.

A request past a limit is answered the way a provider's gateway answers it (413, 431, 414 in
the profile's envelope) without the emulator holding more of it than the limit: an oversized
body is read and dropped chunk by chunk, so ten clients sending a gigabyte cost no memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope

from emulator.openapi.violation import Violation

__all__ = [
    "LIMIT_KINDS",
    "MAX_HEADER_BYTES",
    "MAX_QUERY_BYTES",
    "Breach",
    "header_breach",
    "read_body",
    "receive_body",
    "request_chunks",
]

MAX_HEADER_BYTES = 32 * 1024
MAX_QUERY_BYTES = 16 * 1024
# Past this much, an oversized body is no longer drained: the connection is closed instead.
_DRAIN_LIMIT = 256 * 1024 * 1024
_DRAIN_SECONDS = 1.0
LIMIT_KINDS = frozenset({"payload_too_large", "headers_too_large", "uri_too_long"})


@dataclass(frozen=True, slots=True)
class Breach:
    """A limit the request went past, as the request violation the journal records."""

    kind: str
    where: str
    limit: int
    message: str

    def violation(self) -> Violation:
        return Violation("request", (self.where,), "limit", self.message, self.kind)


def header_breach(scope: Scope, size: int | None = None) -> Breach | None:
    """The first of the header and query limits this request breaks, if any; ``size`` is
    what the headers take, when the caller counted it already."""
    if size is None:
        size = sum(len(k) + len(v) + 4 for k, v in scope["headers"])
    if size > MAX_HEADER_BYTES:
        message = f"the request headers take {size} bytes; the limit is {MAX_HEADER_BYTES}"
        return Breach("headers_too_large", "header", MAX_HEADER_BYTES, message)
    query = len(scope.get("query_string", b""))
    if query > MAX_QUERY_BYTES:
        message = f"the query string takes {query} bytes; the limit is {MAX_QUERY_BYTES}"
        return Breach("uri_too_long", "query", MAX_QUERY_BYTES, message)
    return None


async def receive_body(
    receive: Receive, declared_length: str | None, limit: int
) -> tuple[bytes, Breach | None]:
    """``read_body`` of what ``receive`` brings. Nearly every body arrives in one message:
    that one is taken as it comes, without going through the chunk generator."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        return await read_body(declared_length, request_chunks(receive), limit)
    first = await receive()
    if first["type"] == "http.request" and not first.get("more_body", False):
        body: bytes = first.get("body", b"")
        if len(body) <= limit:
            return body, None
    return await read_body(declared_length, request_chunks(receive, first), limit)


async def request_chunks(receive: Receive, first: Message | None = None) -> AsyncIterator[bytes]:
    """The request body's chunks as the server receives them (what Starlette's
    ``Request.stream`` does, without building a Request), from ``first`` when it was
    received already."""
    while True:
        if first is not None:
            message, first = first, None
        else:
            message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def _body_breach(size: int | str, limit: int) -> Breach:
    message = f"the request body is {size} bytes; the limit is {limit} (--max-body)"
    return Breach("payload_too_large", "body", limit, message)


async def read_body(
    declared_length: str | None, chunks: AsyncIterator[bytes], limit: int
) -> tuple[bytes, Breach | None]:
    """The body, or ``b""`` and the breach when it is longer than ``limit`` bytes."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        await _drain(chunks, int(declared_length))
        return b"", _body_breach(int(declared_length), limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            parts.clear()
            size += await _drain(chunks, size)
            return b"", _body_breach(f"more than {limit}" if size > _DRAIN_LIMIT else size, limit)
        parts.append(chunk)
    return b"".join(parts), None


async def _drain(chunks: AsyncIterator[bytes], already: int) -> int:
    """Read what the client is still sending, so it sees the answer instead of a reset; but
    not for long, since a client may declare a length it never sends."""
    drained = 0

    async def read() -> None:
        nonlocal drained
        async for chunk in chunks:
            drained += len(chunk)
            if already + drained > _DRAIN_LIMIT:
                break

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), _DRAIN_SECONDS)
    return drained
