"""emulator.http.auth: security requirements checked the way providers check them."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from emulator.http.auth import Authenticator, AuthFailure
from emulator.lifecycle.core.profile import AuthRules
from emulator.openapi import Spec, load_spec
from emulator.settings import DEFAULT_JWT_SECRET
from tests.support import DATA

SPEC = DATA / "specs" / "unit" / "auth.yaml"
ROLES = {
    "admin": frozenset({"job:read", "job:write"}),
    "read": frozenset({"job:read"}),
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def checker(spec: Spec, kind: Any = "bearer") -> Authenticator:
    return Authenticator(
        spec.security_schemes, AuthRules(kind=kind, roles=ROLES), DEFAULT_JWT_SECRET
    )


def check(
    spec: Spec,
    ref: str,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    kind: Any = "bearer",
) -> AuthFailure | None:
    operation = spec.operation(ref)
    assert operation is not None
    return checker(spec, kind).check(operation, headers or {}, query or {})


def token(claims: dict[str, Any], secret: str = DEFAULT_JWT_SECRET) -> str:
    # Signed as a client would, with the short documented secret (PyJWT warns about it).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


# --- presence -------------------------------------------------------------------------------


def test_any_non_empty_bearer_token_passes(spec: Spec) -> None:
    assert check(spec, "bearerOnly", bearer("x")) is None
    assert check(spec, "bearerOnly", bearer("My API Key")) is None  # the SDK's test key
    assert check(spec, "bearerOnly", {"authorization": "bearer lower-case-scheme"}) is None


def test_missing_or_empty_bearer_is_unauthenticated(spec: Spec) -> None:
    for headers in ({}, bearer(""), bearer("   "), {"authorization": "Basic abc"}):
        failure = check(spec, "bearerOnly", headers)
        assert failure is not None, headers
        assert failure.kind == "unauthenticated"
        assert failure.variables == {"scheme": "Bearer"}


def test_api_key_in_a_header(spec: Spec) -> None:
    assert check(spec, "headerKey", {"api-key": "k"}) is None
    failure = check(spec, "headerKey", {})
    assert failure is not None
    assert failure.kind == "unauthenticated"
    assert check(spec, "headerKey", {"api-key": " "}) is not None
    assert check(spec, "headerKey", query={"Api-Key": "k"}) is not None  # not the query


def test_api_key_in_the_query(spec: Spec) -> None:
    assert check(spec, "queryKey", query={"api_key": "k"}) is None
    assert check(spec, "queryKey", {"api_key": "k"}) is not None  # not a header
    assert check(spec, "queryKey") is not None


def test_operation_without_security_passes(spec: Spec) -> None:
    assert check(spec, "open") is None
    assert check(spec, "open", kind="jwt") is None


def test_alternatives_are_or(spec: Spec) -> None:
    assert check(spec, "either", {"api-key": "k"}) is None
    assert check(spec, "either", bearer("t")) is None
    failure = check(spec, "either")
    assert failure is not None
    assert failure.kind == "unauthenticated"


# --- jwt ------------------------------------------------------------------------------------


def test_valid_jwt_with_a_role_granting_the_scope(spec: Spec) -> None:
    admin = bearer(token({"roles": ["admin"]}))
    assert check(spec, "readJobs", admin, kind="jwt") is None
    assert check(spec, "writeJobs", admin, kind="jwt") is None


def test_permissions_claim_grants_scopes_directly(spec: Spec) -> None:
    writer = bearer(token({"permissions": ["job:write"]}))
    assert check(spec, "writeJobs", writer, kind="jwt") is None
    spaced = bearer(token({"permissions": "job:read job:write"}))  # OAuth-style scope string
    assert check(spec, "writeJobs", spaced, kind="jwt") is None


def test_missing_scope_is_forbidden_and_names_it(spec: Spec) -> None:
    reader = bearer(token({"roles": ["read"]}))
    assert check(spec, "readJobs", reader, kind="jwt") is None
    failure = check(spec, "writeJobs", reader, kind="jwt")
    assert failure == AuthFailure("forbidden", {"required": "job:write"})
    nobody = check(spec, "readJobs", bearer(token({"roles": ["unknown"]})), kind="jwt")
    assert nobody == AuthFailure("forbidden", {"required": "job:read"})


def test_bad_signature_is_an_invalid_token(spec: Spec) -> None:
    forged = bearer(token({"roles": ["admin"]}, secret="not-the-secret"))
    failure = check(spec, "readJobs", forged, kind="jwt")
    assert failure is not None
    assert failure.kind == "invalid_token"
    assert "reason" in failure.variables


def test_garbage_and_expired_tokens_are_invalid(spec: Spec) -> None:
    garbage = check(spec, "readJobs", bearer("not.a.jwt"), kind="jwt")
    assert garbage is not None
    assert garbage.kind == "invalid_token"
    expired = check(spec, "readJobs", bearer(token({"roles": ["admin"], "exp": 1})), kind="jwt")
    assert expired is not None
    assert expired.kind == "invalid_token"


def test_jwt_rules_still_require_a_token(spec: Spec) -> None:
    failure = check(spec, "readJobs", kind="jwt")
    assert failure is not None
    assert failure.kind == "unauthenticated"


def test_presence_rules_do_not_verify_tokens(spec: Spec) -> None:
    # Without `kind: jwt` the token is only looked for, never decoded.
    assert check(spec, "writeJobs", bearer("opaque"), kind="bearer") is None


def test_short_documented_secret_verifies_without_warnings(spec: Spec) -> None:
    # PyJWT warns about HMAC keys under 32 bytes; inside a server that warning must not turn
    # into an error (pytest runs with -W error), so verification must not raise it at all.
    admin = bearer(token({"roles": ["admin"]}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check(spec, "readJobs", admin, kind="jwt") is None


def test_a_long_custom_secret_is_used_as_is(spec: Spec) -> None:
    secret = "a-much-longer-secret-than-the-default-one-0123456789"
    auth = Authenticator(spec.security_schemes, AuthRules(kind="jwt", roles=ROLES), secret)
    operation = spec.operation("readJobs")
    assert operation is not None
    assert auth.check(operation, bearer(token({"roles": ["read"]}, secret)), {}) is None
    wrong = auth.check(operation, bearer(token({"roles": ["read"]})), {})
    assert wrong is not None
    assert wrong.kind == "invalid_token"
