"""JSON values that refuse to change, for what caches and scenarios share between requests.

A decoded create request is shared by every job created with the same body, and a scenario
state's ``result`` by every job of the scenario; a view that is exactly one placeholder
(``"{request.body}"``) hands that very object out. ``freeze`` makes such a value read-only all
the way down, so a consumer that tries to change it fails at once instead of changing what
every other job shows:

>>> shared = freeze({"name": "a", "tags": ["x"]})
>>> shared.pop("name")
Traceback (most recent call last):
...
TypeError: a shared value is read-only: copy it to change it (FrozenDict.pop)
>>> shared["tags"].append("y")
Traceback (most recent call last):
...
TypeError: a shared value is read-only: copy it to change it (FrozenList.append)

They stay ``dict`` and ``list`` subclasses, so JSON encoders, ``jsonschema``'s types and
equality treat them as the plain values they replace (``shared == {"name": "a", "tags":
["x"]}``), and ``dict(shared)`` or ``{**shared}`` is an ordinary copy to change.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["FrozenDict", "FrozenList", "freeze"]


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses every change (made by ``freeze``)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles rebuild it whole rather than key by key through __setitem__.
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A ``list`` that refuses every change (made by ``freeze``)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))


def _refuse(kind: type, name: str) -> None:
    def refused(self: object, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            f"a shared value is read-only: copy it to change it ({kind.__name__}.{name})"
        )

    refused.__name__ = refused.__qualname__ = name
    setattr(kind, name, refused)


_DICT_CHANGES = ("__setitem__", "__delitem__", "__ior__", "clear", "pop", "popitem")
_LIST_CHANGES = ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "clear")
for _change in (*_DICT_CHANGES, "setdefault", "update"):
    _refuse(FrozenDict, _change)
for _change in (*_LIST_CHANGES, "extend", "insert", "pop", "remove", "reverse", "sort"):
    _refuse(FrozenList, _change)


def freeze(value: Any) -> Any:
    """``value`` with every dict and list in it (at any depth) read-only; other values as is.

    A value already frozen is returned as it is, so freezing again costs nothing.
    """
    kind = type(value)
    if kind is FrozenDict or kind is FrozenList:
        return value
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return FrozenList([freeze(item) for item in value])
    return value
