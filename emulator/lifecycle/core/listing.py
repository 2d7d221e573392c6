"""Pages of jobs: offset + total, or cursor by id + has_more, with the profile's filters.

Unfiltered pages walk the store's creation-order index from where they start (the store says
what that costs: O(page) from the first job or an overall cursor, more from a cursor inside a
partition or an offset past deleted jobs); a filter on a field that moves with time (status)
has to look at every job of the partition.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from emulator.lifecycle.core.actions import Binding, JobActions, Reply, Request
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import ListFilter
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.render.template import lookup
from emulator.lifecycle.render.view_cache import Rendered, page_payload

__all__ = ["list_jobs", "queue_stats"]


def list_jobs(
    actions: JobActions,
    bound: Binding,
    ns: Namespace,
    request: Request,
    job_id: str | None,
    scenario: Scenario,
) -> Reply:
    """The ``list`` action's handler: one page of the namespace's jobs (of a partition)."""
    rules = actions.profile.listing
    params = {f.param: request.param(f.param) for f in rules.filters}
    limit = _number(request.param(rules.limit_param))
    if limit is None:
        limit = rules.default_limit
    elif limit == 0:
        limit = {"default": rules.default_limit, "unlimited": None, "empty": 0}[rules.zero_limit]
    newest_first = rules.newest_first
    order = request.param(rules.order_param) if rules.order_param else None
    if order in ("asc", "desc"):
        newest_first = order == "desc"
    partition, everywhere = _partition(actions, request)
    ids = ns.store.ids(partition, everywhere=everywhere)
    active = [f for f in rules.filters if params.get(f.param) is not None]
    if rules.style == "cursor":
        return _cursor_page(actions, bound, ns, request, ids, active, limit, newest_first)
    offset = _number(request.param(rules.offset_param)) or 0
    token = request.param(rules.token_param) if rules.token_param else None
    if token is not None:
        offset = _untoken(str(token))
    if active:
        jobs = _ordered(actions, ns, ids, newest_first)
        observed = (actions.observe(ns, j.id, poll=False) for j in jobs)
        matching = [j for j in observed if _keep(actions, j, active, params)]
        total, page = len(matching), matching[offset : None if limit is None else offset + limit]
    else:
        total = ns.store.count(partition, everywhere=everywhere)
        # Without deletions, position N of the index is the Nth job: jump straight there.
        skip = offset if total < len(ids) else 0
        first = offset - skip
        jobs = _ordered(actions, ns, ids, newest_first, first)
        page = [actions.observe(ns, j.id, poll=False) for j in _take(jobs, skip, limit)]
    following = offset + len(page) if page and offset + len(page) < total else None
    step = limit if limit else len(page) or 1
    preceding = max(0, offset - step) if offset > 0 else None
    param = rules.token_param or rules.offset_param

    def link(to: int | None) -> tuple[str | None, str | int | None]:
        """The URL of the page at offset ``to``, and its token (the offset itself when the
        provider pages by offset, not by token)."""
        if to is None:
            return None, None
        token = _token(to) if rules.token_param else to
        return _url(request, param, token), token

    next_url, next_token = link(following)
    prev_url, prev_token = link(preceding)
    shown = [actions.cached_view(j, "item", request) for j in page]
    context = {
        **_common(request, page, shown, limit),
        "total": total,
        "offset": offset,
        "has_more": following is not None,
        "next_token": next_token,
        "next_url": next_url,
        "prev_token": prev_token,
        "prev_url": prev_url,
    }
    return _page(actions, bound, context, shown)


def _page(
    actions: JobActions, bound: Binding, context: dict[str, Any], shown: list[Rendered]
) -> Reply:
    """The page, with its bytes spliced from the items' cached bytes: only the page's own few
    fields are encoded per request."""
    view = bound.view
    if view is None:
        return Reply(bound.success, None)
    payload = page_payload(
        lambda items: actions.profile_view(view, {**context, "items": items}), shown
    )
    return Reply(bound.success, actions.profile_view(view, context), payload=payload)


def _common(
    request: Request, page: list[Job], shown: list[Rendered], limit: int | None
) -> dict[str, Any]:
    """What a page of either style knows: its items, their count, the limit in force (0:
    none), the first and last ids, and where it was asked for."""
    return {
        "items": [r.body for r in shown],
        "count": len(page),
        "limit": limit if limit is not None else 0,
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
        "base_url": request.base_url,
        "url": f"{request.url}?{urlencode(request.query)}" if request.query else request.url,
    }


def _number(value: Any) -> int | None:
    # Declared parameters arrive typed; ones only the profile knows arrive as text.
    if value is None or isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def _token(offset: int) -> str:
    """An opaque page token, as providers that page by token hand them out."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _untoken(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return max(0, int(text.removeprefix("offset:")))
    except (ValueError, binascii.Error):
        return 0


