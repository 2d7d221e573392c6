"""The control plane's ``/_emulator/webhooks`` routes, and the receiver the emulator serves.

GET    /_emulator/webhooks              subscriptions (secrets redacted), events, signing
PUT    /_emulator/webhooks              {"subscriptions": [{"url", "events"?, "secret"?}]}
POST   /_emulator/webhooks              {"url", "events"?, "secret"?}: one more subscription
DELETE /_emulator/webhooks              no subscriptions
GET    /_emulator/webhooks/request-secret  the secret that signs deliveries to receivers a
                                           create request named
GET    /_emulator/webhooks/deliveries   the delivery log, and what is still pending
POST   /_emulator/webhooks/flush        deliver what is due now, then the log
POST   /_emulator/webhooks/receiver     the built-in receiver: records, answers 2xx or as told
PUT    /_emulator/webhooks/receiver     {"statuses": [500, 500]}: its next answers
GET    /_emulator/webhooks/received     what the receiver got (headers, body, clock time)
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.responses import JSONResponse, Response

from emulator.http.control.call import ControlCall, ControlError
from emulator.http.delivery.scheduler import WebhookHub
from emulator.lifecycle.core.namespace import Namespace

__all__ = ["Receiver", "ReceiverState", "WebhookControl"]

_RECEIVED_LIMIT = 1000
_NO_WEBHOOKS = "this emulator's profile declares no webhooks (see docs/how-to/webhooks.md)"


@dataclass
class Receiver:
    """One namespace's built-in receiver: what it got, and the statuses it is told to answer."""

    received: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_RECEIVED_LIMIT))
    statuses: deque[int] = field(default_factory=deque)


class ReceivedLog(Protocol):
    def append(self, item: dict[str, Any], /) -> None: ...

    def __iter__(self) -> Iterator[dict[str, Any]]: ...


class ReceiverState(Protocol):
    """A receiver's state: ``Receiver`` in the process, or the namespace's in shared state."""

    @property
    def received(self) -> ReceivedLog: ...

    statuses: deque[int]


