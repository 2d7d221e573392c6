"""The plain HMAC-signed JWT, accepted without PyJWT: a fast path, never the last word.

PyJWT imports cryptography for its other algorithms, the largest import a cold ``serve`` of a
JWT profile would pay, on its first request. The tokens a client sends are nearly always of one
plain shape: a ``{"alg", "typ"}`` header, a good signature, and only claims whose checks are
simple. Those are accepted here, with exactly PyJWT's checks; anything else (a bad signature,
an expiry, an odd header or claim, bad encoding) answers ``None`` and goes to PyJWT, so every
refusal and its message stay PyJWT's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

__all__ = ["plain_claims"]

_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_HEADER_KEYS = frozenset({"alg", "typ"})
_TIMES = ("exp", "nbf", "iat")
_STRINGS = ("sub", "jti")
# Claims PyJWT checks in ways not repeated here (with verify_aud off it still inspects aud).
_LEFT_TO_PYJWT = frozenset({"aud", "iss"})


def plain_claims(token: str, key: bytes, algorithm: str) -> dict[str, Any] | None:
    """The claims of ``token`` if it is plain and valid (as PyJWT would decode them), else None:
    whether a token that is not plain is valid is for PyJWT to say."""
    digest = _DIGESTS.get(algorithm)
    parts = token.split(".")
    if digest is None or len(parts) != 3 or not all(_SEGMENT.fullmatch(p) for p in parts):
        return None
    header, payload = _json(parts[0]), _json(parts[1])
    if header is None or payload is None or not _plain_header(header, algorithm):
        return None
    signed = f"{parts[0]}.{parts[1]}".encode()
    expected = hmac.new(key, signed, digest).digest()
    if not hmac.compare_digest(expected, _decode(parts[2])):
        return None
    return payload if _plain_claims(payload) else None


def _decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(_decode(segment))
    except (ValueError, RecursionError):  # bad base64, UTF-8 or JSON, or too deep
        return None
    return value if isinstance(value, dict) else None


def _plain_header(header: dict[str, Any], algorithm: str) -> bool:
    return (
        header.keys() <= _HEADER_KEYS
        and header.get("alg") == algorithm
        and header.get("typ", "JWT") == "JWT"
    )


def _plain_claims(payload: dict[str, Any]) -> bool:
    if payload.keys() & _LEFT_TO_PYJWT:
        return False
    if any(k in payload and not isinstance(payload[k], str) for k in _STRINGS):
        return False
    now = time.time()
    for claim in _TIMES:
        if claim not in payload:
            continue
        value = payload[claim]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        at = int(value)  # PyJWT compares the claims' integer parts, with no leeway
        if (claim == "exp" and at <= now) or (claim != "exp" and at > now):
            return False
    return True
