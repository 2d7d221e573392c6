"""Webhook events as data: what a profile says its provider sends, and when a job fires them.

An event names the statuses that trigger it and its payload, a view over the job (the same
template language as the profile's views, plus ``event``: ``type``, ``id`` and ``timestamp``).
Lifecycles are evaluated lazily, so the engine's ``next_change`` tells a scheduler when a job's
next timed transition falls, and ``fired`` reads which events the transitions since last time
fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.lifecycle.core.job import Event
from emulator.lifecycle.render.template import Renderer, compile_template

__all__ = [
    "DEFAULT_SCHEDULE",
    "RequestTarget",
    "Signing",
    "WebhookEvent",
    "WebhookRules",
    "event_context",
    "fired",
    "retry_delay",
]

# Standard Webhooks' recommended schedule (Svix's): after the first attempt fails, retry
# after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; the eighth failure gives up.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)

Scheme = Literal["standard", "hmac", "none"]


@dataclass(frozen=True, slots=True)
class Signing:
    """``standard``: Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``); ``hmac``: one
    header carrying ``prefix`` + hex HMAC-SHA256 of the body; ``none``: unsigned."""

    scheme: Scheme = "standard"
    header: str = "webhook-signature"
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    name: str
    statuses: frozenset[str]
    payload: Any
    # The spec's declaration its payload must satisfy: a 3.1 ``webhooks`` name, or
    # ``<operation>#<callback>`` for a 3.0 ``callbacks`` entry; None when the spec has none.
    spec: str | None = None
    render: Renderer = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "render", compile_template(self.payload))


@dataclass(frozen=True, slots=True)
class RequestTarget:
    """Where a create request names its own webhook receiver: dotted paths into the request
    (``request.body.webhook``) for the URL, the events it wants (a list; absent: all) and an
    auth header's name and value sent with each delivery. ``event_names`` maps a word of the
    request's filter to the profile's events it stands for (absent words: the same name)."""

    url: str
    events: str | None = None
    event_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    header_name: str | None = None
    header_value: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookRules:
    events: tuple[WebhookEvent, ...]
    signing: Signing = Signing()
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    timeout: float = 5.0
    id_prefix: str = "msg_"
    from_request: RequestTarget | None = None

    def event(self, name: str) -> WebhookEvent | None:
        return next((e for e in self.events if e.name == name), None)


def fired(rules: WebhookRules, events: tuple[Event, ...]) -> list[tuple[WebhookEvent, Event]]:
    """The webhook events that job events (status changes) fire, in the order they happened."""
    out: list[tuple[WebhookEvent, Event]] = []
    for happened in events:
        if not happened.name.startswith("status:"):
            continue
        status = happened.name.removeprefix("status:")
        out.extend((hook, happened) for hook in rules.events if status in hook.statuses)
    return out


def retry_delay(rules: WebhookRules, attempt: int) -> float | None:
    """Seconds after failed attempt number ``attempt`` (1-based) before the next; None: give up."""
    return rules.schedule[attempt - 1] if attempt <= len(rules.schedule) else None


def event_context(
    context: Mapping[str, Any], name: str, message_id: str, timestamp: Any
) -> dict[str, Any]:
    """A job's view context plus the ``event`` a payload template may name."""
    return {**context, "event": {"type": name, "id": message_id, "timestamp": timestamp}}
