"""How one option is declared (``option``) and offered (``Option``): the machinery of
``emulator.settings``, whose groups of options use it.

The keywords of ``option``:

- ``where``: where it shows: the commands ``"serve"``, ``"check"``, ``"contract"``,
  ``"record"``, ``"report"``, ``"init"``; ``"pytest"`` (a flag, an ini key and a marker argument);
  ``"session"`` (a pytest flag and ini key only: one value for the whole run). Default: serve
  and pytest; ``where=()`` keeps it to Python (``Settings(...)``) only;
- ``serve=`` / ``test=``: a default that differs under ``jobs-emulator serve`` or in tests
  (``strict`` is off for ``serve``, the clock is manual in tests);
- ``choices``: the words it takes, or a mapping of words to values (``--clock real|manual``
  sets ``manual_clock``); ``key``: its public name when the field's differs (``clock``);
- ``path=True``: a file or folder, relative to the rootdir (ini, marker) or the working
  directory (command line) in pytest;
- ``required=True``: the command refuses to run without it; ``metavar``: the word its help
  shows for the value (default ``PATH``, ``N`` or ``TEXT``).

The option's type is its default's (bool, int, float, str); a bool is a pair of flags
(``--strict`` / ``--no-strict``); a tuple of strings (default ``()``) is repeatable
(``--webhook A --webhook B``; in an ini file, one value per line).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Context", "Option", "declared", "option"]

Context = Literal[
    "python", "serve", "check", "contract", "record", "report", "init", "pytest", "session"
]
_UNSET: Any = object()
_KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number"}
_BOOL_WORDS = {
    "true": True,
    "yes": True,
    "on": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "0": False,
}


def option(
    default: Any,
    help: str,
    *,
    where: Iterable[str] = ("serve", "pytest"),
    serve: Any = _UNSET,
    test: Any = _UNSET,
    choices: Iterable[str] | Mapping[str, Any] | None = None,
    key: str | None = None,
    kind: type | None = None,
    path: bool = False,
    required: bool = False,
    metavar: str | None = None,
) -> Any:
    """A field of an option group, with what the CLI and the plugin need to offer it."""
    words = (
        None
        if choices is None
        else (dict(choices) if isinstance(choices, Mapping) else {w: w for w in choices})
    )
    overrides = {c: v for c, v in (("serve", serve), ("pytest", test)) if v is not _UNSET}
    meta = {
        "help": help,
        "where": frozenset(where),
        "defaults": overrides,
        "choices": words,
        "key": key,
        "kind": kind or type(default),
        "path": path,
        "required": required,
        "metavar": metavar,
    }
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Option:
    """One declared option, as the command line and the plugin offer it."""

    group: type
    field: str
    key: str
    help: str
    default: Any
    kind: type
    choices: Mapping[str, Any] | None
    defaults: Mapping[str, Any]
    where: frozenset[str]
    path: bool
    required: bool
    metavar: str | None

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    def default_in(self, context: Context) -> Any:
        return self.defaults.get(context, self.default)

    def word(self, value: Any) -> str:
        """How ``value`` is written on a command line or in an ini file."""
        for word, meant in (self.choices or {}).items():
            if meant == value and type(meant) is type(value):
                return word
        if isinstance(value, tuple):
            return " ".join(value) or "none"
        return str(value).lower() if isinstance(value, bool) else str(value)

    def parse(self, raw: Any) -> Any:
        """The value of a word (command line, ini) or a value (marker); ValueError if wrong."""
        if self.choices is not None:
            if isinstance(raw, str) and raw in self.choices:
                return self.choices[raw]
            if raw is None and self.default is None:
                return None
            raise ValueError(f"{self.key} must be one of {', '.join(self.choices)}, not {raw!r}")
        if self.kind is tuple:
            items = raw.split() if isinstance(raw, str) else raw
            if isinstance(items, list | tuple) and all(isinstance(i, str) for i in items):
                return tuple(items)
            raise ValueError(f"{self.key} takes a list of strings, not {raw!r}")
        if self.kind is bool and isinstance(raw, str) and raw.lower() in _BOOL_WORDS:
            return _BOOL_WORDS[raw.lower()]
        if self.kind in (int, float) and isinstance(raw, str):
            try:
                return self.kind(raw)
            except ValueError:
                pass
        if raw is None and self.default is None:
            return None
        if isinstance(raw, self.kind) and not (self.kind is not bool and isinstance(raw, bool)):
            return raw
        raise ValueError(f"{self.key} takes {_KIND_NAMES.get(self.kind, 'text')}, not {raw!r}")


def declared(group: type) -> tuple[Option, ...]:
    return tuple(
        Option(
            group, f.name, default=f.default, **{**f.metadata, "key": f.metadata["key"] or f.name}
        )
        for f in dataclasses.fields(group)
    )
