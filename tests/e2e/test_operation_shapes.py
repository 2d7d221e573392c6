"""Long-running operations of two more shapes, polled by their vendors' own machinery over
real HTTP: a status monitor behind ``Operation-Location`` that redirects (303) to the result,
and one behind ``Location`` that answers 202 while the job runs, both polled by azure-core's
``LROPoller``; and Google's ``Operation`` resource (AIP-151), polled and
cancelled (``POST /v1/operations/{id}:cancel``, a custom method) by google-api-core's
``operation.Operation`` future through its REST operations client (tests/data/shapes:
hand-written specs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import RedirectPolicy, RequestIdPolicy, RetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import LROBasePolling
from azure.core.rest import HttpRequest
from google.api_core import exceptions, operation
from google.api_core import retry as retries
from google.api_core.operations_v1 import AbstractOperationsClient
from google.api_core.operations_v1.transports.rest import OperationsRestTransport
from google.auth.credentials import AnonymousCredentials
from google.longrunning import operations_pb2
from google.protobuf import json_format, struct_pb2
from google.rpc import code_pb2

from emulator.testing.handle import EmulatorHandle
from tests.webhook_support import ReceiverServer

from .e2e_support import assert_clean, entries

# -- 202 + Operation-Location, a monitor, a 303 to the result (azure-core) ----------------------


class ClockTransport(RequestsTransport):
    """azure-core's HTTP transport, waiting the Retry-After it is told on the emulator's clock."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        super().__init__()
        self.emulator = emulator
        self.waits: list[float] = []

    def sleep(self, duration: float) -> None:
        self.waits.append(duration)
        self.emulator.clock.advance(duration)


def begin(
    emulator: EmulatorHandle,
    path: str,
    body: dict[str, Any],
    before_polling: Callable[[str], object] = lambda job_id: None,
) -> tuple[LROPoller[Any], ClockTransport]:
    """A small azure-core client: the policies generated Azure clients carry for polling; the
    poller picks its algorithm from the create's headers, as theirs does. It starts polling
    at once, on a thread of its own: ``before_polling`` acts on the new job first."""
    transport = ClockTransport(emulator)
    policies = [RequestIdPolicy(), RetryPolicy(), RedirectPolicy()]
    client: PipelineClient[Any, Any] = PipelineClient(
        emulator.url, transport=transport, policies=policies
    )
    request = HttpRequest("POST", f"{emulator.url}{path}", json=body)
    initial = client.send_request(request, _return_pipeline_response=True)
    before_polling(initial.http_response.json()["id"])

    def result(response: PipelineResponse[Any, Any]) -> Any:
        return response.http_response.json()

    return LROPoller(client, initial, result, LROBasePolling(timeout=30)), transport


def journey(emulator: EmulatorHandle) -> list[tuple[str, int]]:
    return [(e["action"], e["status"]) for e in entries(emulator)]


def redirected_after(polls: int, polled_as: int) -> list[tuple[str, int]]:
    """A create, ``polls`` polls of the monitor while the job runs, its 303, the result."""
    running = [("monitor", polled_as)] * polls
    return [("create", 202), *running, ("monitor", 303), ("retrieve", 200)]


def begin_analysis(emulator: EmulatorHandle, source: str) -> tuple[LROPoller[Any], ClockTransport]:
    return begin(emulator, "/analyses", {"source": source})


def test_a_monitor_behind_operation_location_redirects_to_the_result(
    analyses: EmulatorHandle,
) -> None:
    poller, transport = begin_analysis(analyses, "invoice.pdf")
    result = poller.result()
    assert (poller.status(), result["status"], result["pages"]) == ("succeeded", "succeeded", 3)
    assert transport.waits == [2.0, 2.0, 2.0]  # Retry-After, on the emulator's clock
    assert journey(analyses) == redirected_after(3, polled_as=200)
    created = entries(analyses)[0]["response_headers"]
    job_id = result["id"]
    assert created["operation-location"].endswith(f"/analyses/operations/{job_id}")
    assert entries(analyses)[4]["response_headers"]["location"].endswith(f"/results/{job_id}")
    assert "retry-after" not in entries(analyses)[4]["response_headers"]  # done: no more waits
    assert_clean(analyses)


