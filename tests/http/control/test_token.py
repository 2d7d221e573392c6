"""A locked control plane (emulator.http.control.token), secrets redacted from journal output
(emulator.http.control.redaction) and ``--api-key`` restricting the keys an API accepts (auth)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.http.control.redaction import REDACTED, Redactor
from emulator.lifecycle.render.envelope import error_reply
from emulator.openapi.model import SecurityScheme
from tests.support import RETAB, WRITER

TOKEN = "s3cret-token"
LOCKED = {"x-emulator-token": TOKEN}


def client(api: str = "writer", **settings: Any) -> TestClient:
    app = build(api=api, settings=Settings(manual_clock=True, **settings))
    return TestClient(app, base_url="http://emulator", follow_redirects=False)


@pytest.fixture(scope="module")
def locked() -> TestClient:
    return client(control_token=TOKEN)


def create(c: TestClient, headers: dict[str, str] = WRITER, **more: str) -> Any:
    return c.post("/v1/applications/app-1/jobs", json={"inputs": []}, headers={**headers, **more})


# --- the control token --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "health"),
        ("POST", "reset"),
        ("GET", "journal"),
        ("POST", "clock/advance"),
        ("GET", "jobs"),
        ("GET", "journal/export"),
        ("GET", "namespaces"),
        ("GET", "ui"),
        ("GET", "ui/dashboard.js"),
        ("GET", "webhooks"),
        ("GET", "no-such-endpoint"),
    ],
)
def test_every_control_and_dashboard_request_needs_the_token(
    locked: TestClient, method: str, path: str
) -> None:
    for headers in ({}, {"x-emulator-token": "wrong"}, {"Authorization": "Bearer wrong"}):
        r = locked.request(method, f"/_emulator/{path}", headers=headers)
        assert r.status_code == 401, (path, headers, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")
        problem = r.json()
        assert problem["status"] == 401 and problem["title"] == "Unauthorized"
        assert "x-emulator-token" in problem["detail"] and f"/_emulator/{path}" in problem["detail"]
        assert TOKEN not in r.text
    namespaced = locked.get("/_ns/t1/_emulator/health")
    assert namespaced.status_code == 401


def test_the_token_opens_the_control_plane_as_a_header_or_a_bearer_token(
    locked: TestClient,
) -> None:
    assert locked.get("/_emulator/health", headers=LOCKED).json()["status"] == "ok"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    moved = locked.post("/_emulator/clock/advance", json={"seconds": 5}, headers=bearer)
    assert moved.status_code == 200
    # The API itself is not the control plane: its own auth rules apply, not the token.
    assert create(locked).status_code == 202


def test_the_dashboard_opened_with_the_token_works_with_its_cookie_and_page_header(
    locked: TestClient,
) -> None:
    page = locked.get("/_emulator/ui", params={"token": TOKEN})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"emulator_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    locked.cookies.clear()  # sent by hand below, so each request says what it carries
    jar = {"Cookie": f"emulator_token={TOKEN}"}
    assert locked.get("/_emulator/ui/dashboard.js", headers=jar).status_code == 200
    assert locked.get("/_ns/t2/_emulator/activity", headers=jar).status_code == 200
    # Another site's page could make the browser send the cookie: alone, it changes nothing.
    assert locked.post("/_emulator/reset", headers=jar).status_code == 401
    # The dashboard's own changes carry a header no other origin can send without CORS.
    page = {**jar, "x-emulator-page": "1"}
    advanced = locked.post("/_ns/t2/_emulator/clock/advance", json={"seconds": 1}, headers=page)
    assert advanced.status_code == 200
    assert locked.post("/_emulator/reset", headers={"x-emulator-page": "1"}).status_code == 401
    # Only the page takes ?token=, so the token is not pasted into every URL.
    assert locked.get("/_emulator/journal", params={"token": TOKEN}).status_code == 401
    assert locked.get("/_emulator/ui", params={"token": "wrong"}).status_code == 401


def test_the_webhook_receiver_stays_open_where_deliveries_land() -> None:
    c = client("openai", control_token=TOKEN)
    r = c.post("/_emulator/webhooks/receiver", json={"type": "batch.completed"})
    assert r.status_code != 401, r.text
    assert c.get("/_emulator/webhooks/received").status_code == 401


def test_no_token_configured_leaves_the_control_plane_open() -> None:
    assert client().get("/_emulator/health").status_code == 200


# --- secrets in journal output --------------------------------------------------------------------


def _shown(c: TestClient, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The create entry as every journal output shows it: control, export, page, timeline."""
    h = headers or {}
    entries = c.get("/_emulator/journal", headers=h).json()["entries"]
    job_id = entries[0]["job_id"]
    export = c.get("/_emulator/journal/export", headers=h).json()
    page = c.get("/_emulator/journal/page", headers=h).json()
    timeline = c.get(f"/_emulator/jobs/{job_id}/timeline", headers=h).json()
    found = [entries[0], export["entries"][0], page["entries"][-1]]
    found += [e for e in _walk(timeline) if isinstance(e, dict) and "request_headers" in e]
    assert len(found) >= 4
    return found


