"""Request headers as text, decoded through a cache: clients send the same few over and over.

Every request's headers become a ``{name: value}`` dict of ``str`` (names lower-cased), which
the journal keeps with the exchange. Decoding each name and value anew cost a new pair of
strings per header per request: a large share of every journal entry, and a visible share of
a poll. Names and short values repeat (``authorization``, ``accept``, a test's token, its
host): the same bytes give the same shared string. A client sends the very same list of
headers with every poll: the same list gives the same (read-only) dict, decoded once. The
caches start over when full, so a client sending a new value every time (a request id) costs a
bounded amount and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from emulator.speed.memo import SizedMemo
from emulator.speed.readonly import FrozenDict

__all__ = ["decode_headers"]

RawHeaders = Iterable[tuple[bytes, bytes]]

_LENGTH_KEPT = 256  # longer ones (cookies, signed tokens) are decoded each time
# A kept header is its bytes and its string: about twice its length, plus two objects.
_names = SizedMemo[bytes, str](256, 256 * (2 * _LENGTH_KEPT + 100))
_values = SizedMemo[bytes, str](4096, 4096 * (2 * _LENGTH_KEPT + 100))
_lists = SizedMemo[tuple[tuple[bytes, bytes], ...], tuple[Mapping[str, str], int]](1024, 4 << 20)


def decode_headers(raw: RawHeaders) -> tuple[Mapping[str, str], int]:
    """The headers by lower-case name (the last of a repeated one wins), read-only, and the
    bytes they take on the wire (name, value and 4 bytes of separators each)."""
    key = tuple(raw)
    try:
        found = _lists.get(key)
    except TypeError:  # a server that sends each header as a list: nothing to remember it by
        return _decoded(key)
    if found is None:
        found = _decoded(key)
        _lists.put(key, found, 3 * found[1] + 200)
    return found


def _decoded(raw: RawHeaders) -> tuple[Mapping[str, str], int]:
    headers: dict[str, str] = {}
    size = 0
    for name_bytes, value_bytes in raw:
        name = _names.get(name_bytes)
        if name is None:
            name = _name(name_bytes)
        value = _values.get(value_bytes)
        if value is None:
            value = _value(value_bytes)
        headers[name] = value
        size += len(name_bytes) + len(value_bytes) + 4
    return FrozenDict(headers), size


def _name(raw: bytes) -> str:
    text = raw.decode("latin-1").lower()
    if len(raw) <= _LENGTH_KEPT:
        _names.put(raw, text, 2 * len(raw) + 100)
    return text


def _value(raw: bytes) -> str:
    text = raw.decode("latin-1")
    if len(raw) <= _LENGTH_KEPT:
        _values.put(raw, text, 2 * len(raw) + 100)
    return text
