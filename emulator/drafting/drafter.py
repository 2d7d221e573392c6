"""``draft_profile``: a spec in, a profile and its scenarios out, with what was guessed.

The draft binds the job resource ``resource_finder`` ranks first (or the one asked for),
reads ids, timestamps and statuses from its schema, drafts each view field by field, the list
section from the list operation, the errors from the error schemas, and three scenarios. A
create pointing at a status monitor (``Operation-Location``) gets that header as a template,
and a monitor of its own is bound to the ``monitor`` action; an Operation (AIP-151) is drafted
as a view of the job. What it cannot decide is listed in ``Draft.undecided``; what it cannot
express yet is left unbound and listed there too, so the draft always loads.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.drafting.commented_yaml import commented_yaml
from emulator.drafting.error_envelope import draft_errors
from emulator.drafting.field_templates import FieldRules, ViewDraft, draft_view, timestamp_style
from emulator.drafting.job_naming import (
    id_field,
    id_rule,
    named_by_path,
    path_template,
    resource_name,
)
from emulator.drafting.paging_guess import draft_paging
from emulator.drafting.resource_finder import (
    JobResource,
    find_job,
    find_resources,
    items_schema,
    properties,
    success_of,
)
from emulator.drafting.sample_values import SampleValues, type_of
from emulator.drafting.scenario_draft import draft_scenarios
from emulator.drafting.scenario_values import scenario_error, scenario_result
from emulator.drafting.status_words import StatusPlan, sort_statuses
from emulator.openapi import Operation, Spec, load_spec

__all__ = ["Draft", "DraftError", "draft_profile", "write_draft"]

_FALLBACK_STATUSES = ("queued", "running", "succeeded", "failed")
# An Operation shows no status: the scenarios play these, and ``done`` says which are ends.
_OPERATION_STATUSES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")
_OTHERS_SHOWN = 8
_NAME = re.compile(r"[^a-z0-9]+")


class DraftError(Exception):
    """The spec has nothing a draft can bind (no job resource), or the one asked for."""


@dataclass(frozen=True, slots=True)
class Draft:
    name: str
    resource: str
    profile: Mapping[str, Any]
    profile_text: str
    scenarios: Mapping[str, str]
    undecided: tuple[str, ...]
    # Other job resources of the spec, for ``--resource``.
    others: tuple[str, ...]
    # Per view field, the rule that drafted it (see ``field_templates``).
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Notes:
    comments: dict[str, str] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)

    def under(self, prefix: str, comments: Mapping[str, str]) -> None:
        for key, text in comments.items():
            self.comments[f"{prefix}.{key}"] = text


def name_from(spec: Spec, resource: JobResource) -> str:
    """A profile name from the spec's title (``Mistral AI API`` -> ``mistral-ai``)."""
    words = _NAME.sub("-", spec.title.lower()).strip("-").removesuffix("-api")
    return words or _NAME.sub("-", resource.collection.lower()).strip("-") or "provider"


def draft_profile(
    spec_path: str | os.PathLike[str], name: str | None = None, resource: str | None = None
) -> Draft:
    """Draft a profile and scenarios for the spec at ``spec_path``. ``resource`` picks a job
    resource by a part of its path; raises ``SpecError`` for an unreadable spec and
    ``DraftError`` when no job resource is found."""
    spec = load_spec(spec_path, bound=())
    found = find_resources(spec)
    if resource is not None:
        found = [r for r in found if resource in r.collection or resource in r.item_path]
    if not found:
        raise DraftError(
            f"{spec_path}: no job resource"
            + (f" matching {resource!r}" if resource else "")
            + ": a job resource is a POST on a collection path and a GET on its item path "
            "answering an object with a status field"
        )
    chosen, others = found[0], tuple(r.label for r in found[1:])
    notes = _Notes()
    return _Drafting(spec, chosen, notes).draft(name or name_from(spec, chosen), others)


