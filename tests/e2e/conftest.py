"""Real servers for the end-to-end tests: one deployment per API, one namespace per test.

Every test runs against two deployments (``deployments``): one emulator in memory, and two
``serve`` processes on Redis behind haproxy; the expected results are the same. The servers run
on a manual clock in strict mode, so a lifecycle moves only when a test moves time and any
response the spec forbids would come back as a 500. Tests share a server but never a
namespace: each gets a fresh ``/_ns/<name>`` prefix for its API and control calls.
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterator

import pytest

from emulator.testing.handle import EmulatorHandle

from .deployments import Deployment, deployments, start
from .e2e_support import ARGO_SWAGGER, REFERENCE_OSAPI, SCENARIOS, SHAPES

_counter = itertools.count(1)


@pytest.fixture(scope="session", params=deployments("writer"))
def writer_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    yield from start(request, "writer", request.param, api="writer")


@pytest.fixture(scope="session", params=deployments("retab"))
def retab_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    yield from start(request, "retab", request.param, api="retab")


@pytest.fixture(scope="session", params=deployments("openai"))
def openai_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    yield from start(request, "openai", request.param, api="openai")


@pytest.fixture(scope="session", params=deployments("replicate"))
def replicate_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    yield from start(request, "replicate", request.param, api="replicate")


@pytest.fixture(scope="session", params=deployments("writer-faults"))
def writer_faults_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    faults = SCENARIOS / "writer-faults"
    yield from start(request, "writer-faults", request.param, api="writer", scenarios=faults)


@pytest.fixture(
    scope="session",
    params=deployments("workflows", "excerpt") + deployments("workflows-argo", "published"),
)
def workflows_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Argo Workflows' API over the hand-written 3.0 excerpt, and over Argo's own published
    Swagger 2.0 spec, unmodified (converted at load), with the same profile."""
    source, deployment = request.param
    profile = SHAPES / "workflows.profile.yaml"
    if source == "published":
        spec = tmp_path_factory.mktemp("argo") / "swagger.json"
        spec.write_bytes(gzip.decompress(ARGO_SWAGGER.read_bytes()))
        yield from start(request, "workflows-argo", deployment, profile=profile, spec=spec)
    else:
        yield from start(request, "workflows", deployment, profile=profile)


@pytest.fixture(scope="session", params=deployments("analyses"))
def analyses_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    profile = SHAPES / "analyses.profile.yaml"
    yield from start(request, "analyses", request.param, profile=profile)


@pytest.fixture(scope="session", params=deployments("reports"))
def reports_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    profile = SHAPES / "reports.profile.yaml"
    yield from start(request, "reports", request.param, profile=profile)


@pytest.fixture(scope="session", params=deployments("exports"))
def exports_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    profile = SHAPES / "exports.profile.yaml"
    yield from start(request, "exports", request.param, profile=profile)


@pytest.fixture(
    scope="session", params=deployments("osapi", "bundled") + deployments("osapi-ref", "reference")
)
def osapi_server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """osapi over the bundled spec, and over upstream's own spec file, unmodified."""
    spec, deployment = request.param
    if spec == "reference":
        if not REFERENCE_OSAPI.is_file():
            pytest.skip(f"upstream osapi spec not found at {REFERENCE_OSAPI}")
        yield from start(request, "osapi-ref", deployment, api="osapi", spec=REFERENCE_OSAPI)
    else:
        yield from start(request, "osapi", deployment, api="osapi")


def _namespace(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    return f"{name}-{next(_counter)}"


def _emu(server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    # The fixture's own handle (emulator.testing.handle), on a server these tests start.
    handle = EmulatorHandle.for_server(server.url, _namespace(request))
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def writer(writer_server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(writer_server, request)


@pytest.fixture
def retab_emu(retab_server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(retab_server, request)


@pytest.fixture
def openai_emu(
    openai_server: Deployment, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(openai_server, request)


@pytest.fixture
def replicate_emu(
    replicate_server: Deployment, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(replicate_server, request)


@pytest.fixture
def writer_faults(
    writer_faults_server: Deployment, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(writer_faults_server, request)


@pytest.fixture
def osapi(osapi_server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(osapi_server, request)


@pytest.fixture
def workflows(
    workflows_server: Deployment, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(workflows_server, request)


@pytest.fixture
def analyses(
    analyses_server: Deployment, request: pytest.FixtureRequest
) -> Iterator[EmulatorHandle]:
    yield from _emu(analyses_server, request)


@pytest.fixture
def reports(reports_server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(reports_server, request)


@pytest.fixture
def exports(exports_server: Deployment, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    yield from _emu(exports_server, request)
