"""The ``list`` section and ``page`` view of a draft, read from the list operation's query
parameters and the fields of its answer.

``after``/``starting_after``/``cursor`` parameters page by job id (``cursor`` style);
``page_token``-like ones by an opaque token, and ``offset``/``skip`` by position (``offset``
style); the limit parameter's name, default and maximum come along. Answer fields become page
variables by name (``has_more``, ``next``, ``prev``, ``count``, ``url``, ``total``,
``first_id``); a field the style cannot fill is a constant, said so in a comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.drafting.resource_finder import properties
from emulator.drafting.sample_values import SampleValues, allows_null
from emulator.openapi import Operation

__all__ = ["PageDraft", "draft_paging"]

_AFTER = ("after", "starting_after", "after_id", "cursor", "from_id", "since_id")
_BEFORE = ("before", "ending_before", "before_id")
_TOKEN = ("page_token", "pagetoken", "next_token", "continuation_token", "token", "next_page")
_OFFSET = ("offset", "skip", "start")
_PAGE_NUMBER = ("page", "page_number", "pagenumber", "page_num")
_LIMIT = (
    "limit",
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "size",
    "max_results",
    "maxresults",
    "maxpagesize",
    "top",
    "count",
    "first",
)
_ORDER = ("order", "sort_order", "direction")

_BOTH = frozenset({"cursor", "offset"})
# Answer field (lowercased, without ``_``) -> page variable, and the styles that fill it.
_VARIABLES: tuple[tuple[tuple[str, ...], str, frozenset[str]], ...] = (
    (("hasmore", "more", "hasnext", "hasnextpage"), "{has_more}", _BOTH),
    (("next", "nexturl", "nextpageurl", "nextpage", "nextlink"), "{next_url}", _BOTH),
    (
        ("prev", "previous", "prevurl", "previousurl", "prevpageurl", "prevlink"),
        "{prev_url}",
        _BOTH,
    ),
    (
        ("nextcursor", "nextpagetoken", "nexttoken", "cursor", "continuationtoken", "after"),
        "{next_token}",
        _BOTH,
    ),
    (("prevpagetoken", "prevtoken", "previouspagetoken"), "{prev_token}", _BOTH),
    (("firstid",), "{first_id}", _BOTH),
    (("lastid",), "{last_id}", _BOTH),
    (("total", "totalcount", "totalitems", "totalresults"), "{total}", frozenset({"offset"})),
    (("count", "resultcount", "itemcount", "pagecount"), "{count}", _BOTH),
    (("offset", "skip"), "{offset}", frozenset({"offset"})),
    (("limit", "pagesize", "perpage"), "{limit}", _BOTH),
    (("url", "currenturl", "self", "selflink"), "{url}", _BOTH),
)


@dataclass
class PageDraft:
    rules: dict[str, Any] = field(default_factory=dict)
    page: Any = None
    comments: dict[str, str] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)


def _squash(name: str) -> str:
    """``$skip``, ``@nextLink``, ``page_size`` as ``skip``, ``nextlink``, ``pagesize``."""
    return re.sub(r"[_\-$@]", "", name.lower())


def _find(params: Mapping[str, Any], words: tuple[str, ...]) -> str | None:
    """The parameter named by the first of ``words`` that names one (``$maxpagesize`` before
    ``$top``, which caps the whole listing)."""
    by_word = {_squash(name): name for name in reversed(list(params))}
    return next((by_word[w] for w in map(_squash, words) if w in by_word), None)


def draft_paging(
    op: Operation, page: Mapping[str, Any], items_key: str | None, samples: SampleValues
) -> PageDraft:
    draft = PageDraft()
    params = {p.name: p.schema for p in op.parameters if p.location == "query"}
    after, before = _find(params, _AFTER), _find(params, _BEFORE)
    token, offset = _find(params, _TOKEN), _find(params, _OFFSET)
    page_number, limit = _find(params, _PAGE_NUMBER), _find(params, _LIMIT)
    style = "cursor" if after or before else "offset"
    draft.rules["style"] = style
    if after or before:
        draft.comments["style"] = f"guess: pages by job id ({after or before})"
        if after and after != "after":
            draft.rules["after_param"] = after
        if before and before != "before":
            draft.rules["before_param"] = before
    elif token:
        draft.rules["token_param"] = token
        draft.comments["style"] = f"guess: pages by an opaque token ({token})"
    elif offset:
        if offset != "offset":
            draft.rules["offset_param"] = offset
        draft.comments["style"] = f"guess: pages by position ({offset})"
    elif page_number:
        draft.undecided.append(
            f"{op.key}: pages by page number ({page_number}); the emulator pages by offset or "
            "cursor, so every request gets the first page"
        )
        draft.comments["style"] = f"undecided: '{page_number}' numbers pages; the first is served"
    else:
        draft.comments["style"] = "guess: no paging parameter: one page holds every job"
    if limit:
        if limit != "limit":
            draft.rules["limit_param"] = limit
        schema = params[limit]
        default = schema.get("default") if isinstance(schema, Mapping) else None
        if isinstance(default, int) and default > 0:
            draft.rules["default_limit"] = default
    elif not page_number:
        draft.rules["default_limit"] = 100
    if _find(params, _ORDER):
        draft.rules["order_param"] = _find(params, _ORDER)
    draft.page = _page_view(page, items_key, style, samples, draft)
    return draft


def _page_view(
    page: Mapping[str, Any],
    items_key: str | None,
    style: str,
    samples: SampleValues,
    draft: PageDraft,
) -> Any:
    if items_key is None:
        return "{items}"
    view: dict[str, Any] = {}
    props = properties(page)
    required = set(page.get("required", ()))
    for name, schema in props.items():
        if name == items_key:
            view[name] = "{items}"
            continue
        variable = _variable(name, style)
        if variable is not None:
            nullable = allows_null(schema)
            key = name if nullable or name in required or variable == "{has_more}" else name + "?"
            view[key] = variable
            continue
        if name not in required:
            continue
        if isinstance(schema, Mapping) and type(schema.get("properties")) is dict:
            view[name] = _nested(schema, style, samples, draft, name)
            continue
        view[name] = None if allows_null(schema) else samples.least(schema, name)
        draft.comments[f"page.{name}"] = "guess: a fixed value the spec allows"
    return view


def _nested(
    schema: Mapping[str, Any], style: str, samples: SampleValues, draft: PageDraft, outer: str
) -> dict[str, Any]:
    """An object of page details (``page_details: {limit, next_url, ...}``), field by field."""
    out: dict[str, Any] = {}
    required = set(schema.get("required", ()))
    for name, sub in properties(schema).items():
        variable = _variable(name, style)
        if variable is not None:
            out[name if allows_null(sub) or name in required else name + "?"] = variable
        elif name in required:
            out[name] = None if allows_null(sub) else samples.least(sub, name)
            draft.comments[f"page.{outer}.{name}"] = "guess: a fixed value the spec allows"
    return out


def _variable(name: str, style: str) -> str | None:
    squashed = _squash(name)
    for names, variable, styles in _VARIABLES:
        if squashed in names and style in styles:
            return variable
    return None
