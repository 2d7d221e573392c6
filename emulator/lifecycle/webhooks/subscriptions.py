"""Who receives webhooks and how a delivery misbehaves: subscriptions and scripted faults.

A fault picks deliveries like a request fault picks requests (``nth``, ``every``,
``probability`` from the namespace's seeded generator, at most ``times``) and does one thing
to them: ``duplicate`` (send ``copies`` extra times), ``delay`` (``seconds`` later), ``reorder``
(hold it until the subscription's next delivery has gone, or ``seconds``), ``drop`` (never
send), ``bad_signature`` or ``expired_timestamp`` (sign it so a careful receiver refuses it).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "FAULT_KINDS",
    "LOOPBACK",
    "DeliveryFault",
    "Subscription",
    "choose_faults",
    "host_allowed",
]

FaultKind = Literal["duplicate", "delay", "reorder", "drop", "bad_signature", "expired_timestamp"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "duplicate",
    "delay",
    "reorder",
    "drop",
    "bad_signature",
    "expired_timestamp",
)
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class Subscription:
    """A receiver of one namespace's webhooks; ``events`` None means every event."""

    id: str
    url: str
    secret: str
    events: frozenset[str] | None = None
    source: str = "control"
    # A receiver a create request named: it hears of that job only, with these headers.
    job_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def wants(self, event: str, job_id: str | None = None) -> bool:
        if self.job_id is not None and job_id != self.job_id:
            return False
        return self.events is None or event in self.events

    def as_dict(self) -> dict[str, object]:
        """As the control plane and the journal show it: the secret never leaves."""
        return {
            "id": self.id,
            "url": self.url,
            "events": None if self.events is None else sorted(self.events),
            "secret": redact(self.secret),
            "source": self.source,
            "job_id": self.job_id,
        }


def redact(secret: str) -> str:
    return secret[:6] + "…" if len(secret) > 12 else "…"


@dataclass(frozen=True, slots=True)
class DeliveryFault:
    kind: FaultKind
    event: str | None = None
    nth: int | None = None
    every: int | None = None
    probability: float | None = None
    times: int | None = None
    seconds: float = 60.0
    copies: int = 1


def choose_faults(
    faults: tuple[DeliveryFault, ...],
    event: str,
    counts: dict[int, int],
    fired: dict[int, int],
    rng: random.Random,
) -> list[DeliveryFault]:
    """The faults that fire on this delivery of ``event``; ``counts``/``fired`` are updated."""
    chosen = []
    for index, fault in enumerate(faults):
        if fault.event is not None and fault.event != event:
            continue
        count = counts[index] = counts.get(index, 0) + 1
        if fault.times is not None and fired.get(index, 0) >= fault.times:
            continue
        if fault.nth is not None:
            hit = count == fault.nth
        elif fault.every is not None:
            hit = count % fault.every == 0
        elif fault.probability is not None:
            hit = rng.random() < fault.probability
        else:
            hit = True
        if hit:
            fired[index] = fired.get(index, 0) + 1
            chosen.append(fault)
    return chosen


def host_allowed(url: str, allowed: Mapping[str, object] | frozenset[str]) -> bool:
    """Loopback always; another host only when ``--webhook-allow`` names it (host or host:port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in LOOPBACK:
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:  # a name, not an address: only ``localhost`` is taken as loopback
        pass
    return host in allowed or f"{host}:{parts.port}" in allowed
