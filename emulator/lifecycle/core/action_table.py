"""What each job action is, in one table: its name, whether it acts on one job, the view it
answers with, its handler, the error kinds it can answer and how the view check renders it.

Dispatch (``emulator.http.dispatch``), the profile loader, the load checks
(``emulator.checks``) and the spec-gap prediction all read this table and nothing else, so a
new action is a row here and its handler::

    >>> ACTION_TABLE["status"].view, ACTION_TABLE["status"].job_bound
    ('status', True)
    >>> ACTION_TABLE["status"].handler is ACTION_TABLE["retrieve"].handler
    True

Tests, and later features, extend a copy (``{**ACTION_TABLE, "peek": Action(...)}``) and hand
it to ``emulator.build(action_table=...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.listing import list_jobs, queue_stats
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.replies import Binding, Reply, Request
from emulator.lifecycle.core.scenario import Scenario
from emulator.openapi.model import Operation, Spec
from emulator.openapi.spec_facts import success_status

__all__ = [
    "ACTION_TABLE",
    "Action",
    "ActionTable",
    "Bound",
    "Handler",
    "bind_operations",
    "bound_view",
    "no_refusals",
    "unknown_job",
]

# Called as ``handler(actions, binding, namespace, request, job_id, scenario)``: ``job_id`` is
# the operation's last path parameter (set for every job-bound action), ``scenario`` the one
# the request plays (for a create, the one the new job gets).
Handler = Callable[[JobActions, Binding, Namespace, Request, str | None, Scenario], Reply]
Refusals = Callable[[Profile], tuple[str, ...]]


def no_refusals(profile: Profile) -> tuple[str, ...]:
    return ()


def unknown_job(profile: Profile) -> tuple[str, ...]:
    return ("not_found",)


def _retry_refusals(profile: Profile) -> tuple[str, ...]:
    refused = (profile.retry_rules(name).refused for name in profile.bound_as("retry"))
    return ("not_found", *dict.fromkeys(refused))


def _cancel_refusals(profile: Profile) -> tuple[str, ...]:
    refused = (profile.cancel_rules(name).refused for name in profile.bound_as("cancel"))
    return ("not_found", *dict.fromkeys(refused))


def _signal_refusals(profile: Profile) -> tuple[str, ...]:
    return ("not_found", "invalid_state")


@dataclass(frozen=True, slots=True)
class Action:
    """One job action: everything dispatch and the load checks need to know of it."""

    name: str
    handler: Handler
    # Acts on the one job its operation's last path parameter names: the operation must have
    # one (``check_profile``), and an unknown id is the profile's ``not_found``.
    job_bound: bool
    # The profile view its answer renders; None: it answers with no body.
    view: str | None
    # What the view check renders ``view`` for, per scenario state: the job as it is in every
    # state ("job"), the job in the first state of each attempt, as a create or a retry answers
    # it ("new_job"), a list page holding the job ("page"); None: nothing to check.
    checked_as: Literal["job", "new_job", "page"] | None
    # The error kinds the handler may answer with, besides those of the request checks: what
    # the spec-gap prediction holds against the operation's declared statuses.
    refusals: Refusals = no_refusals
    # The request picks the new job's scenario (X-Emulator-Scenario, the scenarios' ``match``);
    # any other request plays its job's scenario, or the default one.
    starts_job: bool = False
    # Every profile must bind it.
    required: bool = False
    # Without a view the profile writes, it answers with a body only where the spec's success
    # response declares one (a delete: the deleted resource, or nothing).
    body_from_spec: bool = False


def bound_view(action: Action, profile: Profile, declares_body: bool) -> str | None:
    """The view ``action`` answers with under ``profile``, for an operation whose success
    response ``declares_body`` or not; None: no body (``view: none``, or a delete the spec
    answers without content)."""
    if action.view is None:
        return None
    written, bodiless = profile.explicit_view(action.view)
    if bodiless or (not written and action.body_from_spec and not declares_body):
        return None
    return action.view


ActionTable = Mapping[str, Action]


ACTION_TABLE: ActionTable = MappingProxyType(
    {
        action.name: action
        for action in (
            Action(
                "create",
                JobActions.create,
                job_bound=False,
                view="created",
                checked_as="new_job",
                starts_job=True,
                required=True,
            ),
            Action(
                "retrieve",
                JobActions.show,
                job_bound=True,
                view="job",
                checked_as="job",
                refusals=unknown_job,
                required=True,
            ),
            Action(
                "status",
                JobActions.show,
                job_bound=True,
                view="status",
                checked_as="job",
                refusals=unknown_job,
            ),
            Action("list", list_jobs, job_bound=False, view="page", checked_as="page"),
            Action(
                "retry",
                JobActions.retry,
                job_bound=True,
                view="retried",
                checked_as="new_job",
                refusals=_retry_refusals,
            ),
            Action(
                "cancel",
                JobActions.cancel,
                job_bound=True,
                view="cancelled",
                checked_as="job",
                refusals=_cancel_refusals,
            ),
            Action(
                "delete",
                JobActions.delete,
                job_bound=True,
                view="deleted",
                checked_as="job",
                refusals=unknown_job,
                body_from_spec=True,
            ),
            Action("stats", queue_stats, job_bound=False, view="stats", checked_as=None),
            # A status monitor (the 202 + Location pattern): polled like the job, in its own
            # view; done, that view or a 303 to the result (``MonitorRules``).
            Action(
                "monitor",
                JobActions.monitor,
                job_bound=True,
                view="monitor",
                checked_as="job",
                refusals=unknown_job,
            ),
            # An operation outside the job actions that still reads the job (its result, its
            # events), in its binding's view: not a poll.
            Action(
                "read",
                JobActions.read,
                job_bound=True,
                view="job",
                checked_as="job",
                refusals=unknown_job,
            ),
            # An action the profile names itself: its scenarios' ``on:`` say what it does.
            Action(
                "signal",
                JobActions.signal,
                job_bound=True,
                view="job",
                checked_as="job",
                refusals=_signal_refusals,
            ),
        )
    }
)


@dataclass(frozen=True, slots=True)
class Bound:
    """An operation of the spec the profile binds: to an action of the table, or as a read."""

    operation: Operation
    action: Action
    binding: Binding


def bind_operations(profile: Profile, spec: Spec, table: ActionTable) -> dict[str, Bound]:
    """Each operation the profile binds, by its key, with the view and status it answers with:
    what dispatch serves and the load checks render, worked out once and alike for both. A
    binding's own ``view:`` wins; else the action's view, as ``bound_view`` resolves it."""
    found: dict[str, Bound] = {}
    for name, rules in profile.bindings.items():
        op = spec.operation(rules.operation)
        if op is None:
            continue
        action = table[rules.action]
        success = rules.status or success_status(op)
        view = rules.view
        if view is None:
            declared = op.responses.get(str(success))
            view = bound_view(action, profile, declared is not None and bool(declared.content))
        found[op.key] = Bound(op, action, Binding(name, view, success))
    return found
