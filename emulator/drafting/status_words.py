"""Which statuses of a job are waiting, running, done, failed or cancelled, read from their
names (``queued``, ``IN_PROGRESS``, ``succeeded``, ``errored``, ``canceled``, ...).

>>> plan = sort_statuses(["QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED"])
>>> plan.waiting, plan.running, plan.succeeded, plan.failed, plan.cancelled
('QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["StatusPlan", "sort_statuses", "status_kind"]

# Words a status name is made of, by what they say about the job. The order of the kinds
# matters where a name holds words of two (``cancellation_requested``: cancelling, not waiting).
_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("cancelling", frozenset({"cancelling", "canceling", "cancellation", "stopping", "aborting"})),
    ("cancelled", frozenset({"cancelled", "canceled", "stopped", "aborted", "terminated"})),
    (
        "failed",
        frozenset(
            {
                "failed",
                "failure",
                "error",
                "errored",
                "timeout",
                "expired",
                "rejected",
                "invalid",
                "dead",
                "crashed",
                "exceeded",
            }
        ),
    ),
    (
        "succeeded",
        frozenset(
            {
                "succeeded",
                "success",
                "successful",
                "completed",
                "complete",
                "done",
                "finished",
                "ready",
                "available",
                "processed",
            }
        ),
    ),
    (
        "running",
        frozenset(
            {
                "running",
                "processing",
                "progress",
                "active",
                "started",
                "executing",
                "training",
                "inprogress",
                "working",
                "busy",
                "compressing",
                "uploading",
                "finalizing",
            }
        ),
    ),
    (
        "waiting",
        frozenset(
            {
                "queued",
                "pending",
                "submitted",
                "created",
                "validating",
                "waiting",
                "scheduled",
                "starting",
                "accepted",
                "new",
                "notstarted",
                "initializing",
                "enqueued",
                "received",
            }
        ),
    ),
)
_ENDINGS = ("succeeded", "failed", "cancelled", "cancelling")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


def status_kind(name: str) -> str | None:
    """``waiting``, ``running``, ``succeeded``, ``failed``, ``cancelling``, ``cancelled``, or
    None for a name this reads nothing from."""
    joined = re.sub(r"[^a-z]", "", name.lower())
    words = {w.lower() for w in _WORD.findall(name)}
    # The whole name first: ``notStarted`` is waiting, though one of its words says running.
    for candidates in ({joined}, words):
        for kind, vocabulary in _KINDS:
            if candidates & vocabulary:
                return kind
    return None


@dataclass(frozen=True, slots=True)
class StatusPlan:
    """The statuses a draft plays: one of each kind the spec has (None where it has none),
    the spec's order kept, and every status sorted into ``terminal``/``failed``."""

    names: tuple[str, ...]
    waiting: str | None
    running: str | None
    succeeded: str | None
    failed: str | None
    cancelled: str | None
    cancelling: str | None
    terminal: tuple[str, ...]
    failures: tuple[str, ...]
    unread: tuple[str, ...]


def sort_statuses(names: Sequence[str]) -> StatusPlan:
    by_kind: dict[str, list[str]] = {}
    unread = []
    for name in names:
        kind = status_kind(name)
        if kind is None:
            unread.append(name)
        else:
            by_kind.setdefault(kind, []).append(name)

    def first(kind: str) -> str | None:
        found = by_kind.get(kind)
        return found[0] if found else None

    if "running" not in by_kind:
        # A name that says nothing, between the waiting and the ending ones, is the work itself
        # (``exporting``, ``transcoding``).
        ends = [i for i, n in enumerate(names) if status_kind(n) in _ENDINGS]
        before_end = [n for n in unread if not ends or names.index(n) < ends[0]]
        if before_end:
            by_kind["running"] = [before_end[0]]
            unread.remove(before_end[0])
    failures = tuple(by_kind.get("failed", ()))
    terminal = tuple(n for n in names if status_kind(n) in ("succeeded", "failed", "cancelled"))
    return StatusPlan(
        names=tuple(names),
        waiting=first("waiting"),
        running=first("running"),
        succeeded=first("succeeded"),
        failed=_plain_failure(failures),
        cancelled=first("cancelled"),
        cancelling=first("cancelling"),
        terminal=terminal,
        failures=failures,
        unread=tuple(unread),
    )


def _plain_failure(failures: Sequence[str]) -> str | None:
    """The failure a scenario plays: ``failed``/``error`` over ``expired`` or ``timeout``."""
    for name in failures:
        if re.sub(r"[^a-z]", "", name.lower()) in ("failed", "failure", "error", "errored"):
            return name
    return failures[0] if failures else None
