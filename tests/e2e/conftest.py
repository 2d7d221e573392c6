"""Real servers for the end-to-end tests: one LiveServer per API, one namespace per test.

The servers run on a manual clock in strict mode, so a lifecycle moves only when a test moves
time and any response the spec forbids would come back as a 500. Tests share a server but
never a namespace: each gets a fresh ``/_ns/<name>`` prefix for its API and control calls.
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.bundle import build
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle

from .e2e_support import ARGO_SWAGGER, REFERENCE_OSAPI, SCENARIOS, SHAPES

MANUAL = Settings(manual_clock=True, strict=True)

_counter = itertools.count(1)


def _serve(**kwargs: Any) -> Iterator[LiveServer]:
    server = LiveServer(build(**kwargs)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def writer_server() -> Iterator[LiveServer]:
    yield from _serve(api="writer", settings=MANUAL)


@pytest.fixture(scope="session")
def retab_server() -> Iterator[LiveServer]:
    yield from _serve(api="retab", settings=MANUAL)


@pytest.fixture(scope="session")
def openai_server() -> Iterator[LiveServer]:
    yield from _serve(api="openai", settings=MANUAL)


@pytest.fixture(scope="session")
def replicate_server() -> Iterator[LiveServer]:
    yield from _serve(api="replicate", settings=MANUAL)


@pytest.fixture(scope="session")
def writer_faults_server() -> Iterator[LiveServer]:
    yield from _serve(api="writer", scenarios=SCENARIOS / "writer-faults", settings=MANUAL)


@pytest.fixture(scope="session", params=["excerpt", "published"])
def workflows_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Argo Workflows' API over the hand-written 3.0 excerpt, and over Argo's own published
    Swagger 2.0 spec, unmodified (converted at load), with the same profile."""
    profile = SHAPES / "workflows.profile.yaml"
    if request.param == "published":
        spec = tmp_path_factory.mktemp("argo") / "swagger.json"
        spec.write_bytes(gzip.decompress(ARGO_SWAGGER.read_bytes()))
        yield from _serve(profile=profile, spec=spec, settings=MANUAL)
    else:
        yield from _serve(profile=profile, settings=MANUAL)


@pytest.fixture(scope="session")
def analyses_server() -> Iterator[LiveServer]:
    yield from _serve(profile=SHAPES / "analyses.profile.yaml", settings=MANUAL)


@pytest.fixture(scope="session")
def reports_server() -> Iterator[LiveServer]:
    yield from _serve(profile=SHAPES / "reports.profile.yaml", settings=MANUAL)


@pytest.fixture(scope="session")
def exports_server() -> Iterator[LiveServer]:
    yield from _serve(profile=SHAPES / "exports.profile.yaml", settings=MANUAL)


@pytest.fixture(scope="session", params=["bundled", "reference"])
def osapi_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """osapi over the bundled spec, and over upstream's own spec file, unmodified."""
    if request.param == "reference":
        if not REFERENCE_OSAPI.is_file():
            pytest.skip(f"upstream osapi spec not found at {REFERENCE_OSAPI}")
        yield from _serve(api="osapi", spec=REFERENCE_OSAPI, settings=MANUAL)
    else:
        yield from _serve(api="osapi", settings=MANUAL)


def _namespace(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    return f"{name}-{next(_counter)}"


def _emu(server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    # The fixture's own handle (emulator.testing.handle), on a server these tests start.
    handle = EmulatorHandle.for_server(server.url, _namespace(request))
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def writer(writer_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(writer_server, request)


@pytest.fixture
def retab_emu(retab_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(retab_server, request)


@pytest.fixture
def openai_emu(
    openai_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(openai_server, request)


@pytest.fixture
def replicate_emu(
    replicate_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(replicate_server, request)


@pytest.fixture
def writer_faults(
    writer_faults_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(writer_faults_server, request)


@pytest.fixture
def osapi(osapi_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(osapi_server, request)


@pytest.fixture
def workflows(
    workflows_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(workflows_server, request)


@pytest.fixture
def analyses(
    analyses_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(analyses_server, request)


@pytest.fixture
def reports(reports_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(reports_server, request)


@pytest.fixture
def exports(exports_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(exports_server, request)