class _Drafting:
    def __init__(self, spec: Spec, resource: JobResource, notes: _Notes) -> None:
        self.spec = spec
        self.resource = resource
        self.notes = notes
        self.samples = SampleValues(spec.registry)
        self.job = resource.job
        self.plan = self._plan()
        self.rules = self._field_rules()

    def _plan(self) -> StatusPlan:
        statuses = self.resource.statuses
        if not statuses and self.job.shape == "operation":
            self.notes.comments["statuses"] = (
                "guess: an Operation shows no status but done; the scenarios play these"
            )
            return sort_statuses(_OPERATION_STATUSES)
        if not statuses:
            self.notes.undecided.append(
                f"{self.resource.retrieve.key}: '{self.job.status_field}' lists no statuses; "
                f"drafted with {', '.join(_FALLBACK_STATUSES)}"
            )
            statuses = _FALLBACK_STATUSES
        plan = sort_statuses(statuses)
        if plan.unread:
            self.notes.undecided.append(
                f"statuses read nothing from their names: {', '.join(plan.unread)} (left out of "
                "started, terminal and failed)"
            )
        if plan.succeeded is None:
            self.notes.undecided.append(
                f"no status reads as success; the happy path ends in {plan.names[-1]}"
            )
        return plan

    def _request_schema(self, op: Operation) -> Mapping[str, Any]:
        if op.request_body is None:
            return {}
        for media_type, media in op.request_body.content.items():
            if "json" in media_type and isinstance(media.schema, Mapping):
                return media.schema
        return {}

    def _field_rules(self) -> FieldRules:
        body = self._request_schema(self.resource.create)
        required = set(body.get("required", ()))
        for member in body.get("allOf", ()):
            if isinstance(member, Mapping):
                required |= set(member.get("required", ()))
        monitor = self.resource.monitor
        style = (
            timestamp_style(self.job.schema)
            or (timestamp_style(monitor.job.schema) if monitor is not None else None)
            or timestamp_style(self._list_items())
        )
        if style is None:
            style = "rfc3339"
            self.notes.comments["job.timestamps"] = "guess: the job shows no creation time"
        else:
            self.notes.comments["job.timestamps"] = "guess: as the job's creation time is written"
        params = {p.name for p in self.resource.create.parameters if p.location == "path"}
        operation = self.job.shape == "operation"
        field = "name" if operation else id_field(self.job.schema, self.resource.item_path)
        # A resource named by its path (AIP-122: projects/p/locations/l/jobs/123) shows it.
        named = named_by_path(self.resource, field)
        return FieldRules(
            id_field=field,
            status_field=self.job.status_field,
            timestamps=style,
            statuses=self.plan.names,
            request_fields=properties(body),
            request_required=frozenset(required),
            path_params=frozenset(params),
            samples=self.samples,
            id_template=resource_name(self.resource) if operation or named else "{job.id}",
            operation=operation,
        )

    def _list_items(self) -> Mapping[str, Any]:
        """The schema of a list page's items, ``{}`` without a list."""
        op = self.resource.listing
        _, page = success_of(op) if op is not None else (0, None)
        found = items_schema(page, self.job.status_field) if page is not None else None
        return found[1] if found is not None and isinstance(found[1], Mapping) else {}

    # The sections.

    def draft(self, name: str, others: Sequence[str]) -> Draft:
        resource, notes = self.resource, self.notes
        job_view = draft_view(self.job.schema, self.rules)
        operations: dict[str, Any] = {
            "create": resource.create.key,
            "retrieve": resource.retrieve.key,
        }
        notes.comments["operations.create"] = "guess: " + self._why_create()
        if resource.monitor_header:
            operations["create"] = self._monitored_create()
        profile: dict[str, Any] = {
            "name": name,
            "spec": "",
            "scenarios": name,
            "default_scenario": "happy-path",
            "operations": operations,
            "job": self._job_rules(job_view),
            "statuses": self._statuses(),
            "auth": {"kind": self._auth_kind()},
        }
        views: dict[str, Any] = {
            "job": self._wrap(job_view.template, self.job.envelope, self.job.answer)
        }
        notes.under("views.job", _prefixed(job_view.comments, self.job.envelope))
        created = self._created_view(job_view)
        if resource.monitor is not None:
            views["monitor"] = self._monitor(operations)
            if created == "monitor":
                operations["create"]["view"] = "monitor"
                created = None
        if created is not None:
            views["created"] = created
        retry_ok = self._bind(operations, views, "retry", resource.retry, "retried")
        cancel_ok = self.plan.cancelled is not None and self._bind(
            operations, views, "cancel", resource.cancel, "cancelled"
        )
        if resource.cancel is not None and self.plan.cancelled is None:
            notes.undecided.append(
                f"{resource.cancel.key}: no status reads as cancelled; cancel left unbound"
            )
        if resource.status is not None:
            operations["status"] = resource.status.key
            views["status"] = self._light_view(resource.status, job_view)
        page = self._listing(profile, operations, views, job_view)
        if page is not None:
            views["page"] = page
        self._delete(operations, views)
        if retry_ok:
            profile["retry"] = self._retry_rules()
        if cancel_ok:
            profile["cancel"] = self._cancel_rules()
        profile["views"] = views
        bound = [op for op in self._bound_ops(operations)]
        refusing = [op for op in (resource.cancel, resource.retry) if op is not None]
        errors = draft_errors(bound, refusing, self.samples)
        profile["errors"] = errors.section
        notes.under("errors", errors.comments)
        scenarios = draft_scenarios(
            self.plan,
            scenario_result(job_view, self.spec, resource, self.samples, notes.undecided),
            scenario_error(job_view, self.samples),
            retry=retry_ok,
            cancel=cancel_ok,
        )
        header = _header(self.spec, resource, others)
        text = header + commented_yaml(profile, notes.comments, blank_between=True)
        return Draft(
            name=name,
            resource=resource.collection,
            profile=profile,
            profile_text=text,
            scenarios=scenarios,
            undecided=tuple(notes.undecided),
            others=tuple(others),
            kinds=dict(job_view.kinds),
        )

    def _why_create(self) -> str:
        create, resource = self.resource.create, self.resource
        status, _ = success_of(create)
        if resource.monitor_header:
            polled = resource.monitor.operation.path if resource.monitor else resource.item_path
            return (
                f"POST {create.path} answers {status} with {resource.monitor_header}: the "
                f"status monitor {polled}"
            )
        if self.job.shape == "operation":
            return (
                f"POST {create.path} answers an Operation, polled at {resource.item_path} "
                "until done"
            )
        return (
            f"POST {create.path} answers {status} and {resource.item_path} returns the "
            f"job with its '{self.job.status_field}'"
        )

    def _monitored_create(self) -> dict[str, Any]:
        """The create's binding with the header naming its status monitor (a template of the
        monitor's path, its required query parameters carried over from the create's)."""
        resource = self.resource
        polled = resource.monitor.operation if resource.monitor else resource.retrieve
        own_query = {p.name for p in resource.create.parameters if p.location == "query"}
        query = [
            f"{p.name}={{request.query.{p.name}}}"
            for p in polled.parameters
            if p.location == "query" and p.required and p.name in own_query
        ]
        url = "{base_url}" + path_template(self.resource, polled.path)
        if query:
            url += "?" + "&".join(query)
        assert resource.monitor_header is not None
        return {"operation": resource.create.key, "headers": {resource.monitor_header: url}}

    def _monitor(self, operations: dict[str, Any]) -> Any:
        """The monitor action and its view: polled like the job, 303 to the job once done."""
        monitor = self.resource.monitor
        assert monitor is not None
        operations["monitor"] = {
            "operation": monitor.operation.key,
            "done": "redirect",
            "location": "{base_url}" + path_template(self.resource, self.resource.item_path),
        }
        self.notes.comments["operations.monitor"] = (
            f"guess: {monitor.operation.key} answers 303 once done: to the job's retrieve"
        )
        inner = draft_view(monitor.job.schema, self.rules)
        self.notes.under("views.monitor", _prefixed(inner.comments, monitor.job.envelope))
        return self._wrap(inner.template, monitor.job.envelope, monitor.job.answer)

    def _bound_ops(self, operations: Mapping[str, Any]) -> list[Operation]:
        refs = [
            entry if isinstance(entry, str) else entry["operation"] for entry in operations.values()
        ]
        return [op for ref in refs if (op := self.spec.operation(ref))]

    def _wrap(self, view: Any, envelope: tuple[str, ...], answer: Mapping[str, Any]) -> Any:
        """The job view inside the answer's envelope, its other required fields constant."""
        if not envelope:
            return view
        outer: dict[str, Any] = {envelope[0]: view}
        props = properties(answer)
        for name in answer.get("required", ()):
            if name not in outer and name in props:
                outer[name] = self.samples.least(props[name], name)
        return outer

    def _job_rules(self, job_view: ViewDraft) -> dict[str, Any]:
        made = id_rule(self.job.schema, self.rules.id_field, self.resource)
        self.notes.comments["job.id"] = made.comment
        if made.undecided:
            self.notes.undecided.append(made.undecided)
        rules: dict[str, Any] = {"id": made.rule, "timestamps": self.rules.timestamps}
        if job_view.stamps:
            rules["stamps"] = dict(job_view.stamps)
        if any(self._expires(n) for n in properties(self.job.schema)):
            rules["expires_after"] = 86400
            self.notes.comments["job.expires_after"] = "guess: jobs expire a day after creation"
        return rules

    def _expires(self, name: str) -> bool:
        return name in ("expires_at", "expiresAt") and "job.expires_at" in json.dumps(
            draft_view(self.job.schema, self.rules).template
        )

    def _statuses(self) -> dict[str, Any]:
        plan = self.plan
        started = [s for s in (plan.running,) if s]
        self.notes.comments["statuses"] = "guess: read from the status names"
        return {
            "started": started,
            "terminal": list(plan.terminal) or [plan.names[-1]],
            "failed": list(plan.failures),
        }

    def _auth_kind(self) -> str:
        requirements = self.resource.create.security
        names = [name for requirement in requirements for name in requirement]
        schemes = [self.spec.security_schemes[n] for n in names if n in self.spec.security_schemes]
        if not schemes:
            self.notes.comments["auth"] = "guess: the spec asks for no credential"
            return "none"
        first = schemes[0]
        if first.kind == "apiKey":
            self.notes.comments["auth"] = f"guess: an API key in {first.param_name}; any value"
            return "api_key"
        self.notes.comments["auth"] = "guess: a bearer token; any value"
        return "bearer"

    def _same_answer(self, op: Operation) -> bool:
        """Whether ``op`` answers the job as retrieve does (so the ``job`` view fits it)."""
        _, schema = success_of(op)
        if schema is None:
            return False
        if _same(schema, self.job.answer):
            return True
        found = find_job(schema)
        return (
            found is not None
            and found.envelope == self.job.envelope
            and _same(found.schema, self.job.schema)
        )

    def _bind(
        self,
        operations: dict[str, Any],
        views: dict[str, Any],
        action: str,
        op: Operation | None,
        view_name: str,
    ) -> bool:
        """Bind ``op`` to ``action``: plainly when it answers the job as retrieve does, else
        with a view of its own drafted from its answer (``{operation, action, view}``)."""
        if op is None:
            return False
        if self._same_answer(op):
            operations[action] = op.key
            return True
        _, schema = success_of(op)
        views[view_name] = (
            "none" if schema is None else self._answer_view(schema, f"views.{view_name}")
        )
        operations[action] = {"operation": op.key, "action": action, "view": view_name}
        self.notes.comments[f"operations.{action}"] = (
            f"guess: {op.key} answers a shape of its own: the '{view_name}' view"
        )
        return True

    def _answer_view(self, schema: Mapping[str, Any], where: str) -> Any:
        """A view of an answer that is not the job as retrieve shows it: the job inside its
        own envelope, or the answer's fields drafted one by one."""
        found = find_job(schema)
        if found is not None:
            inner = draft_view(found.schema, self.rules)
            self.notes.under(where, _prefixed(inner.comments, found.envelope))
            return self._wrap(inner.template, found.envelope, schema)
        inner = draft_view(schema, self.rules)
        self.notes.under(where, inner.comments)
        return inner.template

    def _created_view(self, job_view: ViewDraft) -> Any:
        create = self.resource.create
        status, schema = success_of(create)
        declared = create.responses.get(str(status))
        if schema is None and declared is not None and not declared.content:
            # Any view would be a body the spec forbids: check refuses the profile.
            self.notes.undecided.append(f"{create.key} declares {status} without a body")
            return "none"
        if schema is None:
            self.notes.undecided.append(f"{create.key} declares no JSON answer; it answers the job")
            return None
        if _same(schema, self.job.answer):
            return None
        monitor = self.resource.monitor
        if monitor is not None and _same(schema, monitor.job.answer):
            return "monitor"
        self.notes.comments["views.created"] = "guess: create answers a shape of its own"
        return self._answer_view(schema, "views.created")

    def _light_view(self, op: Operation, job_view: ViewDraft) -> Any:
        _, schema = success_of(op)
        if schema is None or _same(schema, self.job.answer):
            return self._wrap(job_view.template, self.job.envelope, self.job.answer)
        inner = draft_view(schema, self.rules)
        self.notes.under("views.status", inner.comments)
        return inner.template

    def _listing(
        self,
        profile: dict[str, Any],
        operations: dict[str, str],
        views: dict[str, Any],
        job_view: ViewDraft,
    ) -> Any:
        op = self.resource.listing
        if op is None:
            return None
        _, page = success_of(op)
        assert page is not None  # found by its items
        found = items_schema(page, self.job.status_field)
        assert found is not None
        items_key, items = found
        if self.job.envelope or not self._items_fit(items, job_view):
            # A page's items are the job in a shape of their own (narrower, or unwrapped).
            views["item"] = self._answer_view(items, "views.item")
            self.notes.comments["views.item"] = (
                f"guess: {op.key} lists items in a shape of their own"
            )
        paging = draft_paging(op, page, items_key, self.samples)
        operations["list"] = op.key
        profile["list"] = paging.rules
        self.notes.undecided.extend(paging.undecided)
        for key, text in paging.comments.items():
            where = f"views.{key}" if key.startswith("page.") else f"list.{key}"
            self.notes.comments[where] = text
        return paging.page

    def _items_fit(self, items: Mapping[str, Any], job_view: ViewDraft) -> bool:
        if _same(items, self.job.schema):
            return True
        names = {k.rstrip("?") for k in job_view.template}
        props = set(properties(items))
        required = set(items.get("required", ()))
        closed = items.get("additionalProperties") is False
        return required <= names and (not closed or names <= props)

    def _delete(self, operations: dict[str, Any], views: dict[str, Any]) -> None:
        op = self.resource.delete
        if op is None:
            return
        _, schema = success_of(op)
        if schema is not None and not _same(schema, self.job.answer):
            # The deleted resource in a shape of its own (an empty object, a tombstone).
            views["deleted"] = self._answer_view(schema, "views.deleted")
            self.notes.comments["views.deleted"] = f"guess: {op.key} answers a shape of its own"
        operations["delete"] = op.key

    def _retry_rules(self) -> dict[str, Any]:
        assert self.resource.retry is not None
        status, _ = success_of(self.resource.retry)
        rules: dict[str, Any] = {"model": "new" if status == 201 else "reset", "status": status}
        self.notes.comments["retry.model"] = (
            "guess: 201 makes a new job" if status == 201 else "guess: the same job runs again"
        )
        allowed = [*self.plan.failures, *([self.plan.cancelled] if self.plan.cancelled else [])]
        if allowed:
            rules["from"] = allowed
        return rules

    def _cancel_rules(self) -> dict[str, Any]:
        assert self.resource.cancel is not None and self.plan.cancelled is not None
        status, _ = success_of(self.resource.cancel)
        rules: dict[str, Any] = {"to": self.plan.cancelled, "status": status}
        if "canceled" in self.plan.cancelled.lower():
            rules["verb"] = "canceled"
        if self.job.shape == "operation":
            rules["error"] = self._cancelled_error()
        if not self.plan.cancelling:
            at_once = [s for s in (self.plan.waiting, self.plan.running) if s]
            if at_once:
                rules["immediate_from"] = at_once
                self.notes.comments["cancel.immediate_from"] = (
                    "guess: a cancel takes effect at once"
                )
        return rules

    def _cancelled_error(self) -> Any:
        """What a cancelled Operation carries: AIP-151's error with code 1 (CANCELLED)."""
        error = properties(self.job.schema).get("error")
        fields = properties(error) if isinstance(error, Mapping) else {}
        value: dict[str, Any] = {"message": "The operation was cancelled."}
        if type_of(fields.get("code")) == "integer":
            value = {"code": 1, **value}
        self.notes.comments["cancel.error"] = "guess: a cancelled Operation's error is CANCELLED"
        return value


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _prefixed(comments: Mapping[str, str], envelope: tuple[str, ...]) -> dict[str, str]:
    prefix = ".".join(envelope)
    return {f"{prefix}.{k}" if prefix else k: v for k, v in comments.items()}


