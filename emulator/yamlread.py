"""Typed reading of YAML documents that names the file and JSON pointer of every mistake.

Profiles and scenarios are parsed into frozen values at the edge; this is that edge.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

import orjson
import yaml

from emulator.errors import LoadError

__all__ = ["Reader", "escape", "parse_yaml", "read_data", "read_text", "read_yaml"]

_REQUIRED: Any = object()


def escape(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    if "~" not in token and "/" not in token:
        return token
    return token.replace("~", "~0").replace("/", "~1")


# libyaml's parser, where PyYAML was built with it, reads a large spec several times faster.
_SafeLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """The one YAML dialect of specs, profiles and scenarios: safe, with JSON's data model.

    Keys are strings (``200:`` is the status "200"); timestamps stay strings, because JSON
    Schema and the wire only know strings; booleans are YAML 1.2's, only true and false (YAML
    1.1 also reads on/off/yes/no as booleans, and a scenario state's ``on:`` must stay "on").
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        return {_key(k): v for k, v in mapping.items()}


_DROPPED_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _key(key: object) -> object:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key) if isinstance(key, int | float) or key is None else key


def parse_yaml(text: str, file: str, error: type[LoadError]) -> Any:
    """Parse YAML (or JSON) text, or raise ``error`` naming ``file``, line and column. A
    ``.json`` file is JSON only: its mistakes are told as JSON ones."""
    if file.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"at line {exc.lineno}, column {exc.colno}"
            raise error(file, "/", f"invalid JSON {where}: {exc.msg}") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass  # maybe YAML flow style; YAML reports its own position below
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(file, "/", f"invalid YAML{where}: {problem}") from None


def read_text(path: Path, error: type[LoadError]) -> str:
    """The file's text (UTF-8, a leading byte-order mark dropped), or ``error`` when it is not
    UTF-8. ``OSError`` propagates: only the caller knows who asked for the file."""
    return _decoded(path.read_bytes(), path, error)


def _decoded(data: bytes, path: Path, error: type[LoadError]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        where = f"byte 0x{data[exc.start]:02x} at line {line}, column {column}"
        reason = f"not UTF-8 text: {where}; save it as UTF-8"
        raise error(str(path), "/", reason) from None


def read_data(path: Path, error: type[LoadError]) -> Any:
    """The parsed content of a YAML or JSON file. JSON is read straight from its bytes by
    orjson, several times faster than decoding the text and handing it to json (a vendor's
    13 MB spec); what orjson refuses (a byte-order mark, integers past 64 bits, a mistake) is
    read the careful way, which names the line and column of a mistake. ``OSError``
    propagates."""
    data = path.read_bytes()
    if path.suffix == ".json" or data.lstrip()[:1] in (b"{", b"["):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return parse_yaml(_decoded(data, path, error), str(path), error)


def read_yaml(path: Path, error: type[LoadError]) -> Any:
    """Parse a YAML (or JSON) file, or raise ``error`` with the line and column."""
    try:
        text = read_text(path, error)
    except OSError as exc:
        raise error(str(path), "/", f"cannot read file: {exc.strerror or exc}") from None
    return parse_yaml(text, str(path), error)


class Reader:
    """A mapping inside a file, with getters that check types and say where on failure."""

    def __init__(
        self, file: str, data: Any, pointer: str = "", error: type[LoadError] = LoadError
    ) -> None:
        self.file = file
        self.pointer = pointer
        self.error = error
        if not isinstance(data, Mapping):
            raise error(file, pointer or "/", f"expected a mapping, got {_kind(data)}")
        self.data: Mapping[str, Any] = data

    def at(self, key: str | int) -> str:
        return f"{self.pointer}/{escape(str(key))}"

    def fail(self, key: str | int, reason: str) -> NoReturn:
        raise self.error(self.file, self.at(key), reason)

    def names(self) -> Iterator[str]:
        return iter(self.data.keys())

    def has(self, key: str) -> bool:
        return key in self.data

    def only(self, *allowed: str) -> None:
        """Refuse keys the format does not define: a typo must not be silently ignored."""
        for key in self.data:
            if key not in allowed:
                self.fail(key, f"unknown key {key!r}; expected one of {', '.join(allowed)}")

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def _typed(self, key: str, kinds: tuple[type, ...], name: str, default: Any) -> Any:
        if key not in self.data:
            if default is _REQUIRED:
                self.fail(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            self.fail(key, f"expected {name}, got {_kind(value)}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        return str(self._typed(key, (str,), "a string", _REQUIRED if default is None else default))

    def opt_text(self, key: str) -> str | None:
        value = self._typed(key, (str,), "a string", None)
        return None if value is None else str(value)

    def integer(self, key: str, default: int | None = None) -> int:
        return int(
            self._typed(key, (int,), "an integer", _REQUIRED if default is None else default)
        )

    def opt_number(self, key: str) -> float | None:
        value = self._typed(key, (int, float), "a number", None)
        return None if value is None else float(value)

    def flag(self, key: str, default: bool = False) -> bool:
        return bool(self._typed(key, (bool,), "true or false", default))

    def texts(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self._typed(
            key, (list,), "a list of strings", _REQUIRED if default is None else default
        )
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.error(
                    self.file, f"{self.at(key)}/{i}", f"expected a string, got {_kind(item)}"
                )
        return list(value)

    def section(self, key: str, required: bool = False) -> Reader:
        """The mapping under ``key`` (an empty one when absent and not required)."""
        value = self._typed(key, (dict,), "a mapping", _REQUIRED if required else None)
        return Reader(self.file, value if value is not None else {}, self.at(key), self.error)

    def items(self, key: str, required: bool = False) -> list[Any]:
        return list(self._typed(key, (list,), "a list", _REQUIRED if required else []))

    def item(self, key: str, index: int, value: Any) -> Reader:
        """A mapping that is element ``index`` of the list under ``key``."""
        return Reader(self.file, value, f"{self.at(key)}/{index}", self.error)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
