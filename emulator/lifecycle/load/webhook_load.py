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
  from_request:                         # a receiver the create request names, for its job
    url: request.body.webhook
    events: request.body.webhook_events_filter
    event_names: {completed: [batch.completed]}
    header:
      name: request.body.webhook_auth_header_name
      value: request.body.webhook_auth_header_value
"""

from __future__ import annotations

from typing import cast

from emulator.lifecycle.render.template import placeholders
from emulator.lifecycle.webhooks.events import (
    DEFAULT_SCHEDULE,
    RequestTarget,
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


_WEBHOOKS_KEYS = ("signing", "retry", "timeout", "id_prefix", "events", "from_request")
_TARGET_KEYS = ("url", "events", "event_names", "header")
_HEADER_KEYS = ("name", "value")
_SIGNING_KEYS = ("scheme", "header", "prefix")
_EVENT_KEYS = ("statuses", "payload", "spec")


def load_webhook_rules(r: Reader) -> WebhookRules:
    r.only(*_WEBHOOKS_KEYS)
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
        from_request=_target(r.section("from_request"), parsed) if r.has("from_request") else None,
    )


def _target(r: Reader, events: list[WebhookEvent]) -> RequestTarget:
    r.only(*_TARGET_KEYS)
    names = r.section("event_names")
    known = {e.name for e in events}
    mapped = {}
    for word in names.names():
        targets = names.texts(word)
        for target in targets:
            if target not in known:
                names.fail(word, f"no event {target!r}; events: {', '.join(sorted(known))}")
        mapped[word] = tuple(targets)
    header = r.section("header")
    header.only(*_HEADER_KEYS)
    if header.has("name") != header.has("value"):
        r.fail("header", "give both the name and the value of the auth header")
    return RequestTarget(
        url=_request_path(r, "url", required=True) or "",
        events=_request_path(r, "events"),
        event_names=mapped,
        header_name=_request_path(header, "name"),
        header_value=_request_path(header, "value"),
    )


def _request_path(r: Reader, key: str, *, required: bool = False) -> str | None:
    dotted = r.text(key) if required else r.opt_text(key)
    if dotted is not None and not dotted.startswith(
        ("request.body.", "request.query.", "request.path.")
    ):
        r.fail(
            key,
            f"expected a path into the create request, like request.body.webhook; got {dotted!r}",
        )
    return dotted


def _signing(r: Reader) -> Signing:
    r.only(*_SIGNING_KEYS)
    scheme = r.text("scheme", "standard")
    if scheme not in ("standard", "hmac", "none"):
        r.fail("scheme", "expected standard (Standard Webhooks), hmac or none")
    if scheme == "hmac" and not r.has("header"):
        r.fail("header", "an hmac signature needs the header that carries it, e.g. X-Signature")
    default = "webhook-signature" if scheme == "standard" else ""
    return Signing(cast(Scheme, scheme), r.text("header", default or "-"), r.text("prefix", ""))


def _event(events: Reader, name: str) -> WebhookEvent:
    e = events.section(name, required=True)
    e.only(*_EVENT_KEYS)
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
