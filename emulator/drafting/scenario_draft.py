"""The three scenarios of a draft: the happy path, a failure (then a retry, or a resubmit
where the API has no retry), and a cancel while running, where the API has a cancel.

States last a few polls or some seconds, whichever comes first, so an SDK's own waiting
helper finishes by polling alone while a test can move the clock instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.drafting.commented_yaml import commented_yaml
from emulator.drafting.status_words import StatusPlan

__all__ = ["draft_scenarios"]

_HEADER = ""
_FAILURE_MESSAGE = "The job failed (a drafted failure)."


def _opening(plan: StatusPlan, cancel_exit: str | None) -> list[dict[str, Any]]:
    """The states before the job ends: waiting for a poll, running for two."""
    states: list[dict[str, Any]] = []
    if plan.waiting:
        states.append({"status": plan.waiting, "for": {"polls": 1, "seconds": 5}})
    if plan.running:
        states.append({"status": plan.running, "for": {"polls": 2, "seconds": 60}})
    if not states:
        first = next(s for s in plan.names if s not in plan.terminal) if plan.names else None
        if first:
            states.append({"status": first, "for": {"polls": 2, "seconds": 60}})
    if cancel_exit:
        for state in states:
            state["on"] = {"cancel": cancel_exit}
    return states


def _winding_down(plan: StatusPlan) -> list[dict[str, Any]]:
    """After an accepted cancel, where the API has a ``cancelling`` status."""
    if not (plan.cancelling and plan.cancelled):
        return []
    return [
        {"status": plan.cancelling, "for": {"polls": 1, "seconds": 5}},
        {"status": plan.cancelled},
    ]


def draft_scenarios(
    plan: StatusPlan,
    result: Mapping[str, Any],
    error: Any,
    *,
    retry: bool,
    cancel: bool,
) -> dict[str, str]:
    """Scenario name -> YAML text."""
    cancel_exit = plan.cancelling if cancel and plan.cancelling and plan.cancelled else None
    out: dict[str, str] = {}
    done: dict[str, Any] = {"status": plan.succeeded}
    if result:
        done["result"] = dict(result)
    tail = _winding_down(plan) if cancel_exit else []
    out["happy-path"] = _scenario(
        f"Waits, runs, then {plan.succeeded} (drafted by jobs-emulator init).",
        [{"states": [*_opening(plan, cancel_exit), done, *tail]}],
    )
    if plan.failed:
        failed: dict[str, Any] = {"status": plan.failed}
        if error is not None:
            failed["error"] = error
        first = {"states": [*_opening(plan, cancel_exit), failed, *tail]}
        if retry:
            again = {"states": [*_opening(plan, None)[-1:], done]}
            out["fail-then-retry"] = _scenario(
                f"Runs, then {plan.failed}; the retry completes.", [first, again]
            )
        else:
            out["fails"] = _scenario(
                f"Runs, then {plan.failed}. The API has no retry: a client resubmits (creates "
                "the job again), and the new job plays the default scenario.",
                [first],
            )
    if cancel and plan.cancelled:
        running = plan.running or plan.waiting or plan.names[0]
        states: list[dict[str, Any]] = []
        if plan.waiting and plan.waiting != running:
            states.append({"status": plan.waiting, "for": {"polls": 1, "seconds": 5}})
        lasting: dict[str, Any] = {"status": running, "for": {"until": "cancel"}}
        if plan.cancelling:
            lasting["on"] = {"cancel": plan.cancelling}
        states.append(lasting)
        states.extend(_winding_down(plan) or [{"status": plan.cancelled}])
        out["cancel-while-running"] = _scenario(
            f"Runs until cancelled, then {plan.cancelled}.",
            [{"states": states}],
        )
    return out


def _scenario(description: str, attempts: list[dict[str, Any]]) -> str:
    return _HEADER + commented_yaml({"description": description, "attempts": attempts}, {})