def test_a_failed_operation_fails_the_poller(analyses: EmulatorHandle) -> None:
    poller, _ = begin_analysis(analyses, "broken.pdf")
    with pytest.raises(HttpResponseError, match="The document is corrupt"):
        poller.result()
    last = entries(analyses)[-1]  # the monitor says it failed, and why: no redirect
    assert (last["action"], last["status"]) == ("monitor", 200)
    assert last["response_body"]["error"]["code"] == "InvalidContent"
    assert_clean(analyses)


def test_a_scenario_fault_on_the_monitor_is_retried_by_the_poller_on_the_clock(
    analyses: EmulatorHandle,
) -> None:
    poller, transport = begin_analysis(analyses, "busy.pdf")
    assert poller.result()["pages"] == 1
    polls = [(e["status"], e["fault"]) for e in entries(analyses, operation="monitor")]
    assert polls == [(200, None), (503, "/faults/0"), (303, None)]
    assert 3.0 in transport.waits  # the fault's Retry-After, waited on the emulator's clock
    assert_clean(analyses)


# -- 202 + Location: the monitor answers 202 while the job runs (azure-core) --------------------


def test_a_monitor_behind_location_answers_202_until_it_redirects_to_the_result(
    reports: EmulatorHandle,
) -> None:
    poller, transport = begin(reports, "/reports", {"query": "sales by month"})
    assert poller.result() == {"id": poller.result()["id"], "status": "Succeeded", "rows": 40}
    assert transport.waits == [5.0, 5.0, 5.0]  # Retry-After, on the emulator's clock
    assert journey(reports) == redirected_after(3, polled_as=202)
    polls = entries(reports, operation="monitor")
    assert [p["response_headers"].get("retry-after") for p in polls] == ["5", "5", "5", None]
    assert polls[0]["response_body"] == {"id": poller.result()["id"], "status": "Running"}
    assert_clean(reports)


def test_the_job_behind_a_monitor_announces_its_end_by_webhook_on_the_pollers_waits(
    reports: EmulatorHandle,
) -> None:
    with ReceiverServer() as receiver:
        reports.control("POST", "webhooks", {"url": receiver.url})
        poller, transport = begin(reports, "/reports", {"query": "sales by month"})
        report = poller.result()
    [delivered] = receiver.got  # sent when the poller's third wait crossed 12 s
    assert json.loads(delivered["raw"]) == {"id": report["id"], "status": "Succeeded"}
    [sent] = reports.control("GET", "webhooks/deliveries")["deliveries"]
    assert (sent["event"], sent["job_id"], sent["at"] - reports.clock.now) == (
        "report.finished",
        report["id"],
        12 - sum(transport.waits),
    )
    assert_clean(reports)


def test_a_failed_job_behind_location_answers_the_failed_status_with_its_error(
    reports: EmulatorHandle,
) -> None:
    poller, _ = begin(reports, "/reports", {"query": "broken"})
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert failed.value.status_code == 422
    body = failed.value.response.json()
    assert body["status"] == "Failed"
    assert body["error"] == {"code": "BadQuery", "message": "The query does not parse."}
    assert [e["status"] for e in entries(reports, operation="monitor")] == [202, 202, 422]
    assert_clean(reports)


def test_a_cancelled_job_behind_location_answers_the_failed_status(
    reports: EmulatorHandle,
) -> None:
    def cancel(job_id: str) -> None:
        cancelled = httpx.post(f"{reports.url}/reports/operations/{job_id}/cancel")
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "Canceled")

    poller, _ = begin(reports, "/reports", {"query": "sales by month"}, before_polling=cancel)
    job_id = entries(reports)[0]["response_body"]["id"]
    with pytest.raises(HttpResponseError) as cancelled:
        poller.result()
    assert cancelled.value.status_code == 422
    assert cancelled.value.response.json() == {
        "id": job_id,
        "status": "Canceled",
        "error": {"code": "Canceled", "message": "The report was canceled."},
    }
    assert_clean(reports)


# -- Operation resources, AIP-151 (google-api-core) ---------------------------------------------

