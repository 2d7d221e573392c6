"""An ``Outcome`` onto the wire as two ASGI messages, without building a Starlette Response.

The same headers Starlette's ``Response`` would send (the outcome's own, lower-cased, then
``content-length`` and ``content-type``), assembled from pre-encoded constants: the media types
the emulator answers with are few, and encoding them per request was a visible share of a poll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.types import Send

from emulator.http.messages import Outcome
from emulator.speed.memo import SizedMemo, memoized

__all__ = ["raw_headers", "send_outcome"]

_NO_LENGTH = frozenset({204, 304})


@memoized(64)
def _content_type(media_type: str) -> tuple[bytes, bytes]:
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return (b"content-type", media_type.encode("latin-1"))


def raw_headers(
    status: int, headers: Mapping[str, str], media_type: str | None, length: int
) -> Sequence[tuple[bytes, bytes]]:
    """The response headers: ``headers``, then the length and type they do not give."""
    if not headers:  # most answers: the same few tuples for every poll of a job
        key = (status, media_type, length)
        found = _LENGTH_AND_TYPE.get(key)
        if found is None:
            found = tuple(_assembled(status, {}, media_type, length))
            _LENGTH_AND_TYPE.put(key, found, 200)
        return found
    return _assembled(status, headers, media_type, length)


# The headers of answers without headers of their own, by (status, type, length).
_LENGTH_AND_TYPE = SizedMemo[tuple[int, str | None, int], tuple[tuple[bytes, bytes], ...]](
    1024, 1024 * 200
)


def _assembled(
    status: int, headers: Mapping[str, str], media_type: str | None, length: int
) -> list[tuple[bytes, bytes]]:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if raw:
        names = {name for name, _ in raw}
        give_length, give_type = b"content-length" not in names, b"content-type" not in names
    else:
        give_length = give_type = True
    if give_length and not (status < 200 or status in _NO_LENGTH):
        raw.append((b"content-length", str(length).encode("latin-1")))
    if media_type is not None and give_type:
        raw.append(_content_type(media_type))
    return raw


async def send_outcome(outcome: Outcome, send: Send, *, head: bool = False) -> None:
    """Answer with ``outcome``; a HEAD gets GET's headers, Content-Length included, no body."""
    payload = outcome.payload
    if payload is None:
        headers = raw_headers(outcome.status, outcome.headers, None, 0)
        payload = b""
    else:
        headers = raw_headers(outcome.status, outcome.headers, outcome.media_type, len(payload))
        if head:
            payload = b""
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
