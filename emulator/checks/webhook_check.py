"""Webhook payloads against the spec: each one before it is sent, and every one a scenario
could make at load time, so a payload the spec's webhook schema forbids never surprises a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.checks.view_check import sample_states
from emulator.errors import ProfileError, ScenarioError
from emulator.lifecycle.core.actions import JobActions
from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.core.scenario import Scenario
from emulator.lifecycle.render.timestamps import format_time
from emulator.lifecycle.render.views import job_context
from emulator.lifecycle.webhooks.events import WebhookEvent, event_context
from emulator.openapi.model import MediaType, Spec

__all__ = ["check_webhooks", "payload_errors", "render_payload", "schema_of"]


def schema_of(spec: Spec, event: WebhookEvent) -> MediaType | None:
    """The spec's declaration for ``event``: its ``spec`` name, else a webhook of its name."""
    return spec.webhooks.get(event.spec or event.name)


def payload_errors(media: MediaType | None, payload: Any) -> list[str]:
    """What is wrong with ``payload`` by the spec's schema, each as ``'path': message``."""
    if media is None or media.validator is None:
        return []
    return [
        f"'{'/'.join(str(p) for p in error.absolute_path)}': {error.message}"
        for error in media.validator.iter_errors(payload)
    ]


def render_payload(
    profile: Profile, event: WebhookEvent, context: Mapping[str, Any], message_id: str, at: float
) -> Any:
    stamp = format_time(at, profile.job.timestamps)
    return event.render(event_context(context, event.name, message_id, stamp))


def check_webhooks(profile: Profile, spec: Spec, scenarios: Mapping[str, Scenario]) -> None:
    """Refuse a profile naming a webhook the spec lacks, and a scenario state whose payload
    the spec's webhook schema forbids."""
    rules = profile.webhooks
    if rules is None:
        return
    for event in rules.events:
        if event.spec is not None and event.spec not in spec.webhooks:
            known = ", ".join(sorted(spec.webhooks)) or "none"
            raise ProfileError(
                str(profile.path),
                f"/webhooks/events/{event.name}/spec",
                f"the spec {spec.path.name} declares no webhook or callback {event.spec!r}; "
                f"it declares: {known}",
            )
    actions = JobActions(profile, scenarios)
    request: dict[str, Any] = {"body": {}, "path": {}, "query": {}}
    message_id = rules.id_prefix + "2mXq7rB9cYw4KpL0sTf8VnZe"
    for scenario in scenarios.values():
        for pointer, job, state in sample_states(actions, scenario, request):
            hooks = [e for e in rules.events if state.status in e.statuses]
            if not hooks:
                continue
            context = job_context(job, scenario, profile)
            for event in hooks:
                payload = render_payload(profile, event, context, message_id, 0.0)
                problems = payload_errors(schema_of(spec, event), payload)
                if problems:
                    raise ScenarioError(
                        scenario.file,
                        pointer,
                        f"its {event.name} webhook would carry a payload the spec forbids "
                        f"at {problems[0]}",
                    )
