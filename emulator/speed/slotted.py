"""Quicker construction and copying for the frozen, slotted dataclasses made on every request.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, looked up
anew for each one, and ``dataclasses.replace`` reads every field by name and then calls that
``__init__``: for a job's many fields that is paid several times by every create, retry and
transition. The functions made here are generated as dataclasses generate ``__init__``, one
line per field, but set each slot through its descriptor, which skips the frozen check.
Nothing else changes: the parameters and defaults are the dataclass's, and assigning to a
field of a made value still raises ``FrozenInstanceError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["quick_init", "slot_copier"]

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen slotted dataclass ``cls`` an equivalent ``__init__`` that is quicker."""
    fields = _fields(cls)
    scope: dict[str, Any] = {f"set_{f.name}": getattr(cls, f.name).__set__ for f in fields}
    params, body = ["self"], []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            scope[f"default_{f.name}"] = f.default
            params.append(f"{f.name}=default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"factory_{f.name}"], scope["MISSING"] = f.default_factory, dataclasses.MISSING
            params.append(f"{f.name}=MISSING")
            body.append(f"    if {f.name} is MISSING: {f.name} = factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"    set_{f.name}(self, {f.name})")
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 (mypy refuses ``cls.__init__ = init``)
    return cls


def slot_copier(cls: type[T]) -> Callable[[T], T]:
    """A function copying a ``cls`` value field by field (``copy(value) == value``)."""
    fields = _fields(cls)
    scope: dict[str, Any] = {f"set_{f.name}": getattr(cls, f.name).__set__ for f in fields}
    scope.update(new=object.__new__, cls=cls)
    lines = [f"    set_{f.name}(made, value.{f.name})" for f in fields]
    source = "def copy(value):\n    made = new(cls)\n" + "\n".join(lines) + "\n    return made\n"
    exec(source, scope)
    copy: Callable[[T], T] = scope["copy"]
    return copy


def _fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass with slots")
    if hasattr(cls, "__post_init__") or any(not f.init for f in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__}'s __init__ does more than set its fields")
    return dataclasses.fields(cls)
