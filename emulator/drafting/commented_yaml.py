"""YAML with a comment above any key: mappings in block style, everything else on one line.

>>> print(commented_yaml({"job": {"id": "uuid4", "tags": ["a", "b"]}}, {"job.id": "guess"}))
job:
  # guess
  id: uuid4
  tags: [a, b]
<BLANKLINE>

Comments are keyed by the dotted path of the key they sit above (``job.id``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["commented_yaml", "flow"]

# Keys written bare: plain names, a view's optional ``name?`` included, but none YAML 1.1
# reads as a boolean or null.
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\??")
_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _key(key: Any) -> str:
    text = str(key)
    if _BARE_KEY.fullmatch(text) and text.rstrip("?").lower() not in _SPECIAL:
        return text
    return flow(key)


def flow(value: Any) -> str:
    """``value`` as one line of YAML (quoted where plain text would be read otherwise)."""
    text = yaml.safe_dump([value], default_flow_style=True, width=1 << 30, sort_keys=False)
    return text.strip()[1:-1]


def commented_yaml(
    data: Mapping[str, Any], comments: Mapping[str, str], *, blank_between: bool = False
) -> str:
    """``data`` as block YAML, each comment above its key; ``blank_between`` separates the
    top-level keys by a blank line."""
    lines: list[str] = []
    _mapping(data, comments, "", 0, lines, blank_between)
    return "\n".join(lines) + "\n"


def _mapping(
    data: Mapping[str, Any],
    comments: Mapping[str, str],
    path: str,
    depth: int,
    lines: list[str],
    blank_between: bool,
) -> None:
    indent = "  " * depth
    for key, value in data.items():
        dotted = f"{path}.{key}" if path else str(key)
        block = isinstance(value, Mapping) and not _fits_a_line(value, comments, dotted)
        if blank_between and depth == 0 and lines and (block or lines[-1].startswith(" ")):
            lines.append("")
        comment = comments.get(dotted) or comments.get(dotted.rstrip("?"))
        if comment:
            lines.extend(f"{indent}# {line}" for line in comment.splitlines())
        head = f"{indent}{_key(key)}:"
        if block and value:
            lines.append(head)
            _mapping(value, comments, dotted, depth + 1, lines, blank_between)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(head)
            for item in value:
                _list_item(item, comments, dotted, depth + 1, lines)
        else:
            lines.append(f"{head} {flow(value)}")


def _list_item(
    item: Mapping[str, Any],
    comments: Mapping[str, str],
    path: str,
    depth: int,
    lines: list[str],
) -> None:
    """One mapping of a list, its first key after the dash (``- status: queued``)."""
    inner: list[str] = []
    _mapping(item, comments, path, depth + 1, inner, False)
    indent = "  " * (depth + 1)
    first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
    for i, line in enumerate(inner):
        lines.append("  " * depth + "- " + line[len(indent) :] if i == first else line)


def _fits_a_line(value: Mapping[str, Any], comments: Mapping[str, str], path: str) -> bool:
    """A short mapping of plain values with no comment inside: ``for: {polls: 1}``."""
    if "$if" in value:
        return True
    if any(key.startswith(path + ".") for key in comments):
        return False
    plain = all(not isinstance(v, Mapping | list) or not v for v in value.values())
    return plain and len(value) <= 3 and len(flow(dict(value))) <= 60
