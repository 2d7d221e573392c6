"""Sending one webhook delivery: the allow-list, the spec check, signing, the POST, the journal.

Deliveries go to loopback only unless ``--webhook-allow`` names the host; at most
``webhook_concurrency`` are in flight at once, each bounded by the profile's timeout. Every
attempt is journaled (``action: webhook``) with its signature headers, never the secret.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Protocol

from starlette.types import ASGIApp

from emulator.lifecycle.core.journal import Exchange
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.webhooks.events import WebhookRules
from emulator.lifecycle.webhooks.outbox import Attempt, Message, Pending
from emulator.lifecycle.webhooks.signing import TOLERANCE, sign
from emulator.lifecycle.webhooks.subscriptions import Subscription, host_allowed
from emulator.openapi.violation import Violation

if TYPE_CHECKING:  # imported on the first delivery: serving without webhooks never needs it
    import httpx

__all__ = ["SELF_HOST", "InFlight", "Sender", "encode"]

# The host an in-process emulator answers on: deliveries to it never leave the process.
SELF_HOST = "emulator.local"
_WRONG_SECRET = "whsec_" + "A" * 32


class InFlight(Protocol):
    """Messages by the body being sent: a dict, or one in shared state."""

    def __setitem__(self, body: bytes, message: Message, /) -> None: ...

    def pop(self, body: bytes, default: None, /) -> Message | None: ...

    def get(self, body: bytes, /) -> Message | None: ...


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class Sender:
    def __init__(
        self,
        rules: WebhookRules,
        allow: tuple[str, ...],
        concurrency: int,
        local: ASGIApp,
        in_flight: InFlight | None = None,
    ) -> None:
        self.rules = rules
        self.allow = frozenset(h.lower() for h in allow) | {SELF_HOST}
        self._limit = asyncio.Semaphore(concurrency)
        # Answers deliveries to the in-process host (the emulator itself) without a socket.
        self._local = local
        self._client: httpx.AsyncClient | None = None
        # Bodies being sent right now, so the built-in receiver can name what it got (shared
        # by every worker when the state is: the receiver may be another worker).
        self.in_flight: InFlight = dict[bytes, Message]() if in_flight is None else in_flight

    def client(self) -> httpx.AsyncClient:
        if self._client is None:  # made on the loop that sends
            import httpx

            transport = httpx.ASGITransport(app=self._local)
            # No keep-alive: deliveries are few, and a pooled socket would outlive the loop.
            self._client = httpx.AsyncClient(
                timeout=self.rules.timeout,
                mounts={f"http://{SELF_HOST}": transport},
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    def headers(self, sub: Subscription, pending: Pending) -> dict[str, str]:
        message = pending.message
        stamp = int(pending.due)
        secret = sub.secret
        if pending.fault == "expired_timestamp":
            stamp -= int(2 * TOLERANCE)
        elif pending.fault == "bad_signature":
            secret = _WRONG_SECRET if sub.secret != _WRONG_SECRET else _WRONG_SECRET[:-1] + "B"
        signed = sign(self.rules.signing, secret, message.id, stamp, message.body)
        # A receiver a create request named may ask for an auth header of its own.
        base = {"content-type": "application/json", "user-agent": "jobs-emulator"}
        return {**base, **sub.headers, **signed}

    async def send(
        self, ns: Namespace, sub: Subscription, pending: Pending, problems: list[str], strict: bool
    ) -> Attempt:
        """One attempt; the returned record says delivered, failed, refused or invalid."""
        message = pending.message
        headers = self.headers(sub, pending)
        violations = tuple(
            Violation("request", ("webhook", message.event), "webhook-schema", p) for p in problems
        )
        if not host_allowed(sub.url, self.allow):
            reason = f"host not allowed: {sub.url} (loopback only; widen with --webhook-allow)"
            self._journal(ns, sub, pending, headers, 0, None, violations, "refused: " + reason)
            return _attempt(sub, pending, "refused", None, reason)
        if violations and strict:
            reason = f"the payload breaks the spec: {problems[0]}"
            self._journal(ns, sub, pending, headers, 0, None, violations, "not sent: " + reason)
            return _attempt(sub, pending, "invalid", None, reason)
        import httpx

        status: int | None = None
        error: str | None = None
        text: str | None = None
        try:
            async with self._limit:
                self.in_flight[message.body] = message
                try:
                    response = await self.client().post(
                        sub.url, content=message.body, headers=headers
                    )
                finally:
                    self.in_flight.pop(message.body, None)
            status, text = response.status_code, response.text[:2000]
            if not 200 <= status < 300:
                error = f"receiver answered {status}"
        except httpx.TimeoutException:
            error = f"no answer within {self.rules.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self._journal(ns, sub, pending, headers, status or 0, text, violations, error)
        return _attempt(sub, pending, "delivered" if error is None else "failed", status, error)

    def _journal(
        self,
        ns: Namespace,
        sub: Subscription,
        pending: Pending,
        headers: dict[str, str],
        status: int,
        answer: str | None,
        violations: tuple[Violation, ...],
        note: str | None,
    ) -> None:
        message = pending.message
        ns.journal.record(
            Exchange(
                seq=0,
                at=pending.due,
                method="POST",
                path=sub.url,
                query="",
                operation=message.event,
                action="webhook",
                job_id=message.job_id,
                status=status,
                request_headers=headers,
                response_headers={},
                request_body=message.payload,
                response_body=answer,
                violations=violations,
                fault=" ".join(x for x in (pending.fault, note) if x) or None,
            )
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _attempt(
    sub: Subscription, pending: Pending, outcome: str, status: int | None, error: str | None
) -> Attempt:
    message = pending.message
    return Attempt(
        subscription=sub.id,
        message_id=message.id,
        event=message.event,
        job_id=message.job_id,
        attempt=pending.attempt,
        at=pending.due,
        outcome=outcome,
        status=status,
        error=error,
        fault=pending.fault,
    )
