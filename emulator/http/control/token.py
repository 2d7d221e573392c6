"""Who may use the control plane: with ``--control-token``, only requests that carry the token.

A test client sends it as ``x-emulator-token: TOKEN`` or ``Authorization: Bearer TOKEN``; both
are accepted on every ``/_emulator`` path. A browser cannot add the token to the requests a
page makes, so opening ``/_emulator/ui?token=TOKEN`` sets it as an ``HttpOnly``,
``SameSite=Strict`` cookie that the dashboard's requests then carry. The cookie alone opens only
``GET`` and ``HEAD``; a change (advance the clock, reset) also needs the ``x-emulator-page``
header the dashboard sends, which a browser sends to another origin only after a CORS preflight
this server never grants: another site's page can never make a browser reset or force state.

What stays open: the routes the control plane's table marks ``open`` (``POST
/_emulator/webhooks/receiver``, where webhook deliveries land, from this emulator or from a
provider the test points at it), like the API itself. Anything else without the token gets a
``401`` problem+json naming what to send.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request as HTTPRequest
from starlette.responses import JSONResponse, Response

from emulator.lifecycle.render.envelope import PROBLEM_JSON

__all__ = ["PAGE_HEADER", "TOKEN_COOKIE", "TOKEN_HEADER", "ControlLock"]

TOKEN_HEADER = "x-emulator-token"
TOKEN_COOKIE = "emulator_token"
_READS = ("GET", "HEAD")
PAGE_HEADER = "x-emulator-page"


class ControlLock:
    """Checks the control token of each control-plane request; no token set: all pass."""

    def __init__(self, token: str | None) -> None:
        self.token = token or None

    def refusal(self, request: HTTPRequest, *, page: bool = False) -> Response | None:
        """None when ``request`` may go on; else the 401 to answer. ``page``: the request is for
        the dashboard's page, which may carry the token in its query."""
        if self.token is None:
            return None
        given = [request.headers.get(TOKEN_HEADER)]
        word, _, bearer = (request.headers.get("authorization") or "").partition(" ")
        if word.lower() == "bearer":
            given.append(bearer.strip())
        if request.method in _READS or PAGE_HEADER in request.headers:
            page_token = request.query_params.get("token") if page else None
            given += [request.cookies.get(TOKEN_COOKIE), page_token]
        if any(g and self._matches(g) for g in given):
            return None
        what = "a wrong control token" if any(given) else "no control token"
        problem = {
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": f"this emulator's control plane is locked (--control-token) and "
            f"{request.method} {request.url.path} carried {what}: send the header "
            f"'{TOKEN_HEADER}: <token>' or 'Authorization: Bearer <token>'",
        }
        headers = {"www-authenticate": 'Bearer realm="jobs-emulator control"'}
        return JSONResponse(problem, 401, headers, media_type=PROBLEM_JSON)

    def admit(self, request: HTTPRequest, response: Response) -> Response:
        """The dashboard page, with the cookie its reads will carry when opened with the token
        (its ``?token=``)."""
        token = request.query_params.get("token")
        if self.token is not None and token and self._matches(token):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    def _matches(self, given: str) -> bool:
        assert self.token is not None
        return hmac.compare_digest(given.encode(), self.token.encode())
