"""Drafts of the other job shapes, unedited, polled by their vendors' own machinery over real
HTTP: a create answering 202 + ``Operation-Location`` with a status monitor that redirects
(303) to the result, polled by azure-core's ``LROPoller``; and a method answering an AIP-151
``Operation``, polled by google-api-core's ``Operation`` future (tests/data/shapes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core import PipelineClient
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import RedirectPolicy, RequestIdPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import LROBasePolling
from azure.core.rest import HttpRequest
from google.api_core import exceptions, operation
from google.api_core import retry as retries
from google.longrunning import operations_pb2
from google.protobuf import json_format, struct_pb2

from emulator.bundle import build
from emulator.drafting import draft_profile, write_draft
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle
from tests.support import DATA

SHAPES = DATA / "shapes" / "specs"


def serve_draft(spec: Path, out: Path) -> Iterator[EmulatorHandle]:
    profile = write_draft(draft_profile(spec, name="drafted"), spec, out)[0]
    server = LiveServer(build(profile=profile, settings=Settings(manual_clock=True, strict=True)))
    server.start()
    handle = EmulatorHandle.for_server(server.url, "drafted")
    try:
        yield handle
    finally:
        handle.close()
        server.stop()


# -- 202 + Operation-Location, a monitor, 303 to the result -------------------------------------


def test_a_202_create_is_bound_with_its_header_and_its_monitor() -> None:
    draft = draft_profile(SHAPES / "analyses.yaml")
    operations = draft.profile["operations"]
    assert operations["create"] == {
        "operation": "startAnalysis",
        "headers": {"Operation-Location": "{base_url}/analyses/operations/{job.id}"},
        "view": "monitor",  # the create answers what the monitor answers
    }
    assert operations["monitor"] == {
        "operation": "getAnalysisStatus",
        "done": "redirect",  # the monitor declares a 303
        "location": "{base_url}/analyses/results/{job.id}",
    }
    assert operations["retrieve"] == "getAnalysisResult"
    assert draft.profile["statuses"]["started"] == ["running"]  # the monitor's statuses
    assert draft.profile["views"]["monitor"]["createdDateTime"] == "{job.created_at}"


@pytest.fixture
def analyses(tmp_path: Path) -> Iterator[EmulatorHandle]:
    yield from serve_draft(SHAPES / "analyses.yaml", tmp_path)


def test_the_unedited_monitor_draft_is_polled_to_its_result_by_azure_core(
    analyses: EmulatorHandle,
) -> None:
    client: PipelineClient[Any, Any] = PipelineClient(
        analyses.url,
        transport=RequestsTransport(),
        policies=[RequestIdPolicy(), RedirectPolicy()],
    )
    request = HttpRequest("POST", f"{analyses.url}/analyses", json={"source": "a.pdf"})
    initial = client.send_request(request, _return_pipeline_response=True)

    def result(response: PipelineResponse[Any, Any]) -> Any:
        return response.http_response.json()

    poller = LROPoller(client, initial, result, LROBasePolling(timeout=0))
    assert poller.result()["status"] == "succeeded"
    polls = [e["status"] for e in analyses.journal.entries(operation="monitor")]
    assert polls == [200, 200, 200, 303]  # waiting, running twice, then the redirect
    assert analyses.violations() == []


# -- an AIP-151 Operation --------------------------------------------------------------------

NO_WAIT = retries.Retry(
    initial=0, maximum=0, multiplier=1, timeout=5, predicate=retries.if_exception_type(Exception)
)


def test_an_operation_is_a_view_of_the_job_named_by_the_path_it_is_polled_at() -> None:
    draft = draft_profile(SHAPES / "exports.yaml")
    assert draft.profile["operations"] == {
        "create": "startExport",
        "retrieve": "getOperation",
        # CancelOperation answers Empty: a view of its own ({}).
        "cancel": {"operation": "cancelOperation", "action": "cancel", "view": "cancelled"},
    }
    assert draft.profile["views"]["cancelled"] == {}
    job = draft.profile["views"]["job"]
    assert (job["name"], job["done"], job["response?"], job["error?"]) == (
        "operations/{job.id}",
        "{job.done}",
        "{result}",
        "{error}",
    )
    assert draft.profile["statuses"]["terminal"] == ["SUCCEEDED", "FAILED", "CANCELLED"]
    assert any("'@type'" in line for line in draft.undecided)


@pytest.fixture
def exports(tmp_path: Path) -> Iterator[EmulatorHandle]:
    yield from serve_draft(SHAPES / "exports.yaml", tmp_path)


def test_the_unedited_operation_draft_is_polled_to_done_by_google_api_core(
    exports: EmulatorHandle,
) -> None:
    with httpx.Client(base_url=f"{exports.url}/v1/") as http:

        def parse(body: Any) -> operations_pb2.Operation:
            return json_format.ParseDict(body, operations_pb2.Operation())

        started = parse(http.post("projects/p1/exports", json={"table": "t"}).json())

        def refresh(retry: Any = None) -> operations_pb2.Operation:
            return parse(http.get(started.name).raise_for_status().json())

        future = operation.Operation(started, refresh, lambda: None, struct_pb2.Struct)
        assert dict(future.result(polling=NO_WAIT)) == {}
        exports.use_scenario("fails")
        failing = parse(http.post("projects/p1/exports", json={"table": "t"}).json())
        failed = operation.Operation(
            failing,
            lambda retry=None: parse(http.get(failing.name).json()),
            lambda: None,
            struct_pb2.Struct,
        )
        with pytest.raises(exceptions.GoogleAPICallError, match="a drafted failure"):
            failed.result(polling=NO_WAIT)
    assert exports.violations() == []
