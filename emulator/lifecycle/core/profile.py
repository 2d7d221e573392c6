"""What differs between job APIs, as typed values parsed from a profile YAML file.

A profile binds a spec's operations to job actions (the rows of ``action_table``), and
says how ids, timestamps, statuses, retries, cancels, listings, auth and error envelopes look
for that provider. Templates inside it are rendered by ``emulator.lifecycle.render.template``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from emulator.lifecycle.render.template import Renderer, compile_template
from emulator.lifecycle.webhooks.events import WebhookRules

__all__ = [
    "DEFAULT_ERRORS",
    "VIEW_FALLBACKS",
    "AuthRules",
    "BoundOperation",
    "CancelRules",
    "ErrorKind",
    "JobRules",
    "ListFilter",
    "ListRules",
    "MonitorRules",
    "Profile",
    "RetryRules",
    "StatusRules",
    "TimelineRules",
]

# The status and message of every error kind, when a profile does not say otherwise (and for
# RFC 9457 answers, which have no profile at all).
DEFAULT_ERRORS: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "the request does not match the API's specification"),
    "malformed_body": (400, "the request body is not valid JSON"),
    "unsupported_media_type": (415, "unsupported content type"),
    "unauthenticated": (401, "missing credentials"),
    "invalid_token": (401, "invalid token"),
    "forbidden": (403, "insufficient permissions"),
    "not_found": (404, "job not found: {job_id}"),
    "route_not_found": (404, "no such path"),
    "method_not_allowed": (405, "method not allowed"),
    "invalid_state": (409, "the job cannot be {action} in status {job.status}"),
    "conflict": (409, "conflict"),
    "payload_too_large": (413, "the request body is too large"),
    "uri_too_long": (414, "the request URI is too long"),
    "rate_limited": (429, "too many requests"),
    "headers_too_large": (431, "the request headers are too large"),
    "server_error": (500, "internal server error"),
    "unavailable": (503, "service unavailable"),
}


@dataclass(frozen=True, slots=True)
class JobRules:
    id_prefix: str = ""
    id_kind: Literal["uuid4", "nanoid"] = "uuid4"
    id_length: int = 21
    # The characters of nanoid ids; None: URL-safe letters, digits, ``_`` and ``-``.
    id_alphabet: str | None = None
    # A name of ``emulator.lifecycle.render.timestamps.TIME_FORMATS`` or a strftime pattern.
    timestamps: str = "rfc3339"
    expires_after: float | None = None
    partition: str | None = None
    revision: bool = False
    # Timestamp name -> status: when the job last entered that status in its current attempt.
    stamps: Mapping[str, str] = field(default_factory=dict)
    # Ids the client names: a dotted path of the create request holding the id, and one
    # holding a prefix the rest of a generated id follows (``generateName``).
    id_from: str | None = None
    id_prefix_from: str | None = None
    # The error kind a create answers when its name is taken (in its partition).
    duplicate: str = "conflict"

    @property
    def client_named(self) -> bool:
        return self.id_from is not None or self.id_prefix_from is not None

    @property
    def scoped(self) -> bool:
        """Names unique within their partition only: the same name in two partitions is two
        jobs, so a job is found by its partition and its name together."""
        return self.client_named and self.partition is not None


@dataclass(frozen=True, slots=True)
class StatusRules:
    started: frozenset[str]
    terminal: frozenset[str]
    failed: frozenset[str]


@dataclass(frozen=True, slots=True)
class AuthRules:
    kind: Literal["none", "bearer", "api_key", "jwt"] = "none"
    algorithm: str = "HS256"
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RetryRules:
    model: Literal["reset", "new"] = "reset"
    allowed_from: frozenset[str] | None = None
    status: int = 200
    refused: str = "invalid_state"
    body_field: str | None = None
    body_default: str | None = None
    # How the provider spells the action in its refusals ("cannot be {action}").
    verb: str = "retried"


@dataclass(frozen=True, slots=True)
class CancelRules:
    status: int = 200
    to: str = "cancelled"
    immediate_from: frozenset[str] = frozenset()
    allowed_from: frozenset[str] = frozenset()
    refused: str = "invalid_state"
    verb: str = "cancelled"
    # What the cancelled job carries besides its status (``error.message``: why it stopped).
    error: Any = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MonitorRules:
    """A status monitor: polled like the job, in its own view; once the job has succeeded it
    shows that view (which may link to the result, or be the result) or redirects (303) to
    ``location``.

    The status of each answer: ``running_status`` while the job is not terminal (202 where
    the monitor says "still working" that way, as behind a ``Location`` header),
    ``failed_status`` once it failed or was cancelled, the binding's success status otherwise;
    None is the binding's success status.
    """

    done: Literal["view", "redirect"] = "view"
    # A template of the job context: where the result is, the 303's ``Location``.
    location: str | None = None
    # Seconds a client is told to wait (``Retry-After``) while the job is not terminal.
    retry_after: int | None = None
    running_status: int | None = None
    failed_status: int | None = None


@dataclass(frozen=True, slots=True)
class BoundOperation:
    """One operation as the profile binds it: the profile's name for it (the journal's
    ``action``, what faults and a scenario's ``on:`` name), the row of the action table it
    performs, and its own outcome where it differs from the action's: the view it answers
    with, its success status, response headers (templates of the job context) and, for a
    retry, cancel or monitor, its own rules."""

    name: str
    action: str
    operation: str
    view: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry: RetryRules | None = None
    cancel: CancelRules | None = None
    monitor: MonitorRules | None = None

    # Compiled once: the headers, and the monitor's location.
    renderers: Mapping[str, Renderer] = field(init=False, compare=False, repr=False)
    locate: Renderer | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        compiled = {name: compile_template(t) for name, t in self.headers.items()}
        object.__setattr__(self, "renderers", compiled)
        location = self.monitor.location if self.monitor is not None else None
        object.__setattr__(self, "locate", None if location is None else compile_template(location))


@dataclass(frozen=True, slots=True)
class ListFilter:
    param: str
    field: str
    match: Literal["equals", "json_subset"] = "equals"


@dataclass(frozen=True, slots=True)
class ListRules:
    style: Literal["offset", "cursor"] = "offset"
    offset_param: str = "offset"
    limit_param: str = "limit"
    before_param: str = "before"
    after_param: str = "after"
    token_param: str | None = None
    order_param: str | None = None
    # None: a page holds every job unless the request sets a limit.
    default_limit: int | None = 20
    zero_limit: Literal["default", "unlimited", "empty"] = "default"
    newest_first: bool = True
    filters: tuple[ListFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorKind:
    status: int
    body: Any
    media_type: str
    variables: Mapping[str, Any]
    # The kind writes its own body (``errors.kinds.<kind>.body``) rather than the envelope.
    own_body: bool = False


@dataclass(frozen=True, slots=True)
class TimelineRules:
    """How job events appear in a job's timeline: per event, the variables an entry is filled
    with, and the entry itself; all compiled at load."""

    entry: Renderer
    events: Mapping[str, Renderer]


# A view a profile does not write falls back along its chain, then to ``job``: a retry answers
# as a create does unless the profile says otherwise.
VIEW_FALLBACKS: dict[str, tuple[str, ...]] = {"retried": ("created",)}


# Providers check credentials before the body unless their profile says otherwise.
DEFAULT_CHECK_ORDER = ("auth", "request")


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    path: Path
    spec_path: Path | None
    scenarios_dir: Path | None
    default_scenario: str | None
    operations: Mapping[str, str]
    job: JobRules
    statuses: StatusRules
    auth: AuthRules
    check_order: tuple[str, ...]
    retry: RetryRules
    cancel: CancelRules
    # None: the delete operation's success status, as the spec declares it.
    delete_status: int | None
    listing: ListRules
    hidden: Mapping[str, str]
    # View name -> template; a view whose value is None (``none`` in YAML) answers no body.
    views: Mapping[str, Any]
    errors: Mapping[str, ErrorKind]
    timeline: TimelineRules | None
    count_by: Mapping[str, str]
    webhooks: WebhookRules | None = None
    # A status the operation does not declare: a spec gap (served, journaled) or a violation.
    undeclared: Literal["gap", "violation"] = "gap"
    # The profile writes an ``errors`` section: its envelope is the author's claim, and check
    # refuses one the spec forbids (without it, the default envelope earns a warning).
    errors_written: bool = False
    # Each name of ``operations`` as bound: those not given here perform the action they name.
    bindings: Mapping[str, BoundOperation] = field(default_factory=dict)

    # The views compiled once, derived from ``views`` (see ``template.compile_template``).
    renderers: Mapping[str, Renderer] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        compiled = {name: compile_template(t) for name, t in self.views.items() if t is not None}
        object.__setattr__(self, "renderers", compiled)
        bindings = {
            name: self.bindings.get(name) or BoundOperation(name, name, ref)
            for name, ref in self.operations.items()
        }
        object.__setattr__(self, "bindings", bindings)

    def action_of(self, name: str) -> str:
        """The action table's row the operation bound as ``name`` performs."""
        bound = self.bindings.get(name)
        return name if bound is None else bound.action

    def bound_as(self, action: str) -> list[str]:
        """The names of the operations bound to ``action``, in the profile's order."""
        return [name for name, bound in self.bindings.items() if bound.action == action]

    def retry_rules(self, name: str) -> RetryRules:
        bound = self.bindings.get(name)
        return bound.retry if bound is not None and bound.retry is not None else self.retry

    def cancel_rules(self, name: str) -> CancelRules:
        bound = self.bindings.get(name)
        return bound.cancel if bound is not None and bound.cancel is not None else self.cancel

    def renderer(self, view: str) -> Renderer | None:
        """The template that fills ``view``: its own, its fallback's, else the job view's."""
        for name in (view, *VIEW_FALLBACKS.get(view, ()), "job"):
            found = self.renderers.get(name)
            if found is not None:
                return found
        return None

    def explicit_view(self, view: str) -> tuple[bool, bool]:
        """Whether the profile writes ``view`` (or its fallback) itself, and if so whether
        that view is ``none``: no body. ``none`` is a view's own: a retry does not inherit
        ``created: none`` (it falls on to the job view)."""
        if view in self.views:
            return True, self.views[view] is None
        for name in VIEW_FALLBACKS.get(view, ()):
            if self.views.get(name) is not None:
                return True, False
        return False, False

    def error(self, kind: str) -> ErrorKind:
        return self.errors.get(kind) or self.errors["server_error"]
