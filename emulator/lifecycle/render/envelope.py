"""Error bodies in the provider's own shape, or RFC 9457 problem details when no profile says.

A profile's error kind gives a status, a body template and variables; the message template is
filled first, so bodies can quote it (``{"error": "job not found: <id>"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from emulator.lifecycle.core.profile import DEFAULT_ERRORS, Profile
from emulator.lifecycle.render.template import render

__all__ = ["PROBLEM_JSON", "ErrorReply", "error_reply"]

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ErrorReply:
    status: int
    body: Any
    media_type: str
    # Refusals the emulator makes for a spec without a profile are not the provider's words,
    # so the self-check does not hold them to the spec.
    provider_shaped: bool = True


def error_reply(
    profile: Profile | None, kind: str, variables: Mapping[str, Any], status: int | None = None
) -> ErrorReply:
    """The error ``kind`` (``not_found``, ``invalid_request``, ...) as this provider sends it."""
    if profile is None or kind in ("route_not_found", "method_not_allowed"):
        code = status or DEFAULT_ERRORS.get(kind, (500, ""))[0]
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
        body = {
            "type": "about:blank",
            "title": phrase,
            "status": code,
            "detail": str(variables.get("message", phrase)),
        }
        return ErrorReply(code, body, PROBLEM_JSON, provider_shaped=False)
    spec = profile.error(kind)
    context: dict[str, Any] = {**spec.variables, **variables}
    message = variables.get("message") or render(spec.variables.get("message", kind), context)
    context["message"] = message
    # Problem-details envelopes repeat the HTTP status in the body.
    context.setdefault("status", status or spec.status)
    # Envelopes that list field errors get one entry even for refusals that are not about a field.
    context.setdefault("violations", [{"loc": [], "msg": message, "type": kind}])
    return ErrorReply(status or spec.status, render(spec.body, context), spec.media_type)
