"""bench/startup.py: the cold start is timed to the first answer of a real API route, so each
bundled API's first request must reach the provider's own 404 (routing, auth, validation, the
store and the self-check all on its path), not an error the emulator makes up on the way."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from starlette.testclient import TestClient

from emulator import build
from emulator.bundle import BUNDLED_APIS
from tests.support import REPO


def _startup_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "bench"))  # it imports its sibling ``servers``
    spec = importlib.util.spec_from_file_location("bench_startup", REPO / "bench" / "startup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delitem(sys.modules, "servers", raising=False)
    return module


@pytest.mark.parametrize("api", BUNDLED_APIS)
def test_each_bundled_apis_first_request_gets_the_providers_not_found(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = _startup_module(monkeypatch)
    assert api in startup.FIRST_REQUEST  # a new bundled API needs its first request
    path, headers = startup.FIRST_REQUEST[api]
    app = build(api=api)
    with TestClient(app) as client:
        answer = client.get(path, headers=headers)
        (entry,) = client.get("/_emulator/journal").json()["entries"]
    assert answer.status_code == 404, answer.text
    # The provider's 404 of a retrieve, checked clean; not the emulator's "no such operation".
    assert (entry["action"], entry["violations"]) == ("retrieve", []), entry