def _walk(value: Any) -> Any:
    yield value
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(children, list) and not isinstance(value, dict):
        return
    for child in children:
        yield from _walk(child)


def test_credentials_are_redacted_in_every_journal_output() -> None:
    c = client()
    r = create(c, Cookie="session=abc123; theme=dark", **{"Proxy-Authorization": "Basic eHl6"})
    assert r.status_code == 202
    for entry in _shown(c):
        sent = entry["request_headers"]
        assert sent["authorization"] == f"Bearer {REDACTED}"
        assert sent["cookie"] == f"session={REDACTED}; theme={REDACTED}"
        assert sent["proxy-authorization"] == f"Basic {REDACTED}"
        assert "My API Key" not in str(entry) and "abc123" not in str(entry)
        assert entry["request_body"] == {"inputs": []}  # the rest is as it was


def test_the_header_a_security_scheme_declares_is_redacted_too() -> None:
    c = client("retab", control_token=TOKEN)
    r = c.get("/v1/jobs", headers=RETAB)
    entry = c.get("/_emulator/journal", headers=LOCKED).json()["entries"][0]
    assert entry["request_headers"]["api-key"] == REDACTED, r.text


def test_journal_secrets_shows_them_in_clear() -> None:
    c = client(journal_secrets=True)
    create(c, Cookie="session=abc123")
    for entry in _shown(c):
        assert entry["request_headers"]["authorization"] == "Bearer My API Key"
        assert entry["request_headers"]["cookie"] == "session=abc123"


def test_query_and_cookie_keys_and_set_cookie_are_redacted_by_name() -> None:
    schemes = {
        "q": SecurityScheme("q", "apiKey", location="query", param_name="api_key"),
        "c": SecurityScheme("c", "apiKey", location="cookie", param_name="sid"),
        "h": SecurityScheme("h", "apiKey", location="header", param_name="X-Key"),
    }
    entry = {
        "query": "page=2&api_key=k-123&api%5Fkey=k-456&flag",
        "request_headers": {"X-Key": "k-789", "Cookie": "sid=s1", "Accept": "*/*"},
        "response_headers": {"set-cookie": "sid=s2; Path=/; HttpOnly"},
    }
    shown = Redactor(schemes).entry(entry)
    assert shown["query"] == f"page=2&api_key={REDACTED}&api%5Fkey={REDACTED}&flag"
    assert shown["request_headers"] == {
        "X-Key": REDACTED,
        "Cookie": f"sid={REDACTED}",
        "Accept": "*/*",
    }
    assert shown["response_headers"] == {"set-cookie": f"sid={REDACTED}; Path=/; HttpOnly"}
    assert Redactor(schemes, keep=True).entry(entry) is entry


# --- --api-key ------------------------------------------------------------------------------------


def test_api_key_restricts_the_keys_accepted_with_the_providers_401() -> None:
    c = client(api_keys=("My API Key", "second key"))
    assert create(c).status_code == 202
    assert create(c, {"Authorization": "Bearer second key"}).status_code == 202
    revoked = create(c, {"Authorization": "Bearer revoked key"})
    assert revoked.status_code == 401
    profile = c.app.profile
    expected = error_reply(profile, "invalid_token", {})
    assert revoked.json() == expected.body
    assert create(c, {}).json() == error_reply(profile, "unauthenticated", {}).body
    # A refused key is the provider's answer, not a violation of the spec.
    refused = c.get("/_emulator/journal", params={"status": "401"}).json()["entries"]
    assert len(refused) == 2 and not any(e["violations"] for e in refused)


def test_api_key_applies_to_api_key_headers() -> None:
    c = client("retab", api_keys=("good",))
    assert c.get("/v1/jobs", headers={"Api-Key": "good"}).status_code == 200
    bad = c.get("/v1/jobs", headers={"Api-Key": "bad"})
    # retab's profile words no invalid_token of its own: its envelope, the default message.
    assert bad.status_code == 401
    assert bad.json() == error_reply(c.app.profile, "invalid_token", {}).body
