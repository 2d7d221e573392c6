"""Reading a profile's ``webhooks`` section; every mistake names the file and the key.

webhooks:
  signing: {scheme: standard}          # or {scheme: hmac, header: X-Signature, prefix: "sha256="}
  retry: [5, 300, 1800]                 # seconds after each failed attempt
  timeout: 5                            # seconds a receiver has to answer
  events:
    batch.completed:
      statuses: [completed]
      spec: batch.completed             # the spec's webhook (or "operation#callback")
      payload: {type: "{event.type}", data: {id: "{job.id}"}}
"""

from __future__ import annotations

from typing import cast

from emulator.lifecycle.render.template import placeholders
from emulator.lifecycle.webhooks.events import (
    DEFAULT_SCHEDULE,
    Scheme,
    Signing,
    WebhookEvent,
    WebhookRules,
)
from emulator.yamlread import Reader

__all__ = ["load_webhook_rules"]

_ROOTS = {"job", "request", "result", "error", "fields", "timeline", "event"}
_EVENT_FIELDS = {"type", "id", "timestamp"}
_DEFAULT_PAYLOAD = {"type": "{event.type}", "timestamp": "{event.timestamp}", "data": "{job}"}


def load_webhook_rules(r: Reader) -> WebhookRules:
    r.only("signing", "retry", "timeout", "id_prefix", "events")
    events = r.section("events", required=True)
    parsed = [_event(events, name) for name in events.names()]
    if not parsed:
        r.fail("events", "declare at least one event, e.g. job.completed: {statuses: [completed]}")
    schedule = r.items("retry") if r.has("retry") else list(DEFAULT_SCHEDULE)
    for index, delay in enumerate(schedule):
        if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
            r.fail("retry", f"item {index} must be a number of seconds (0 or more)")
    timeout = r.opt_number("timeout")
    if timeout is not None and timeout <= 0:
        r.fail("timeout", "must be more than 0 seconds")
    return WebhookRules(
        events=tuple(parsed),
        signing=_signing(r.section("signing")),
        schedule=tuple(float(d) for d in schedule),
        timeout=timeout or 5.0,
        id_prefix=r.text("id_prefix", "msg_"),
    )


def _signing(r: Reader) -> Signing:
    r.only("scheme", "header", "prefix")
    scheme = r.text("scheme", "standard")
    if scheme not in ("standard", "hmac", "none"):
        r.fail("scheme", "expected standard (Standard Webhooks), hmac or none")
    if scheme == "hmac" and not r.has("header"):
        r.fail("header", "an hmac signature needs the header that carries it, e.g. X-Signature")
    default = "webhook-signature" if scheme == "standard" else ""
    return Signing(cast(Scheme, scheme), r.text("header", default or "-"), r.text("prefix", ""))


def _event(events: Reader, name: str) -> WebhookEvent:
    e = events.section(name, required=True)
    e.only("statuses", "payload", "spec")
    statuses = e.texts("statuses")
    if not statuses:
        e.fail("statuses", "name the statuses that fire this event, e.g. [completed]")
    payload = e.raw("payload", _DEFAULT_PAYLOAD)
    for placeholder in placeholders(payload):
        root, _, rest = placeholder.partition(".")
        if root not in _ROOTS:
            e.fail(
                "payload",
                f"unknown name {{{placeholder}}}; a payload can use {', '.join(sorted(_ROOTS))}",
            )
        if root == "event" and rest and rest not in _EVENT_FIELDS:
            e.fail(
                "payload",
                f"unknown event field {{{placeholder}}}; event fields: "
                f"{', '.join(sorted(_EVENT_FIELDS))}",
            )
    return WebhookEvent(
        name=name, statuses=frozenset(statuses), payload=payload, spec=e.opt_text("spec")
    )
