"""Reading a profile file into a ``Profile``; every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, cast

from emulator.errors import ProfileError
from emulator.lifecycle.core.action_table import ACTION_TABLE, ActionTable
from emulator.lifecycle.core.profile import (
    DEFAULT_CHECK_ORDER,
    DEFAULT_ERRORS,
    AuthRules,
    BoundOperation,
    CancelRules,
    ErrorKind,
    JobRules,
    ListFilter,
    ListRules,
    MonitorRules,
    Profile,
    RetryRules,
    StatusRules,
    TimelineRules,
)
from emulator.lifecycle.load.webhook_load import load_webhook_rules
from emulator.lifecycle.render.template import compile_template, placeholders
from emulator.lifecycle.render.timestamps import time_format_problem
from emulator.lifecycle.render.views import JOB_TIMES
from emulator.yamlread import Reader, read_yaml

__all__ = ["SCHEMA_PATH", "load_profile"]

# The profile format as a JSON Schema, for editors (the loader's own checks say more, and say it
# at the key): tests/schemas/test_profile_schema.py holds it to the keys this module accepts.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "profile.schema.json"

_TOP_KEYS = (
    "name",
    "spec",
    "scenarios",
    "default_scenario",
    "operations",
    "job",
    "statuses",
    "auth",
    "check_order",
    "retry",
    "cancel",
    "delete",
    "list",
    "hidden",
    "views",
    "errors",
    "timeline",
    "stats",
    "webhooks",
    "undeclared",
)


def load_profile(path: str | Path, table: ActionTable = ACTION_TABLE) -> Profile:
    """Parse a profile file; raises ProfileError naming the file, the key and the problem.
    ``operations`` binds actions of ``table`` (the action table) to operations."""
    file = Path(path)
    r = Reader(str(file), read_yaml(file, ProfileError), error=ProfileError)
    r.only(*_TOP_KEYS)
    ops = r.section("operations", required=True)
    retry, cancel = r.section("retry"), r.section("cancel")
    bindings = {name: _binding(ops, name, table, retry, cancel) for name in ops.names()}
    for needed in (name for name, action in table.items() if action.required):
        if not any(bound.action == needed for bound in bindings.values()):
            r.fail("operations", f"a profile must bind {needed!r} to an operation")
    spec = r.opt_text("spec")
    scenarios = r.opt_text("scenarios")
    hidden = r.section("hidden")
    views = r.section("views")
    job = _job(r.section("job"))
    listing = _listing(r.section("list"))
    named = {b.view: b.name for b in bindings.values() if b.view is not None}
    for view in views.names():
        _check_view(views, view, set(job.stamps), listing.style, view in named)
    for view, name in named.items():
        if view not in views.data and view not in _VIEW_ROOTS:
            ops.fail(
                name, f"view {view!r} is not among the profile's views: {', '.join(views.names())}"
            )
    return Profile(
        name=r.text("name"),
        path=file,
        spec_path=(file.parent / spec).resolve() if spec else None,
        scenarios_dir=(file.parent.parent / "scenarios" / scenarios).resolve()
        if scenarios
        else None,
        default_scenario=r.opt_text("default_scenario"),
        operations={name: bound.operation for name, bound in bindings.items()},
        bindings=bindings,
        job=job,
        statuses=_statuses(r.section("statuses", required=True)),
        auth=_auth(r.section("auth")),
        check_order=_check_order(r),
        retry=_retry(retry),
        cancel=_cancel(cancel),
        delete_status=_delete_status(r.section("delete")),
        listing=listing,
        hidden={k: hidden.text(k) for k in hidden.names()},
        views={name: _view(views, name) for name in views.names()},
        errors=_errors(r.section("errors")),
        errors_written=r.has("errors"),
        timeline=_timeline(r.section("timeline")) if r.has("timeline") else None,
        count_by=_count_by(r.section("stats")),
        webhooks=load_webhook_rules(r.section("webhooks")) if r.has("webhooks") else None,
        undeclared=_undeclared(r),
    )


def _check_order(r: Reader) -> tuple[str, ...]:
    """A misspelt step would silently skip that check: refuse it."""
    steps = r.texts("check_order", list(DEFAULT_CHECK_ORDER))
    known = " and ".join(DEFAULT_CHECK_ORDER)
    for index, step in enumerate(steps):
        if step not in DEFAULT_CHECK_ORDER:
            r.fail(
                "check_order",
                f"item {index}: unknown check {step!r}; expected {known}, in the order the "
                "provider checks them",
            )
    return tuple(steps)


def _undeclared(r: Reader) -> Literal["gap", "violation"]:
    value = r.text("undeclared", "gap")
    if value not in ("gap", "violation"):
        r.fail("undeclared", f"expected gap or violation, got {value!r}")
    return "gap" if value == "gap" else "violation"


_BINDING_KEYS = ("operation", "action", "view", "status", "headers")
_RETRY_KEYS = ("model", "from", "status", "refused", "body_field", "body_default", "verb")
_CANCEL_KEYS = ("status", "to", "immediate_from", "from", "refused", "verb", "error", "fields")
_MONITOR_KEYS = ("done", "location", "retry_after", "running_status", "failed_status")
# The actions whose bindings take rules of their own, laid over (or, for a monitor, instead of)
# a section of the profile.
_ACTION_RULE_KEYS = {"retry": _RETRY_KEYS, "cancel": _CANCEL_KEYS, "monitor": _MONITOR_KEYS}
# An operation the profile names after none of the table's actions performs this one: a
# scenario's ``on: {<name>: <status>}`` says where it leads.
OWN_ACTION = "signal"


def _binding(
    ops: Reader, name: str, table: ActionTable, retry: Reader, cancel: Reader
) -> BoundOperation:
    """``name: operation`` binds the action ``name``; ``name: {operation, action?, ...}`` binds
    ``action`` (default: ``name`` when the table has it, else a profile's own action) with
    that operation's own outcome."""
    known = ", ".join(a for a in table if a != OWN_ACTION)
    if not isinstance(ops.raw(name), dict):
        if name not in table:
            ops.fail(
                name,
                f"unknown action {name!r}; expected one of {known}, or "
                "{operation: ..., action: ...} for an operation the profile names itself",
            )
        return BoundOperation(name, name, ops.text(name))
    b = ops.section(name)
    action = b.text("action", name if name in table else OWN_ACTION)
    if action not in table:
        b.fail("action", f"unknown action {action!r}; expected one of {known}")
    own = _ACTION_RULE_KEYS.get(action, ())
    b.only(*dict.fromkeys(_BINDING_KEYS + own))
    own_rules = {key: value for key, value in b.data.items() if key in own}
    headers = b.section("headers")
    for header in headers.names():
        headers.text(header)
    return BoundOperation(
        name=name,
        action=action,
        operation=b.text("operation"),
        view=b.opt_text("view"),
        status=None
        if action in ("retry", "cancel") or not b.has("status")
        else b.integer("status"),
        headers=dict(headers.data),
        retry=_retry(_merged(retry, b, own_rules)) if action == "retry" and own_rules else None,
        cancel=_cancel(_merged(cancel, b, own_rules)) if action == "cancel" and own_rules else None,
        monitor=_monitor(b) if action == "monitor" else None,
    )


def _merged(section: Reader, binding: Reader, own: dict[str, Any]) -> Reader:
    """The profile's section for an action with one binding's own keys laid over it; its
    mistakes are reported at the binding."""
    return Reader(binding.file, {**section.data, **own}, binding.pointer, binding.error)


def _monitor(r: Reader) -> MonitorRules:
    done = r.text("done", "view")
    if done not in ("view", "redirect"):
        r.fail("done", "expected view (answer the monitor's view) or redirect (303 to location)")
    if done == "redirect" and not r.has("location"):
        r.fail("location", "a monitor that redirects needs the result's location (a template)")
    retry_after = r.integer("retry_after") if r.has("retry_after") else None
    running, failed = (_http_status(r, key) for key in ("running_status", "failed_status"))
    return MonitorRules(
        done=cast(Literal["view", "redirect"], done),
        location=r.opt_text("location"),
        retry_after=retry_after,
        running_status=running,
        failed_status=failed,
    )


def _http_status(r: Reader, key: str) -> int | None:
    if not r.has(key):
        return None
    status = r.integer(key)
    if not 100 <= status <= 599:
        r.fail(key, f"expected an HTTP status (100 to 599), got {status}")
    return status


# What each view may name: the context ``emulator.lifecycle.render.views`` and
# ``emulator.lifecycle.core.listing`` fill.
_JOB_FIELDS = {
    "id",
    "name",
    "partition",
    "done",
    "status",
    "attempt",
    "attempt_count",
    "last_failure_code",
    "cancel_requested",
    "revision",
    "scenario",
    *JOB_TIMES,
}
_JOB_ROOTS = {"job", "request", "result", "error", "fields", "timeline", "base_url"}
# What a page of any style knows; an offset page also knows where it starts and the total.
_PAGE_ROOTS = {
    "items",
    "count",
    "limit",
    "first_id",
    "last_id",
    "has_more",
    "base_url",
    "url",
    "next_url",
    "next_token",
    "prev_url",
    "prev_token",
}
_OFFSET_ONLY = {"total", "offset"}
_VIEW_ROOTS = {
    "job": _JOB_ROOTS,
    "created": _JOB_ROOTS,
    "retried": _JOB_ROOTS,
    "cancelled": _JOB_ROOTS,
    "deleted": _JOB_ROOTS,
    "item": _JOB_ROOTS,
    "status": _JOB_ROOTS,
    "monitor": _JOB_ROOTS,
    "page": _PAGE_ROOTS | _OFFSET_ONLY,
    "stats": {"total", "counts"},
}
# Views that may be ``none``: the action answers without a body.
_BODILESS = {"created", "retried", "cancelled", "deleted"}


def _view(views: Reader, name: str) -> Any:
    template = views.raw(name)
    if template == "none" or template is None:
        if name not in _BODILESS:
            views.fail(name, f"only {', '.join(sorted(_BODILESS))} may be none (no body)")
        return None
    return template


def _check_view(views: Reader, view: str, stamps: set[str], style: str, bound: bool) -> None:
    """A misspelt name would silently render null: refuse it at load instead. A view of
    another name is a view of the job that an operation names (``view:``)."""
    roots = _VIEW_ROOTS.get(view) or (_JOB_ROOTS if bound else None)
    if roots is None:
        views.fail(
            view,
            f"unknown view; expected one of {', '.join(_VIEW_ROOTS)}, or one an operation "
            "names with view:",
        )
    if view == "page" and style == "cursor":
        for name in placeholders(views.raw(view)):
            if name.partition(".")[0] in _OFFSET_ONLY:
                known = ", ".join(sorted(_PAGE_ROOTS))
                views.fail(
                    view,
                    f"{{{name}}} is not known to a cursor-style list (it pages by id, so it "
                    f"neither starts at an offset nor counts every job); a cursor page can "
                    f"use {known}",
                )
    _check_names(views, view, f"{view} view", roots, stamps)


def _check_names(r: Reader, key: str, what: str, roots: set[str], stamps: set[str]) -> None:
    for name in placeholders(r.raw(key)):
        root, _, rest = name.partition(".")
        if root not in roots:
            known = ", ".join(sorted(roots))
            r.fail(key, f"unknown name {{{name}}}: a {what} can use {known}")
        if root == "job" and rest.split(".")[0] not in _JOB_FIELDS | stamps:
            known = ", ".join(sorted(_JOB_FIELDS | stamps))
            r.fail(key, f"unknown job field {{{name}}}; job fields: {known}")


_JOB_KEYS = ("id", "timestamps", "expires_after", "partition", "revision", "stamps")
_ID_KEYS = ("prefix", "nanoid", "alphabet", "from", "prefix_from", "duplicate")


def _job(r: Reader) -> JobRules:
    r.only(*_JOB_KEYS)
    raw_id = r.raw("id", "uuid4")
    alphabet = id_from = prefix_from = None
    duplicate = "conflict"
    if raw_id == "uuid4":
        prefix, kind, length = "", "uuid4", 36
    elif isinstance(raw_id, dict):
        ids = r.section("id")
        ids.only(*_ID_KEYS)
        prefix, kind, length = ids.text("prefix", ""), "nanoid", ids.integer("nanoid", 21)
        alphabet = ids.opt_text("alphabet")
        if alphabet is not None and len(set(alphabet)) < 2:
            ids.fail("alphabet", "an id alphabet needs at least two different characters")
        id_from, prefix_from = _request_path(ids, "from"), _request_path(ids, "prefix_from")
        duplicate = ids.text("duplicate", "conflict")
    else:
        r.fail("id", "expected 'uuid4' or {prefix: ..., nanoid: length}")
    stamps = r.text("timestamps", "rfc3339")
    problem = time_format_problem(stamps)
    if problem is not None:
        r.fail("timestamps", problem)
    return JobRules(
        id_prefix=prefix,
        id_kind=cast(Literal["uuid4", "nanoid"], kind),
        id_length=length,
        id_alphabet=alphabet,
        timestamps=stamps,
        expires_after=r.opt_number("expires_after"),
        partition=r.opt_text("partition"),
        revision=r.flag("revision"),
        stamps=_stamps(r.section("stamps")),
        id_from=id_from,
        id_prefix_from=prefix_from,
        duplicate=duplicate,
    )


def _request_path(r: Reader, key: str) -> str | None:
    """A dotted path into the create request (``request.body.metadata.name``), or None."""
    dotted = r.opt_text(key)
    roots = ("request.body.", "request.path.", "request.query.")
    if dotted is not None and not dotted.startswith(roots):
        r.fail(
            key, f"expected a path into the create request, like request.body.name; got {dotted!r}"
        )
    return dotted


def _stamps(r: Reader) -> dict[str, str]:
    for name in r.names():
        if not name.isidentifier():
            r.fail(name, "a timestamp name must be a plain identifier, like failed_at")
    return {name: r.text(name) for name in r.names()}


_STATUSES_KEYS = ("started", "terminal", "failed")


def _statuses(r: Reader) -> StatusRules:
    r.only(*_STATUSES_KEYS)
    return StatusRules(
        started=frozenset(r.texts("started", [])),
        terminal=frozenset(r.texts("terminal")),
        failed=frozenset(r.texts("failed", [])),
    )


_AUTH_KEYS = ("kind", "algorithm", "roles")


def _auth(r: Reader) -> AuthRules:
    r.only(*_AUTH_KEYS)
    kind = r.text("kind", "none")
    if kind not in ("none", "bearer", "api_key", "jwt"):
        r.fail("kind", "expected none, bearer, api_key or jwt")
    roles = r.section("roles")
    return AuthRules(
        kind=cast(Literal["none", "bearer", "api_key", "jwt"], kind),
        algorithm=r.text("algorithm", "HS256"),
        roles={name: frozenset(roles.texts(name)) for name in roles.names()},
    )


def _retry(r: Reader) -> RetryRules:
    r.only(*_RETRY_KEYS)
    model = r.text("model", "reset")
    if model not in ("reset", "new"):
        r.fail("model", "expected 'reset' (same job) or 'new' (a new job)")
    return RetryRules(
        model=cast(Literal["reset", "new"], model),
        allowed_from=frozenset(r.texts("from")) if r.has("from") else None,
        status=r.integer("status", 200),
        refused=r.text("refused", "invalid_state"),
        body_field=r.opt_text("body_field"),
        body_default=r.opt_text("body_default"),
        verb=r.text("verb", "retried"),
    )


def _cancel(r: Reader) -> CancelRules:
    r.only(*_CANCEL_KEYS)
    return CancelRules(
        status=r.integer("status", 200),
        to=r.text("to", "cancelled"),
        immediate_from=frozenset(r.texts("immediate_from", [])),
        allowed_from=frozenset(r.texts("from", [])),
        refused=r.text("refused", "invalid_state"),
        verb=r.text("verb", "cancelled"),
        error=r.raw("error"),
        fields=dict(r.section("fields").data),
    )


_DELETE_KEYS = ("status",)


def _delete_status(r: Reader) -> int | None:
    r.only(*_DELETE_KEYS)
    return r.integer("status") if r.has("status") else None


_LIST_KEYS = (
    "style",
    "offset_param",
    "limit_param",
    "before_param",
    "after_param",
    "token_param",
    "order_param",
    "default_limit",
    "zero_limit",
    "order",
    "filters",
)
_FILTER_KEYS = ("field", "match")


def _listing(r: Reader) -> ListRules:
    r.only(*_LIST_KEYS)
    style = r.text("style", "offset")
    if style not in ("offset", "cursor"):
        r.fail("style", "expected 'offset' or 'cursor'")
    zero = r.text("zero_limit", "default")
    if zero not in ("default", "unlimited", "empty"):
        r.fail("zero_limit", "expected default, unlimited or empty")
    order = r.text("order", "newest_first")
    if order not in ("newest_first", "oldest_first"):
        r.fail("order", "expected newest_first or oldest_first")
    filters = r.section("filters")
    parsed = []
    for param in filters.names():
        f = filters.section(param)
        f.only(*_FILTER_KEYS)
        match = f.text("match", "equals")
        if match not in ("equals", "json_subset"):
            f.fail("match", "expected equals or json_subset")
        parsed.append(
            ListFilter(param, f.text("field"), cast(Literal["equals", "json_subset"], match))
        )
    return ListRules(
        style=cast(Literal["offset", "cursor"], style),
        offset_param=r.text("offset_param", "offset"),
        limit_param=r.text("limit_param", "limit"),
        before_param=r.text("before_param", "before"),
        after_param=r.text("after_param", "after"),
        token_param=r.opt_text("token_param"),
        order_param=r.opt_text("order_param"),
        default_limit=_default_limit(r),
        zero_limit=cast(Literal["default", "unlimited", "empty"], zero),
        newest_first=order == "newest_first",
        filters=tuple(parsed),
    )


def _default_limit(r: Reader) -> int | None:
    if r.raw("default_limit") == "unlimited":
        return None
    limit = r.integer("default_limit", 20)
    if limit < 1:
        r.fail("default_limit", "expected a positive number of jobs, or unlimited")
    return limit


# Routing refusals happen before any operation is known: they are never the provider's words.
_ROUTING_KINDS = {"route_not_found", "method_not_allowed"}


_ERRORS_KEYS = ("media_type", "body", "kinds")


def _errors(r: Reader) -> dict[str, ErrorKind]:
    r.only(*_ERRORS_KEYS)
    media = r.text("media_type", "application/json")
    body: Any = r.raw("body", {"error": "{message}"})
    kinds = r.section("kinds")
    out: dict[str, ErrorKind] = {}
    for name in sorted(set(DEFAULT_ERRORS) - _ROUTING_KINDS | set(kinds.names())):
        k = kinds.section(name)
        default_status, default_message = DEFAULT_ERRORS.get(name, (500, name.replace("_", " ")))
        variables = {key: value for key, value in k.data.items() if key not in ("status", "body")}
        variables.setdefault("message", default_message)
        status = k.integer("status", default_status)
        out[name] = ErrorKind(status, k.raw("body", body), media, variables, k.has("body"))
    return out


_TIMELINE_KEYS = ("entry", "create", "retry", "statuses")


def _timeline(r: Reader) -> TimelineRules:
    r.only(*_TIMELINE_KEYS)
    events: dict[str, Any] = {}
    for name in ("create", "retry"):
        if r.has(name):
            events[name] = compile_template(dict(r.section(name).data))
    statuses = r.section("statuses")
    for status in statuses.names():
        events[f"status:{status}"] = compile_template(dict(statuses.section(status).data))
    return TimelineRules(entry=compile_template(r.raw("entry", {})), events=events)


_STATS_KEYS = ("count_by",)


def _count_by(r: Reader) -> dict[str, str]:
    r.only(*_STATS_KEYS)
    counts = r.section("count_by")
    return {name: counts.text(name) for name in counts.names()}
