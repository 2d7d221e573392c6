"""What ``serve`` imports: only what serving needs. PyJWT (and cryptography under it) only for
profiles that verify JWTs, and there only for a token that is not plain (``hmac_token``), httpx
only for webhook deliveries and contract runs, schemathesis only for contract runs. Checked in a
fresh interpreter; what it costs is measured in bench/."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import jwt
import pytest

from emulator.settings import DEFAULT_JWT_SECRET

HEAVY = ("jwt", "cryptography", "httpx", "schemathesis", "hypothesis", "selenium", "xml.etree")

_PROBE = """
import json, sys
{code}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def imported(code: str) -> list[str]:
    probe = _PROBE.format(code=code, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    found: list[str] = json.loads(out.stdout.splitlines()[-1])
    return found


def test_the_package_and_its_settings_import_nothing_of_the_http_stack() -> None:
    code = "import emulator, emulator.settings\nassert 'emulator.http.app' not in sys.modules"
    assert imported(code) == []


@pytest.mark.parametrize("api", ["writer", "retab"])
def test_the_cli_and_a_built_app_import_none_of_the_heavy_optional_libraries(api: str) -> None:
    code = (
        "import emulator.cli\nfrom emulator import build\n"
        f"app = build(api={api!r})\nfrom emulator.http.server import stack"
    )
    assert imported(code) == []


def test_a_jwt_profile_imports_pyjwt_only_for_a_token_that_is_not_plain() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is a short HMAC key
        token = jwt.encode({"roles": ["read"]}, DEFAULT_JWT_SECRET, "HS256")
    code = f"""
from starlette.testclient import TestClient
from emulator import build
client = TestClient(build(api="osapi"))
job = "/job/0b5c5a2e-6a4f-4e8e-9a4b-3c2d1e0f9a8b"
r = client.get(job, headers={{"Authorization": "Bearer {token}"}})
assert r.status_code == 404, r.status_code
assert "jwt" not in sys.modules and "cryptography" not in sys.modules
r = client.get(job, headers={{"Authorization": "Bearer not-a-jwt"}})
assert r.status_code == 401, r.status_code
"""
    assert "jwt" in imported(code)
