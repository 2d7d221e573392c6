"""Signing webhook deliveries, and checking a signature the way a receiver's SDK does.

Standard Webhooks: the secret is ``whsec_`` + base64 key bytes; the signature is
``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")); receivers refuse a timestamp
more than five minutes from their own clock. A plain HMAC header carries
``prefix`` + hex(HMAC-SHA256(secret, body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Mapping

from emulator.lifecycle.webhooks.events import Signing

__all__ = ["TOLERANCE", "SignatureError", "new_secret", "sign", "verify"]

TOLERANCE = 300.0
_PREFIX = "whsec_"


class SignatureError(ValueError):
    """A delivery a receiver must refuse: missing headers, a stale time, a wrong signature."""


def new_secret(rng: random.Random) -> str:
    return _PREFIX + base64.b64encode(rng.randbytes(24)).decode()


def _key(secret: str) -> bytes:
    if secret.startswith(_PREFIX):
        return base64.b64decode(secret[len(_PREFIX) :] + "==")
    return secret.encode()


def sign(
    signing: Signing, secret: str, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers that carry the signature of ``body`` under ``signing``."""
    if signing.scheme == "none":
        return {}
    if signing.scheme == "hmac":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {signing.header: signing.prefix + digest}
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{mac}",
    }


def verify(
    signing: Signing,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: float,
    tolerance: float = TOLERANCE,
) -> None:
    """Raise SignatureError unless a receiver checking at ``now`` would accept the delivery."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if signing.scheme == "none":
        return
    if signing.scheme == "hmac":
        given = lowered.get(signing.header.lower())
        if given is None:
            raise SignatureError(f"missing header {signing.header}")
        wanted = sign(signing, secret, "", 0, body)[signing.header]
        if not hmac.compare_digest(given, wanted):
            raise SignatureError("no matching signature")
        return
    message_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (message_id and stamp and signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError(f"webhook-timestamp {stamp!r} is not an integer") from None
    if timestamp < now - tolerance:
        raise SignatureError("message timestamp too old")
    if timestamp > now + tolerance:
        raise SignatureError("message timestamp too new")
    wanted = sign(signing, secret, message_id, timestamp, body)["webhook-signature"]
    for candidate in signatures.split(" "):
        if hmac.compare_digest(candidate, wanted):
            return
    raise SignatureError("no matching signature")
