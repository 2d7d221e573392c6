"""Security requirements, checked the way the provider checks them.

Presence, not secrecy: a bearer token or API key only has to be there (an SDK's own tests may use
``My API Key``), unless ``--api-key`` names the keys accepted: then any other API key or bearer
token is refused as ``invalid_token``, the provider's 401, as a revoked key would be. A profile
with ``auth.kind: jwt`` also verifies the token's signature with the emulator's secret and
grants the permissions its roles carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.http.hmac_token import plain_claims
from emulator.lifecycle.core.profile import AuthRules
from emulator.openapi.model import Operation, SecurityScheme

__all__ = ["AuthFailure", "Authenticator"]


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """Which profile error kind to answer with, and the variables for its message."""

    kind: str
    variables: Mapping[str, Any] = field(default_factory=dict)


class Authenticator:
    def __init__(
        self,
        schemes: Mapping[str, SecurityScheme],
        rules: AuthRules,
        jwt_secret: str,
        accepted: Iterable[str] = (),
    ) -> None:
        self._schemes = schemes
        self._rules = rules
        # Empty: any key is accepted.
        self._accepted = frozenset(accepted)
        self._key = _hmac_key(jwt_secret, rules.algorithm)

    def check(
        self, operation: Operation, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> AuthFailure | None:
        """None when some alternative of the operation's security is satisfied."""
        if not operation.security:
            return None
        failure: AuthFailure | None = None
        for alternative in operation.security:
            failure = self._alternative(alternative, headers, query)
            if failure is None:
                return None
        return failure

    def _alternative(
        self,
        requirement: Mapping[str, tuple[str, ...]],
        headers: Mapping[str, str],
        query: Mapping[str, str],
    ) -> AuthFailure | None:
        for name, scopes in requirement.items():
            scheme = self._schemes.get(name)
            if scheme is None:
                continue
            credential = _credential(scheme, headers, query)
            if not credential:
                return AuthFailure("unauthenticated", {"scheme": name})
            if self._accepted and _is_key(scheme) and credential not in self._accepted:
                return AuthFailure("invalid_token", {"scheme": name, "reason": "key not accepted"})
            if self._rules.kind == "jwt" and scheme.location is None:
                failure = self._verify(credential, scopes)
                if failure is not None:
                    return failure
        return None

    def _verify(self, token: str, scopes: tuple[str, ...]) -> AuthFailure | None:
        claims = plain_claims(token, self._key, self._rules.algorithm)
        if claims is None:
            # PyJWT (and cryptography under it) is a large import: a JWT profile's first
            # answer pays it only for a token that is not plain (or not valid).
            import jwt

            try:
                claims = jwt.decode(
                    token,
                    self._key,
                    algorithms=[self._rules.algorithm],
                    options={"require": [], "verify_aud": False},
                )
            except jwt.PyJWTError as exc:
                return AuthFailure("invalid_token", {"reason": str(exc)})
        granted = set(_strings(claims.get("permissions")))
        for role in _strings(claims.get("roles")):
            granted |= self._rules.roles.get(role, frozenset())
        missing = [scope for scope in scopes if scope not in granted]
        if missing:
            return AuthFailure("forbidden", {"required": ", ".join(missing)})
        return None


def _is_key(scheme: SecurityScheme) -> bool:
    """An API key or a bearer token: what ``--api-key`` restricts (not a basic login)."""
    return scheme.kind == "apiKey" or scheme.scheme != "basic"


def _credential(
    scheme: SecurityScheme, headers: Mapping[str, str], query: Mapping[str, str]
) -> str:
    if scheme.kind == "apiKey":
        name = (scheme.param_name or "").lower()
        if scheme.location == "query":
            return query.get(scheme.param_name or "", "").strip()
        if scheme.location == "cookie":
            cookies = headers.get("cookie", "")
            pairs = (c.strip().partition("=") for c in cookies.split(";"))
            return next((v for k, _, v in pairs if k == scheme.param_name), "")
        return headers.get(name, "").strip()
    header = headers.get("authorization", "")
    prefix, _, value = header.partition(" ")
    expected = "basic" if scheme.scheme == "basic" else "bearer"
    return value.strip() if prefix.lower() == expected else ""


# HS256/384/512: PyJWT warns about keys shorter than the digest (an error under ``-W error``).
_HMAC_DIGEST_SIZE = {"HS256": 32, "HS384": 48, "HS512": 64}


def _hmac_key(secret: str, algorithm: str) -> bytes:
    """The secret as an HMAC key with exactly the same signatures, but no short-key warning.

    HMAC pads a key shorter than the hash's block size with zero bytes, so padding the secret
    with zero bytes up to the digest size (never beyond the block size) changes nothing.
    """
    key = secret.encode()
    return key.ljust(_HMAC_DIGEST_SIZE.get(algorithm, 0), b"\0")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
