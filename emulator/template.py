"""Response templates: JSON-like values whose strings may name fields of a context.

A profile describes each provider's job view as a template, so a new API needs data, not code:

>>> render({"id": "{job.id}", "note": "job {job.id} done", "error?": "{error}"},
...        {"job": {"id": "j1"}, "error": None})
{'id': 'j1', 'note': 'job j1 done'}

- a string that is exactly one ``{path}`` becomes the raw value (numbers, lists, None stay so);
- a string with text around placeholders is formatted as text;
- a key ending in ``?`` is left out when its value is None (for specs whose optional fields
  are not nullable).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["lookup", "placeholders", "render"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")
_MISSING = object()


def lookup(context: Mapping[str, Any], dotted: str) -> Any:
    """Follow ``a.b.c`` through nested mappings; None when any step is absent."""
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return None
    return value


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """Fill ``template`` from ``context`` (see the module docstring for the rules)."""
    if isinstance(template, str):
        return _render_string(template, context)
    if isinstance(template, Mapping):
        out: dict[str, Any] = {}
        for key, sub in template.items():
            value = render(sub, context)
            if key.endswith("?"):
                if value is None:
                    continue
                key = key[:-1]
            out[key] = value
        return out
    if isinstance(template, list):
        return [render(item, context) for item in template]
    return template


def placeholders(template: Any) -> Iterator[str]:
    """Every dotted name a template refers to (used to check profiles at load time)."""
    if isinstance(template, str):
        yield from _PLACEHOLDER.findall(template)
    elif isinstance(template, Mapping):
        for sub in template.values():
            yield from placeholders(sub)
    elif isinstance(template, list):
        for item in template:
            yield from placeholders(item)


def _render_string(template: str, context: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return lookup(context, whole.group(1))
    if "{" not in template:
        return template
    return _PLACEHOLDER.sub(lambda m: _text(lookup(context, m.group(1))), template)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
