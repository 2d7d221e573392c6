"""The plain-token fast path accepts only what PyJWT accepts, with the same claims, and leaves
every other token (and so every refusal and its message) to PyJWT."""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import jwt
import pytest

from emulator.http.hmac_token import plain_claims

KEY = b"k" * 32
NOW = int(time.time())


def _encode(claims: dict[str, Any], algorithm: str = "HS256", key: bytes = KEY) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(claims, key, algorithm)


def _raw(header: dict[str, Any], claims: Any, signature: str = "c2ln") -> str:
    def seg(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{seg(header)}.{seg(claims)}.{signature}"


PLAIN = [
    _encode({"roles": ["admin"]}),
    _encode({"roles": "read write", "sub": "me", "jti": "1", "iat": NOW - 5}),
    _encode({"permissions": ["jobs:read"], "exp": NOW + 600, "nbf": NOW - 1}),
    _encode({"roles": ["read"], "exp": NOW + 600.5}),
    _encode({}),
]
NOT_PLAIN = [
    _encode({"roles": ["admin"], "exp": 1}),  # expired
    _encode({"roles": ["admin"], "nbf": NOW + 600}),
    _encode({"roles": ["admin"], "iat": NOW + 600}),
    _encode({"roles": ["admin"], "exp": "soon"}),
    _encode({"roles": ["admin"], "exp": True}),
    _encode({"roles": ["admin"], "sub": 7}),
    _encode({"roles": ["admin"], "aud": "x", "iss": "y"}),
    _encode({"roles": ["admin"]}, key=b"other" * 8),
    _encode({"roles": ["admin"]}, algorithm="HS512"),  # not the profile's algorithm
    _raw({"alg": "none"}, {"roles": ["admin"]}),
    _raw({"alg": "HS256", "kid": 3}, {"roles": ["admin"]}),
    _raw({"alg": "HS256"}, ["not", "an", "object"]),
    "not-a-jwt",
    "a.b.c",
    "a.b",
    _encode({"roles": ["admin"]}) + "=",
]


def _pyjwt(token: str) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, KEY, algorithms=["HS256"], options={"require": [], "verify_aud": False}
        )
    except jwt.PyJWTError:
        return None
    return claims


@pytest.mark.parametrize("token", PLAIN)
def test_a_plain_valid_token_has_pyjwts_claims(token: str) -> None:
    assert plain_claims(token, KEY, "HS256") == _pyjwt(token) is not None


@pytest.mark.parametrize("token", NOT_PLAIN)
def test_anything_else_is_left_to_pyjwt(token: str) -> None:
    assert plain_claims(token, KEY, "HS256") is None


def test_an_algorithm_of_pyjwts_own_is_left_to_it() -> None:
    assert plain_claims(PLAIN[0], KEY, "RS256") is None