# The poller's own retry, without waiting: this scenario's states last a number of polls.
NO_WAIT = retries.Retry(
    initial=0, maximum=0, multiplier=1, timeout=5, predicate=retries.if_exception_type(Exception)
)
# Where this service's google.longrunning.Operations methods live, as a generated REST client's
# http_options say them for its own service: GetOperation, and CancelOperation as a custom
# method (AIP-136) after the operation's name.
OPERATIONS_RULES = {
    "google.longrunning.Operations.GetOperation": [
        {"method": "get", "uri": "/v1/{name=operations/*}"}
    ],
    "google.longrunning.Operations.CancelOperation": [
        {"method": "post", "uri": "/v1/{name=operations/*}:cancel", "body": "*"}
    ],
}


@pytest.fixture
def operations(exports: EmulatorHandle) -> AbstractOperationsClient:
    """google-api-core's REST operations client, the one generated REST clients poll with."""
    transport = OperationsRestTransport(
        host=exports.url,
        credentials=AnonymousCredentials(),
        http_options=OPERATIONS_RULES,
        url_scheme="http",
    )
    return AbstractOperationsClient(transport=transport)


def start_export(
    exports: EmulatorHandle, operations: AbstractOperationsClient, table: str
) -> operation.Operation:
    """The method starts an Operation; google-api-core's future polls and cancels it by name
    through the operations client, as a generated client's ``from_gapic`` wiring does."""
    started = httpx.post(f"{exports.url}/v1/projects/p1/exports", json={"table": table})
    proto = json_format.ParseDict(started.raise_for_status().json(), operations_pb2.Operation())
    return operation.from_gapic(
        proto, operations, struct_pb2.Struct, metadata_type=struct_pb2.Struct
    )


def test_an_operation_resource_is_polled_until_done_with_its_response(
    exports: EmulatorHandle, operations: AbstractOperationsClient
) -> None:
    export = start_export(exports, operations, "orders")
    assert export.operation.name.startswith("operations/export-")
    assert not export.done(retry=None)
    result = export.result(polling=NO_WAIT)
    assert dict(result) == {"uri": "gs://bucket/export.csv", "rows": 1200}
    assert export.metadata["state"] == "SUCCEEDED"
    assert export.metadata["table"] == "orders"
    failing = start_export(exports, operations, "missing")
    with pytest.raises(exceptions.GoogleAPICallError, match="table 'missing' not found"):
        failing.result(polling=NO_WAIT)
    assert_clean(exports)


def test_a_running_operation_is_cancelled_by_its_custom_method(
    exports: EmulatorHandle, operations: AbstractOperationsClient
) -> None:
    export = start_export(exports, operations, "orders")
    assert not export.done()  # its one pending poll: it now runs
    assert export.cancel() is True
    cancels = entries(exports, operation="cancel")
    assert [(e["method"], e["status"], e["response_body"]) for e in cancels] == [("POST", 200, {})]
    job_id = export.operation.name.removeprefix("operations/")
    assert cancels[0]["path"].endswith(f"/v1/operations/{job_id}:cancel")
    # Best effort: the running step ends first, then the operation is done, cancelled.
    assert not export.cancelled()
    assert export.cancelled()
    with pytest.raises(exceptions.Cancelled, match="Operation cancelled by the user"):
        export.result(polling=NO_WAIT)
    assert export.metadata["state"] == "CANCELLED"
    # A done operation: the future asks nothing; the method itself refuses, FAILED_PRECONDITION.
    asked = len(entries(exports))
    assert export.cancel() is False
    assert len(entries(exports)) == asked
    with pytest.raises(exceptions.BadRequest, match="is already done"):
        operations.cancel_operation(export.operation.name)
    assert_clean(exports)


def test_a_pending_operation_is_cancelled_at_once(
    exports: EmulatorHandle, operations: AbstractOperationsClient
) -> None:
    export = start_export(exports, operations, "orders")
    operations.cancel_operation(export.operation.name)
    done = operations.get_operation(export.operation.name)
    assert (done.done, done.error.code, done.error.message) == (
        True,
        code_pb2.CANCELLED,
        "Operation cancelled by the user.",
    )
    with pytest.raises(exceptions.NotFound, match="operation export-nothing not found"):
        operations.cancel_operation("operations/export-nothing")
    assert_clean(exports)
