"""OpenAPI path templates, split into segments: literal text, or parameters with the literal
text around them inside their segment.

A segment may hold more than a parameter: Google's custom methods (AIP-136) put a verb after
the resource's name, ``/v1/operations/{operation}:cancel``, and some APIs put a prefix or an
extension around an id (``v{version}``, ``{file}.json``). Values are matched as plain strings,
never with typed convertors, so a malformed id still reaches validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = ["Slot", "compile_path", "parameter_names", "requested_path"]

_PARAMETER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True)
class Slot:
    """A segment with parameters: their ``names`` and the ``literals`` around them, one more
    literal than names (``{operation}:cancel`` is names ``("operation",)``, literals
    ``("", ":cancel")``).

    >>> Slot.parse("{operation}:cancel").bind("export-1%2Fa:cancel")
    ('export-1/a',)
    """

    names: tuple[str, ...]
    literals: tuple[str, ...]
    # Segments with literal text or several parameters match through this; a bare ``{id}``
    # needs none.
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, segment: str) -> Slot | None:
        """The slot a template segment describes, or None for a segment of literal text."""
        pieces = _PARAMETER.split(segment)
        if len(pieces) == 1:
            return None
        literals, names = tuple(pieces[0::2]), tuple(pieces[1::2])
        if literals == ("", ""):
            return cls(names, literals)
        # Every value but the last is as short as the text after it allows: "{a}.{b}" binds
        # "x.tar.gz" as ("x", "tar.gz"), the same reading every time.
        groups = ["(.+?)"] * (len(names) - 1) + ["(.+)"]
        regex = re.escape(literals[0])
        for group, literal in zip(groups, literals[1:], strict=True):
            regex += group + re.escape(literal)
        return cls(names, literals, re.compile(regex))

    @property
    def specificity(self) -> tuple[int, int]:
        """How much of the segment is fixed, for sorting routes: a bare parameter last, and
        among the others the one with more literal text first."""
        fixed = sum(map(len, self.literals))
        return (2, 0) if self.pattern is None else (1, -fixed)

    def bind(self, part: str) -> tuple[str, ...] | None:
        """The percent-decoded values of a request path's segment, or None if it does not fit
        (a value is never empty)."""
        if self.pattern is None:
            return (unquote(part),) if part else None
        found = self.pattern.fullmatch(part)
        return None if found is None else tuple(unquote(value) for value in found.groups())


def requested_path(template: str) -> str:
    """The path requests for ``template`` carry: a fragment (``/shared_items#folders``, how
    some vendors tell operations on one path apart) never reaches a server.

    >>> requested_path("/shared_items#folders")
    '/shared_items'
    """
    return template.partition("#")[0]


def compile_path(template: str) -> tuple[str | Slot, ...]:
    """Split a path template into segments: a literal string, or a ``Slot``.

    >>> compile_path("/job/{id}/retry")
    ('job', Slot(names=('id',), literals=('', '')), 'retry')
    >>> compile_path("/v1/operations/{name}:cancel")[-1].literals
    ('', ':cancel')
    """
    segments = template.removeprefix("/").split("/")
    return tuple(Slot.parse(segment) or segment for segment in segments)


def parameter_names(template: str) -> tuple[str, ...]:
    """The path parameters a template names, in order: ``/a/{x}/b/{y}:run`` gives x, y."""
    return tuple(_PARAMETER.findall(template))
