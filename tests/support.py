"""What many test files share: where the suite's files are, each bundled API's credentials,
and an in-process client of a freshly built emulator."""

from __future__ import annotations

import warnings
from pathlib import Path

import jwt
from starlette.testclient import TestClient

from emulator import DEFAULT_JWT_SECRET, Settings, build

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"

# Credentials each bundled API accepts: writer and retab take any value.
WRITER = {"Authorization": "Bearer My API Key"}
RETAB = {"Api-Key": "k"}
WRITER_INPUTS = {"inputs": [{"id": "topic", "value": ["shoes"]}]}

# For a pytest run in a subprocess that uses none of them: importing these installed plugins
# costs each such run seconds of start-up (schemathesis most), and the suite has several.
UNUSED_PLUGINS = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:schemathesis",
    "-p",
    "no:anyio",
    "-p",
    "no:asyncio",
)


def osapi_token(*roles: str, secret: str = DEFAULT_JWT_SECRET) -> str:
    """An HS256 JWT granting ``roles``, signed as the emulator expects by default."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is a short HMAC key
        return jwt.encode({"roles": list(roles)}, secret, "HS256")


def osapi_auth(*roles: str) -> dict[str, str]:
    """osapi's Authorization header, granting ``roles`` (default: admin)."""
    return {"Authorization": f"Bearer {osapi_token(*(roles or ('admin',)))}"}


def emulator_for(api: str, base_url: str = "http://e") -> TestClient:
    """An in-process client of a new emulator of a bundled API, on a manual clock."""
    return TestClient(build(api=api, settings=Settings(manual_clock=True)), base_url=base_url)
