"""The client side of the end-to-end tests: helpers over the public ``EmulatorHandle``."""

from __future__ import annotations

from typing import Any

from emulator.testing.handle import EmulatorHandle
from tests.support import DATA, REPO

SCENARIOS = DATA / "scenarios"
# Hand-written specs and profiles of job APIs of other shapes (tests/data/shapes).
SHAPES = DATA / "shapes" / "specs"
# Argo Workflows' published Swagger 2.0 spec, unmodified (source, commit and license in
# tests/data/wild/corpus.yaml).
ARGO_SWAGGER = DATA / "wild" / "argo_workflows" / "argo.json.gz"
REFERENCE_OSAPI = REPO.parent / "shared" / "reference-specs" / "osapi" / "job" / "gen" / "api.yaml"


def entries(handle: EmulatorHandle, **filters: Any) -> list[dict[str, Any]]:
    """The namespace's journal entries, filtered as ``GET /_emulator/journal`` filters them."""
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in filters.items()}
    found: list[dict[str, Any]] = handle.control("GET", "journal", **query)["entries"]
    return found


def assert_clean(handle: EmulatorHandle) -> None:
    """No exchange in this namespace broke the spec, and none became a 500."""
    seen = entries(handle)
    assert [e for e in seen if e["violations"]] == []
    assert [e for e in seen if e["status"] >= 500 and e["fault"] is None] == []


def neighbour(handle: EmulatorHandle, suffix: str) -> EmulatorHandle:
    """Another namespace of the same server."""
    root = handle.url.rsplit("/_ns/", 1)[0]
    return EmulatorHandle.for_server(root, handle.namespace + suffix, api=handle.api)


def on_real_clock(handle: EmulatorHandle) -> None:
    handle.clock_mode = "real"
    handle.reset()
