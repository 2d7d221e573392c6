"""Strings for JSON Schema's string keywords (format, pattern, lengths), from a seeded RNG.

For a ``pattern``, Python's own regex parser turns it into a tree of opcodes; walking that tree
yields a candidate, which is then checked with ``re.search`` (the semantics JSON Schema and
jsonschema use). Constructs the walker cannot honour (lookarounds, odd flags) merely yield a
candidate that fails the check, so retries and a brute-force fallback cover them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import re
import string
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["FORMATS", "string_for_pattern", "string_value"]

# ``re._parser`` is private and has no stubs, but it is the parser ``re`` itself runs, so its
# tree is exactly what the check will accept. Importing it by name keeps mypy quiet and avoids
# the deprecated ``sre_parse`` alias, whose import warns (and warnings are errors in tests).
_parser: Any = importlib.import_module("re._parser")

_ALNUM = string.ascii_letters + string.digits
_PRINTABLE = _ALNUM + string.punctuation + " "
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters + "_-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": _ALNUM,
    "CATEGORY_WORD": _ALNUM + "_",
    "CATEGORY_NOT_WORD": "-.:/ ",
}
_ATTEMPTS = 32
_FALLBACK_DRAWS = 500
# A fixed epoch, never the wall clock: generated timestamps must not depend on when tests run.
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _token(rng: random.Random, size: int = 8) -> str:
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(size))


def _moment(rng: random.Random) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=rng.randrange(365 * 86400))


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "date-time": lambda r: _moment(r).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "date": lambda r: _moment(r).strftime("%Y-%m-%d"),
    "time": lambda r: _moment(r).strftime("%H:%M:%SZ"),
    "email": lambda r: f"user.{_token(r)}@example.com",
    "uri": lambda r: f"https://example.com/{_token(r)}",
    "url": lambda r: f"https://example.com/{_token(r)}",
    "uri-reference": lambda r: f"/{_token(r)}",
    "ipv4": lambda r: f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
    "ipv6": lambda r: f"2001:db8::{r.randrange(1, 0xFFFF):x}",
    "hostname": lambda r: f"host-{_token(r)}.example.com",
    "idn-email": lambda r: f"user.{_token(r)}@example.com",
    "idn-hostname": lambda r: f"host-{_token(r)}.example.com",
    "iri": lambda r: f"https://example.com/{_token(r)}",
    "iri-reference": lambda r: f"/{_token(r)}",
    "uri-template": lambda r: f"https://example.com/{_token(r)}/{{id}}",
    "duration": lambda r: f"P{r.randrange(1, 30)}DT{r.randrange(24)}H",
    "json-pointer": lambda r: f"/{_token(r)}/{r.randrange(10)}",
    "relative-json-pointer": lambda r: f"{r.randrange(3)}/{_token(r)}",
    "regex": lambda r: f"^{_token(r)}$",
}
"""Generators for the formats we know (every format ``formats`` checks among them); any other
format gets a plain string."""


def string_value(
    rng: random.Random,
    fmt: str | None = None,
    pattern: str | None = None,
    min_length: int = 0,
    max_length: int | None = None,
) -> str:
    """A string for a schema's ``format`` (which wins), else its ``pattern``, else its lengths."""
    if fmt in FORMATS:
        return FORMATS[fmt](rng)
    if pattern is not None:
        return string_for_pattern(pattern, rng, min_length, max_length)
    if max_length is not None and max_length < min_length:
        raise ValueError(f"minLength {min_length} exceeds maxLength {max_length}")
    return _token(rng, max(min_length, min(8, max_length if max_length is not None else 8)))


def string_for_pattern(
    pattern: str, rng: random.Random, min_length: int = 0, max_length: int | None = None
) -> str:
    """A string that ``re.search``-matches ``pattern`` with a length in the given bounds.

    Raises ``ValueError`` naming the pattern when neither the walker nor random draws fit.
    """
    try:
        compiled = re.compile(pattern)
        tree = _parser.parse(pattern)
    except re.error as exc:
        raise ValueError(f"invalid pattern {pattern!r}: {exc}") from exc

    def fits(text: str) -> bool:
        long_enough = len(text) >= min_length
        short_enough = max_length is None or len(text) <= max_length
        return long_enough and short_enough and compiled.search(text) is not None

    for attempt in range(_ATTEMPTS):
        # Unbounded repeats (+, *, {n,}) draw from a window that widens on every retry, so a
        # large minLength becomes reachable without making the usual string long.
        candidate = _Walker(rng, stretch=2 + attempt).emit(tree)
        if fits(candidate):
            return candidate
        # An unanchored pattern still matches after padding, which reaches minLength cheaply.
        padded = candidate + "".join(rng.choice(_ALNUM) for _ in range(min_length - len(candidate)))
        if fits(padded):
            return padded
    high = max_length if max_length is not None else max(min_length, 16)
    for _ in range(_FALLBACK_DRAWS):
        size = rng.randint(min_length, max(min_length, high))
        candidate = "".join(rng.choice(_PRINTABLE) for _ in range(size))
        if fits(candidate):
            return candidate
    raise ValueError(
        f"cannot generate a string matching pattern {pattern!r} "
        f"(minLength={min_length}, maxLength={max_length})"
    )


class _Walker:
    """One pass over a parsed pattern; remembers groups so backreferences repeat them."""

    def __init__(self, rng: random.Random, stretch: int) -> None:
        self.rng = rng
        self.stretch = stretch
        self.groups: dict[int, str] = {}

    def emit(self, tree: Any) -> str:
        return "".join(self.node(op.name, av) for op, av in tree)

    def node(self, op: str, av: Any) -> str:
        rng = self.rng
        if op == "LITERAL":
            return chr(av)
        if op == "NOT_LITERAL":
            return rng.choice([c for c in _PRINTABLE if c != chr(av)])
        if op == "ANY":
            return rng.choice(_ALNUM)
        if op == "IN":
            return self.char_class(av)
        if op == "BRANCH":
            return self.emit(rng.choice(av[1]))
        if op == "SUBPATTERN":
            group, _add, _del, sub = av
            text = self.emit(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            if high == _parser.MAXREPEAT:
                high = low + self.stretch
            return "".join(self.emit(sub) for _ in range(rng.randint(low, high)))
        if op == "ATOMIC_GROUP":
            return self.emit(av)
        if op == "GROUPREF":
            return self.groups.get(av, "")
        # Anchors (AT) and lookarounds (ASSERT, ASSERT_NOT) consume nothing; a lookaround we
        # did not satisfy is caught by the final re.search check.
        return ""

    def char_class(self, items: Any) -> str:
        pool: list[str] = []
        negate = False
        for op, av in items:
            if op.name == "NEGATE":
                negate = True
            elif op.name == "LITERAL":
                pool.append(chr(av))
            elif op.name == "RANGE":
                low, high = av
                # Huge Unicode ranges are cut short: a few hundred members are plenty to draw from.
                pool.extend(chr(c) for c in range(low, min(high, low + 255) + 1))
            elif op.name == "CATEGORY":
                pool.extend(_CATEGORIES.get(av.name, ""))
        if negate:
            pool = [c for c in _PRINTABLE if c not in pool]
        return self.rng.choice(pool) if pool else ""
