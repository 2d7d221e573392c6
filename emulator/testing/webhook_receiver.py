"""``emulator.webhooks``: a namespace's webhook subscriptions, receivers and assertions.

The built-in receiver is served by the emulator itself (``receiver_url``): it records every
delivery (event, job id, headers, body, the emulator's time) and answers 200, or the statuses
``answer_with`` scripts. ``serve_app`` serves your own ASGI app on 127.0.0.1 and subscribes
it; ``subscribe(url)`` targets any receiver. ``verify`` checks a signature the way a
Standard Webhooks SDK does, on the emulator's clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.http.server import LiveServer
from emulator.lifecycle.webhooks.events import Scheme, Signing
from emulator.lifecycle.webhooks.signing import TOLERANCE
from emulator.lifecycle.webhooks.signing import verify as check_signature

__all__ = ["EmulatorWebhooks", "ReceivedWebhook", "verify_signature"]


class ControlPlane(Protocol):
    """What of a namespace's handle this needs: its URL as the emulator reaches itself, and its
    control calls."""

    @property
    def own_url(self) -> str: ...

    def control(self, method: str, path: str, body: Any = None, /, **query: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    """One delivery the built-in receiver got; ``raw`` is the body exactly as sent."""

    event: str | None
    job_id: str | None
    message_id: str | None
    at: float
    headers: Mapping[str, str]
    body: Any
    raw: str
    status: int


def verify_signature(
    raw: str | bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    now: float,
    scheme: Scheme = "standard",
    header: str = "webhook-signature",
    prefix: str = "",
    tolerance: float = TOLERANCE,
) -> None:
    """Raise ``SignatureError`` unless a receiver checking at ``now`` accepts the delivery."""
    body = raw.encode() if isinstance(raw, str) else raw
    check_signature(Signing(scheme, header, prefix), secret, body, headers, now, tolerance)


class EmulatorWebhooks:
    def __init__(self, handle: ControlPlane) -> None:
        self._handle = handle
        self._servers: list[LiveServer] = []
        self.secret: str | None = None

    @property
    def receiver_url(self) -> str:
        return f"{self._handle.own_url}/_emulator/webhooks/receiver"

    def subscribe(
        self,
        url: str | None = None,
        *,
        events: Iterable[str] | None = None,
        secret: str | None = None,
        replace: bool = True,
    ) -> dict[str, Any]:
        """Send this namespace's webhooks to ``url`` (default: the built-in receiver).

        Returns the subscription with its secret, also kept as ``self.secret``.
        """
        item: dict[str, Any] = {"url": url or self.receiver_url}
        if events is not None:
            item["events"] = list(events)
        if secret is not None:
            item["secret"] = secret
        if replace:
            made = self._handle.control("PUT", "webhooks", {"subscriptions": [item]})
        else:
            made = self._handle.control("POST", "webhooks", item)
        subscription: dict[str, Any] = made["subscriptions"][0]
        self.secret = subscription["secret"]
        return subscription

    def serve_app(self, app: Any, path: str = "/", **subscribe: Any) -> str:
        """Serve an ASGI app on 127.0.0.1 for this test and subscribe ``path`` on it."""
        server = LiveServer(app).start()
        self._servers.append(server)
        url = server.url + path
        self.subscribe(url, **subscribe)
        return url

    def request_secret(self) -> str:
        """The secret that signs deliveries to receivers a create request names (a profile's
        ``webhooks.from_request``): pass it to ``verify``."""
        return str(self._handle.control("GET", "webhooks/request-secret")["secret"])

    def unsubscribe(self) -> None:
        self._handle.control("DELETE", "webhooks")

    def answer_with(self, *statuses: int) -> None:
        """The built-in receiver's next answers (then 200 again), e.g. ``answer_with(500, 500)``."""
        self._handle.control("PUT", "webhooks/receiver", {"statuses": list(statuses)})

    def received(
        self, event: str | None = None, job_id: str | None = None
    ) -> list[ReceivedWebhook]:
        """What the built-in receiver got, in order of arrival."""
        found = [
            ReceivedWebhook(**r)
            for r in self._handle.control("GET", "webhooks/received")["received"]
        ]
        return [
            r
            for r in found
            if (event is None or r.event == event) and (job_id is None or r.job_id == job_id)
        ]

    def deliveries(self) -> list[dict[str, Any]]:
        """The delivery log: every attempt with its outcome, status, error and next retry."""
        return list(self._handle.control("GET", "webhooks/deliveries")["deliveries"])

    def pending(self) -> list[dict[str, Any]]:
        return list(self._handle.control("GET", "webhooks/deliveries")["pending"])

    def flush(self) -> None:
        """Deliver whatever is due by the emulator's clock now."""
        self._handle.control("POST", "webhooks/flush")

    def assert_delivered(
        self, event: str, *, job_id: str | None = None, times: int | None = 1
    ) -> list[ReceivedWebhook]:
        """The built-in receiver got ``event`` (for ``job_id``) exactly ``times`` times
        (``None``: at least once); returns those deliveries."""
        __tracebackhide__ = True
        got = self.received(event, job_id)
        if (times is None and not got) or (times is not None and len(got) != times):
            seen = [(r.event, r.job_id) for r in self.received()] or "nothing"
            wanted = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"expected {event} for job {job_id or 'any'} {wanted}, got {len(got)}; "
                f"the receiver got: {seen}"
            )
        return got

    def verify(self, delivery: ReceivedWebhook, secret: str | None = None) -> Any:
        """Check ``delivery``'s signature as the provider's SDK would, at the emulator's time
        of arrival; returns the parsed body. Raises ``SignatureError``."""
        described = self._handle.control("GET", "webhooks")
        key = secret or self.secret
        if key is None:
            raise ValueError("no secret known: subscribe() first or pass secret=")
        verify_signature(
            delivery.raw,
            delivery.headers,
            key,
            now=delivery.at,
            scheme=described["signing"],
            header=described["header"],
            prefix=described["prefix"],
        )
        return delivery.body

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()