class WebhookControl:
    """``receiver``: where a namespace's built-in receiver keeps its state (shared state);
    by default in this process."""

    def __init__(
        self, hub: WebhookHub | None, receiver: Callable[[Namespace], ReceiverState] | None = None
    ) -> None:
        self.hub = hub
        self.receivers: dict[str, Receiver] = {}
        self.receiver = self._local if receiver is None else receiver

    def _local(self, ns: Namespace) -> ReceiverState:
        return self.receivers.setdefault(ns.name, Receiver())

    def reset(self, ns: Namespace) -> None:
        self.receivers.pop(ns.name, None)

    # -- the built-in receiver: served whether the profile declares webhooks or not --------

    def script_receiver(self, call: ControlCall) -> dict[str, Any]:
        """``{"statuses": [500, 500]}``: the receiver's next answers."""
        statuses = call.body.get("statuses") if isinstance(call.body, dict) else None
        if not isinstance(statuses, list) or not all(
            isinstance(s, int) and 100 <= s <= 599 for s in statuses
        ):
            raise ControlError(400, 'send {"statuses": [<HTTP status>, ...]}')
        self.receiver(call.ns).statuses = deque(statuses)
        return {"statuses": statuses}

    def received(self, call: ControlCall) -> dict[str, Any]:
        return {"received": list(self.receiver(call.ns).received)}

    # -- subscriptions and deliveries ---------------------------------------------------------

    def subscriptions(self, call: ControlCall) -> dict[str, Any]:
        """``GET`` them, ``PUT`` a new list, ``POST`` one more, ``DELETE`` them all."""
        hub, ns, method = self._hub(), call.ns, call.method
        if method == "PUT":
            return self._put(hub, ns, call.body, replace=True)
        if method == "POST":
            return self._put(hub, ns, {"subscriptions": [call.body]}, replace=False)
        if method == "DELETE":
            ns.outbox.subscriptions.clear()
        return self.describe(hub, ns)

    def request_secret(self, call: ControlCall) -> dict[str, Any]:
        """What receivers a create request names verify signatures with."""
        self._hub()
        return {"secret": call.ns.outbox.request_secret()}

    async def flush(self, call: ControlCall) -> dict[str, Any]:
        """Deliver what is due by the namespace's clock now, whichever worker sends it; answer
        as ``deliveries``."""
        await self._hub().deliver_due(call.ns, settle=True)
        return call.ns.atomically(lambda: self.deliveries(call))

    def _hub(self) -> WebhookHub:
        if self.hub is None:
            raise ControlError(404, _NO_WEBHOOKS)
        return self.hub

    def describe(self, hub: WebhookHub, ns: Namespace) -> dict[str, Any]:
        return {
            "subscriptions": [s.as_dict() for s in ns.outbox.subscriptions.values()],
            "events": [e.name for e in hub.rules.events],
            "signing": hub.rules.signing.scheme,
            "header": hub.rules.signing.header,
            "prefix": hub.rules.signing.prefix,
            "retry": list(hub.rules.schedule),
        }

    def _put(self, hub: WebhookHub, ns: Namespace, body: Any, *, replace: bool) -> dict[str, Any]:
        wanted = body.get("subscriptions") if isinstance(body, dict) else None
        usage = 'send {"subscriptions": [{"url": "http://127.0.0.1:8000/hook", "events"?: [...], "secret"?: "whsec_..."}]}'  # noqa: E501
        if not isinstance(wanted, list):
            raise ControlError(400, usage)
        known = {e.name for e in hub.rules.events}
        for index, item in enumerate(wanted):
            url = item.get("url") if isinstance(item, dict) else None
            events = item.get("events") if isinstance(item, dict) else None
            secret = item.get("secret") if isinstance(item, dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ControlError(400, f"subscriptions/{index}/url: an http(s) URL; {usage}")
            if events is not None and (
                not isinstance(events, list)
                or not set(events) <= known
                or not all(isinstance(e, str) for e in events)
            ):
                raise ControlError(
                    400, f"subscriptions/{index}/events: a list of {', '.join(sorted(known))}"
                )
            if secret is not None and (not isinstance(secret, str) or not secret):
                raise ControlError(400, f"subscriptions/{index}/secret: a non-empty string")
        if replace:
            ns.outbox.subscriptions.clear()
        made = [
            hub.subscribe(
                ns,
                item["url"],
                None if item.get("events") is None else frozenset(item["events"]),
                item.get("secret"),
            )
            for item in wanted
        ]
        # The one answer that carries the secrets: the caller needs them to verify signatures.
        return {"subscriptions": [{**s.as_dict(), "secret": s.secret} for s in made]}

    def deliveries(self, call: ControlCall) -> dict[str, Any]:
        """Every attempt, and what is due later."""
        self._hub()
        ns = call.ns
        pending = [
            {
                "subscription": p.subscription,
                "message_id": p.message.id,
                "event": p.message.event,
                "job_id": p.message.job_id,
                "attempt": p.attempt,
                "due": p.due,
                "fault": p.fault,
            }
            for p in ns.outbox.pending()
        ]
        return {"deliveries": [a.as_dict() for a in ns.outbox.log], "pending": pending}

    def receive(self, call: ControlCall) -> Response:
        """Record a delivery; answer 200, or the next status it was told to."""
        ns, raw = call.ns, call.raw
        receiver = self.receiver(ns)
        statuses = receiver.statuses
        status = statuses.popleft() if statuses else 200
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        sending = self.hub.sender.in_flight.get(raw) if self.hub else None
        receiver.received.append(
            {
                "event": sending.event if sending else None,
                "job_id": sending.job_id if sending else None,
                "message_id": sending.id if sending else None,
                "at": ns.clock.now(),
                "headers": dict(call.request.headers),
                "body": body,
                "raw": raw.decode("utf-8", "replace"),
                "status": status,
            }
        )
        return JSONResponse({"received": status < 300}, status)