def _header(spec: Spec, resource: JobResource, others: Sequence[str]) -> str:
    lines = [
        f"# Drafted by `jobs-emulator init` from {spec.path.name} ({spec.title}).",
        f"# Job resource: {resource.collection} (POST) and {resource.item_path} (GET).",
        "# Every line marked 'guess' was read from names and types: check it against the "
        "provider's docs.",
    ]
    if others:
        # The most job-like few: a large spec has hundreds (init prints how many).
        shown = ", ".join(others[:_OTHERS_SHOWN])
        more = f" and {len(others) - _OTHERS_SHOWN} more" if len(others) > _OTHERS_SHOWN else ""
        lines.append(f"# Other job resources in the spec (--resource PATH): {shown}{more}")
    return "\n".join(lines) + "\n"


def write_draft(draft: Draft, spec_path: Path, out: Path, *, force: bool = False) -> list[Path]:
    """Write the draft under ``out``: ``specs/NAME.profile.yaml`` and ``scenarios/NAME/``,
    the profile's ``spec`` relative to it. Refuses to overwrite unless ``force``."""
    profile_path = out / "specs" / f"{draft.name}.profile.yaml"
    scenario_dir = out / "scenarios" / draft.name
    targets = [profile_path] + [scenario_dir / f"{n}.yaml" for n in draft.scenarios]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]} exists; pass --force to overwrite")
    relative = os.path.relpath(spec_path.resolve(), profile_path.parent.resolve())
    text = draft.profile_text.replace("\nspec: ''\n", f"\nspec: {relative}\n", 1)
    profile_path.parent.mkdir(parents=True, exist_ok=True)
    scenario_dir.mkdir(parents=True, exist_ok=True)
    profile_path.write_text(text)
    for scenario, body in draft.scenarios.items():
        (scenario_dir / f"{scenario}.yaml").write_text(body)
    return targets
