"""emulator.lifecycle.render.envelope: error bodies in each bundled provider's shape, RFC 9457
otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.lifecycle.core.profile import Profile
from emulator.lifecycle.load.profile_load import load_profile
from emulator.lifecycle.render.envelope import PROBLEM_JSON, error_reply
from emulator.openapi.violation import Violation, violation_details
from tests.support import REPO

SPECS = REPO / "specs"
KINDS = (
    "invalid_request",
    "malformed_body",
    "unsupported_media_type",
    "unauthenticated",
    "invalid_token",
    "forbidden",
    "not_found",
    "invalid_state",
    "conflict",
    "rate_limited",
    "server_error",
    "unavailable",
)
VIOLATIONS = (
    Violation("request", ("body", "request"), "required", "'request' is a required property"),
    Violation("request", ("query", "limit"), "type", "'x' is not of type 'integer'"),
)


def profile(name: str) -> Profile:
    return load_profile(SPECS / f"{name}.profile.yaml")


@pytest.fixture(scope="module")
def writer() -> Profile:
    return profile("writer")


@pytest.fixture(scope="module")
def retab() -> Profile:
    return profile("retab")


@pytest.fixture(scope="module")
def osapi() -> Profile:
    return profile("osapi")


def test_violation_details_are_loc_msg_type_items() -> None:
    assert violation_details(VIOLATIONS) == [
        {"loc": ["body", "request"], "msg": VIOLATIONS[0].message, "type": "required"},
        {"loc": ["query", "limit"], "msg": VIOLATIONS[1].message, "type": "type"},
    ]


# --- Writer: {"tpe", "errors": [{"description", "key", "extras"}], "extras"} -----------------

WRITER_ERRORS = {
    "invalid_request": (400, "BadRequest", "fail.badRequest.invalidParameters"),
    "unauthenticated": (401, "Unauthorized", "fail.unauthorized.badToken"),
    "forbidden": (403, "Forbidden", "fail.forbidden.insufficientAccessRights"),
    "not_found": (404, "NotFound", "fail.notFound.resource"),
    "conflict": (409, "Conflict", "fail.conflict.jobAlreadyRunning"),
    "rate_limited": (429, "TooManyRequests", "fail.tooManyRequests.quotaExceeded"),
    "server_error": (500, "InternalServerError", "fail.internalServerError.generic"),
    "unavailable": (503, "ServiceUnavailable", "fail.serviceUnavailable.temporary"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_writer_envelope_for_every_kind(writer: Profile, kind: str) -> None:
    reply = error_reply(writer, kind, {"message": "something went wrong"})
    assert reply.media_type == "application/json"
    assert reply.provider_shaped is True
    body = reply.body
    assert set(body) == {"tpe", "errors", "extras"}
    assert body["extras"] == {}
    (error,) = body["errors"]
    assert error == {"description": "something went wrong", "key": error["key"], "extras": {}}
    assert isinstance(body["tpe"], str)
    assert body["tpe"]
    assert error["key"].startswith("fail.")
    if kind in WRITER_ERRORS:
        assert (reply.status, body["tpe"], error["key"]) == WRITER_ERRORS[kind]


def test_message_template_is_filled_from_the_variables(writer: Profile) -> None:
    body = error_reply(writer, "not_found", {"job_id": "abc"}).body
    assert body["errors"][0]["description"] == "Job abc not found"
    given = error_reply(writer, "not_found", {"job_id": "abc", "message": "exactly this"}).body
    assert given["errors"][0]["description"] == "exactly this"


def test_explicit_status_overrides_the_profile(writer: Profile) -> None:
    reply = error_reply(writer, "server_error", {"message": "bad gateway"}, status=502)
    assert reply.status == 502
    assert reply.body["tpe"] == "InternalServerError"


# --- Retab: FastAPI's {"detail": [...]} for validation, {"detail": "..."} otherwise ----------


@pytest.mark.parametrize("kind", ["invalid_request", "malformed_body", "unsupported_media_type"])
def test_retab_validation_errors_are_422_detail_lists(retab: Profile, kind: str) -> None:
    details = violation_details(VIOLATIONS)
    reply = error_reply(retab, kind, {"message": "invalid", "violations": details})
    assert reply.status == 422
    assert reply.body == {"detail": details}
    for item in reply.body["detail"]:
        assert set(item) == {"loc", "msg", "type"}


@pytest.mark.parametrize("kind", [k for k in KINDS if not k.endswith(("request", "body", "type"))])
def test_retab_other_errors_are_detail_strings(retab: Profile, kind: str) -> None:
    reply = error_reply(retab, kind, {})
    assert set(reply.body) == {"detail"}
    assert isinstance(reply.body["detail"], str)
    assert reply.body["detail"]


def test_retab_messages(retab: Profile) -> None:
    assert error_reply(retab, "not_found", {}).body == {"detail": "Job not found"}
    assert error_reply(retab, "not_found", {}).status == 404
    state = error_reply(
        retab, "invalid_state", {"action": "cancelled", "job": {"status": "failed"}}
    )
    assert (state.status, state.body) == (
        400,
        {"detail": "Job cannot be cancelled from status failed"},
    )
    assert error_reply(retab, "unauthenticated", {}).body == {
        "detail": "Missing or invalid Api-Key header"
    }


# --- osapi: {"error": "..."} from its handlers, {"message": ...} from its framework ---------


@pytest.mark.parametrize("kind", KINDS)
def test_osapi_envelope_for_every_kind(osapi: Profile, kind: str) -> None:
    reply = error_reply(osapi, kind, {"job_id": "j1", "required": "job:write", "action": "retry"})
    framework = kind in ("invalid_request", "malformed_body", "unsupported_media_type")
    assert set(reply.body) == ({"message"} if framework else {"error"})
    assert isinstance(next(iter(reply.body.values())), str)


def test_osapi_messages(osapi: Profile) -> None:
    missing = error_reply(osapi, "not_found", {"job_id": "0b6c7a8e"})
    assert (missing.status, missing.body) == (404, {"error": "job not found: 0b6c7a8e"})
    forbidden = error_reply(osapi, "forbidden", {"required": "job:write"})
    assert forbidden.status == 403
    assert forbidden.body == {"error": "Insufficient permissions. Required: job:write"}
    assert error_reply(osapi, "invalid_token", {}).body == {"error": "Invalid token"}
    bad = error_reply(osapi, "invalid_request", {"message": "limit must be an integer"})
    assert (bad.status, bad.body) == (400, {"message": "limit must be an integer"})
    media = error_reply(osapi, "unsupported_media_type", {"message": "ignored"})
    assert (media.status, media.body) == (415, {"message": "Unsupported Media Type"})


def test_unknown_kind_falls_back_to_server_error(osapi: Profile) -> None:
    reply = error_reply(osapi, "no_such_kind", {})
    assert (reply.status, reply.body) == (500, {"error": "internal error"})


# --- no profile: RFC 9457 problem details --------------------------------------------------

PROBLEM_STATUS = {
    "invalid_request": 400,
    "malformed_body": 400,
    "unsupported_media_type": 415,
    "unauthenticated": 401,
    "invalid_token": 401,
    "forbidden": 403,
    "not_found": 404,
    "route_not_found": 404,
    "method_not_allowed": 405,
    "invalid_state": 409,
    "conflict": 409,
    "rate_limited": 429,
    "server_error": 500,
    "unavailable": 503,
}


@pytest.mark.parametrize(("kind", "status"), PROBLEM_STATUS.items())
def test_problem_details_without_a_profile(kind: str, status: int) -> None:
    reply = error_reply(None, kind, {"message": "what happened"})
    assert reply.status == status
    assert reply.media_type == PROBLEM_JSON == "application/problem+json"
    assert reply.provider_shaped is False
    assert reply.body["type"] == "about:blank"
    assert reply.body["status"] == status
    assert reply.body["detail"] == "what happened"
    assert isinstance(reply.body["title"], str)


def test_problem_details_titles_and_defaults() -> None:
    reply = error_reply(None, "not_found", {})
    assert reply.body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
    }
    assert error_reply(None, "whatever", {}).status == 500
    custom: Any = error_reply(None, "server_error", {}, status=599)
    assert (custom.status, custom.body["title"]) == (599, "Error")


@pytest.mark.parametrize("kind", ["route_not_found", "method_not_allowed"])
def test_routing_errors_are_problem_details_even_with_a_profile(writer: Profile, kind: str) -> None:
    reply = error_reply(writer, kind, {"message": "no such route"})
    assert reply.media_type == PROBLEM_JSON
    assert reply.provider_shaped is False
    assert reply.body["detail"] == "no such route"
