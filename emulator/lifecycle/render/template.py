"""Response templates: JSON-like values whose strings may name fields of a context.

A profile describes each provider's job view as a template, so a new API needs data, not code:

>>> render({"id": "{job.id}", "note": "job {job.id} done", "error?": "{error}"},
...        {"job": {"id": "j1"}, "error": None})
{'id': 'j1', 'note': 'job j1 done'}

- a string that is exactly one ``{path}`` becomes the raw value (numbers, lists, None stay so);
- a string with text around placeholders is formatted as text;
- a key ending in ``?`` is left out when its value is None (for specs whose optional fields
  are not nullable);
- a placeholder ending in ``?`` inside text makes the whole string None when its value is None
  (``"{base_url}/jobs?after={last_id?}"``: a URL, or null on the last page);
- ``{"$if": "{path}", "then": A, "else": B}`` renders A when the value is not None, else B
  (``else`` defaults to None).

>>> render({"$if": "{error}", "then": "failed: {error}", "else": "fine"}, {"error": None})
'fine'
>>> render("next?after={last?}", {"last": None}) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["Renderer", "compile_template", "lookup", "placeholders", "render"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)(\??)\}")
_IF = "$if"
_MISSING = object()


def lookup(context: Mapping[str, Any], dotted: str) -> Any:
    """Follow ``a.b.c`` through nested mappings; None when any step is absent."""
    return _follow(context, tuple(dotted.split(".")))


Renderer = Callable[[Mapping[str, Any]], Any]


def compile_template(template: Any) -> Renderer:
    """Parse ``template`` once into a function of the context (profiles do it at load time)."""
    if isinstance(template, str):
        return _compile_string(template)
    if isinstance(template, Mapping) and _IF in template:
        return _compile_if(template)
    if isinstance(template, Mapping):
        fields = [
            (key[:-1] if key.endswith("?") else key, key.endswith("?"), compile_template(sub))
            for key, sub in template.items()
        ]

        def mapping(context: Mapping[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, optional, fill in fields:
                value = fill(context)
                if value is not None or not optional:
                    out[key] = value
            return out

        return mapping
    if isinstance(template, list):
        items = [compile_template(item) for item in template]
        return lambda context: [fill(context) for fill in items]
    return lambda _: template


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """Fill ``template`` from ``context`` (see the module docstring for the rules)."""
    return compile_template(template)(context)


def placeholders(template: Any) -> Iterator[str]:
    """Every dotted name a template refers to (used to check profiles at load time)."""
    if isinstance(template, str):
        yield from (name for name, _ in _PLACEHOLDER.findall(template))
    elif isinstance(template, Mapping):
        for sub in template.values():
            yield from placeholders(sub)
    elif isinstance(template, list):
        for item in template:
            yield from placeholders(item)


def _compile_if(template: Mapping[str, Any]) -> Renderer:
    unknown = set(template) - {_IF, "then", "else"}
    if unknown:
        raise ValueError(f"a $if template takes only then and else, not {sorted(unknown)}")
    test = compile_template(template[_IF])
    then, otherwise = compile_template(template.get("then")), compile_template(template.get("else"))
    return lambda context: then(context) if test(context) is not None else otherwise(context)


def _compile_string(template: str) -> Renderer:
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        path = tuple(whole.group(1).split("."))
        return lambda context: _follow(context, path)
    if "{" not in template:
        return lambda _: template
    # Alternating literal text and (dotted path, null-makes-all-null): ["Job ", (("job", "id"),
    # False), " done"].
    pieces: list[str | tuple[tuple[str, ...], bool]] = []
    parts = _PLACEHOLDER.split(template)
    for index in range(0, len(parts), 3):
        pieces.append(parts[index])
        if index + 1 < len(parts):
            pieces.append((tuple(parts[index + 1].split(".")), parts[index + 2] == "?"))

    def text(context: Mapping[str, Any]) -> str | None:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = _follow(context, piece[0])
            if value is None and piece[1]:
                return None
            out.append(_text(value))
        return "".join(out)

    return text


def _follow(context: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = context
    for part in path:
        # Contexts are dicts (plain, or read-only ones they share): the dict test spares the
        # ABC check on every step.
        if not isinstance(value, dict) and not isinstance(value, Mapping):
            return None
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return None
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)