def _url(request: Request, param: str, value: object, drop: str | None = None) -> str:
    """This request's own URL with ``param`` set to ``value`` (and ``drop`` left out): the
    link to another page."""
    query = {k: v for k, v in request.query.items() if k != drop}
    query[param] = str(value)
    return f"{request.url}?{urlencode(query)}"


def queue_stats(
    actions: JobActions,
    bound: Binding,
    ns: Namespace,
    request: Request,
    job_id: str | None,
    scenario: Scenario,
) -> Reply:
    """The ``stats`` action's handler: how many jobs there are, counted by the profile's
    ``stats`` fields."""
    counts: dict[str, dict[str, int]] = {name: {} for name in actions.profile.count_by}
    total = 0
    for job in list(ns.store.all()):
        job = actions.observe(ns, job.id, poll=False)
        context = _flat(actions.context(job))
        total += 1
        for name, dotted in actions.profile.count_by.items():
            value = lookup(context, dotted)
            if value is not None:
                counts[name][str(value)] = counts[name].get(str(value), 0) + 1
    stats = {"total": total, "counts": counts}
    return Reply(bound.success, actions.profile_view(bound.view, stats) if bound.view else None)


def _partition(actions: JobActions, request: Request) -> tuple[str | None, bool]:
    """Which partition a listing reads, and whether it reads every job instead."""
    if actions.profile.job.partition is None:
        return None, True
    return actions.partition_of(request.context()), False


def _ordered(
    actions: JobActions, ns: Namespace, ids: list[str], newest_first: bool, first: int = 0
) -> Iterator[Job]:
    start, step = (len(ids) - 1 - first, -1) if newest_first else (first, 1)
    return ns.store.walk(ids, start, step)


def _take(jobs: Iterator[Job], offset: int, limit: int | None) -> list[Job]:
    page: list[Job] = []
    for index, job in enumerate(jobs):
        if index < offset:
            continue
        if limit is not None and len(page) >= limit:
            break
        page.append(job)
    return page


def _keep(
    actions: JobActions, job: Job, filters: list[ListFilter], params: Mapping[str, Any]
) -> bool:
    flat = _flat(actions.context(job))
    for f in filters:
        wanted, actual = params[f.param], lookup(flat, f.field)
        if f.match == "json_subset":
            try:
                expected = json.loads(wanted) if isinstance(wanted, str) else wanted
            except ValueError:
                return False
            if not isinstance(expected, dict) or not isinstance(actual, dict):
                return False
            if any(actual.get(k) != v for k, v in expected.items()):
                return False
        elif str(actual) != str(wanted):
            return False
    return True


def _flat(context: dict[str, Any]) -> dict[str, Any]:
    # Filters and counts name the job's current status plainly, as ``status``.
    return {**context, "status": context["job"]["status"]}


def _cursor_page(
    actions: JobActions,
    bound: Binding,
    ns: Namespace,
    request: Request,
    ids: list[str],
    active: list[ListFilter],
    limit: int | None,
    newest_first: bool,
) -> Reply:
    rules = actions.profile.listing
    filters = {f.param: request.param(f.param) for f in active}
    after, before = request.param(rules.after_param), request.param(rules.before_param)
    step = -1 if newest_first else 1
    start = len(ids) - 1 if newest_first else 0
    backwards = before is not None and after is None
    anchor = before if backwards else after
    direction = -step if backwards else step
    if anchor is not None:
        resumed = ns.store.start_after(ids, str(anchor), direction)
        start = -1 if resumed is None else resumed
    page: list[Job] = []
    has_more = False
    for job in ns.store.walk(ids, start, direction):
        job = actions.observe(ns, job.id, poll=False)
        if active and not _keep(actions, job, active, filters):
            continue
        if limit is not None and len(page) >= limit:
            has_more = True
            break
        page.append(job)
    if backwards:
        page.reverse()
    # Forwards, there is a next page when the walk stopped early and a previous one when it
    # resumed after an id; backwards, the other way round.
    more_after = has_more if not backwards else bool(page)
    more_before = has_more if backwards else anchor is not None and bool(page)
    ahead, behind = rules.after_param, rules.before_param
    shown = [actions.cached_view(j, "item", request) for j in page]
    context = {
        **_common(request, page, shown, limit),
        "has_more": has_more,
        "next_token": page[-1].id if more_after else None,
        "next_url": _url(request, ahead, page[-1].id, behind) if more_after else None,
        "prev_token": page[0].id if more_before else None,
        "prev_url": _url(request, behind, page[0].id, ahead) if more_before else None,
    }
    return _page(actions, bound, context, shown)
