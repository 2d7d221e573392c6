"""Google's own client (google-cloud-videointelligence 2.21.0, its REST transport), unchanged,
over real HTTP in strict mode against the published discovery document: an annotation is an
AIP-151 Operation, polled to its result through the SDK's own ``operation.result()``; a failed
one raises the operation's error and is resubmitted (the API has no retry); a cancel through
``operation.cancel()`` leaves it done with CANCELLED; the operations are listed through the
SDK's own pager (``ListOperationsPager``, following ``nextPageToken``) and deleted."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions
from google.api_core import retry as retries
from google.api_core.client_options import ClientOptions
from google.api_core.future.polling import _OperationNotComplete
from google.cloud import videointelligence_v1 as vi
from google.oauth2.credentials import Credentials

from emulator.testing.handle import EmulatorHandle

API = "videointelligence"  # the corpus API the emu and draft_emu fixtures serve

VIDEO = "gs://bucket/cat.mp4"
LOCATION = "projects/emulator/locations/us-east1"
# Poll again at once: the scenarios' states last a number of polls.
AT_ONCE = retries.Retry(
    initial=0,
    maximum=0,
    multiplier=1,
    timeout=10,
    predicate=retries.if_exception_type(_OperationNotComplete),
)


def sdk(handle: EmulatorHandle) -> vi.VideoIntelligenceServiceClient:
    return vi.VideoIntelligenceServiceClient(
        transport="rest",
        credentials=Credentials(token="k"),  # any bearer token
        client_options=ClientOptions(api_endpoint=handle.url),
    )


def annotate(client: vi.VideoIntelligenceServiceClient, uri: str = VIDEO) -> Any:
    return client.annotate_video(
        request={"input_uri": uri, "features": [vi.Feature.LABEL_DETECTION]}
    )


def test_the_unedited_draft_runs_the_happy_path(draft_emu: EmulatorHandle) -> None:
    handle = draft_emu
    operation = annotate(sdk(handle))
    # The draft names the response's type by the create method (AnnotateVideoResponse).
    assert isinstance(operation.result(polling=AT_ONCE), vi.AnnotateVideoResponse)
    assert handle.violations() == []


def test_an_annotation_is_polled_to_its_labels_through_the_operation(
    emu: EmulatorHandle,
) -> None:
    operation = annotate(sdk(emu))
    assert operation.operation.name.startswith(f"{LOCATION}/operations/")
    assert not operation.done()
    response = operation.result(polling=AT_ONCE)
    (result,) = response.annotation_results
    assert result.input_uri == VIDEO
    assert [label.entity.description for label in result.segment_label_annotations] == [
        "cat",
        "dog",
    ]
    assert operation.metadata.annotation_progress[0].progress_percent == 100
    polls = [e["status"] for e in emu.journal.entries(operation="retrieve")]
    assert polls == [200, 200, 200]
    assert emu.violations() == []


def test_a_failed_annotation_raises_its_error_and_is_resubmitted(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("fails")
    failing = annotate(client, "gs://bucket/broken.mp4")
    with pytest.raises(exceptions.InvalidArgument, match="Unable to read the video"):
        failing.result(polling=AT_ONCE)
    emu.use_scenario(None)
    again = annotate(client, "gs://bucket/broken.mp4")
    assert again.operation.name != failing.operation.name
    assert again.result(polling=AT_ONCE).annotation_results[0].segment_label_annotations
    assert emu.violations() == []


def test_a_cancelled_annotation_is_done_with_cancelled(emu: EmulatorHandle) -> None:
    emu.use_scenario("cancel-while-running")
    operation = annotate(sdk(emu))
    assert not operation.done()
    operation.cancel()
    assert operation.cancelled()  # refreshed: done, with error code CANCELLED
    assert operation.metadata.annotation_progress[0].progress_percent == 20
    assert emu.violations() == []


def test_the_operations_are_listed_through_the_sdks_pager_and_deleted(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    names = [annotate(client).operation.name for _ in range(3)]
    operations = client.transport.operations_client
    pager = operations.list_operations(name=LOCATION, filter_="", page_size=2)
    assert sorted(op.name for op in pager) == sorted(names)  # two pages, by nextPageToken
    pages = [str(e["query"]) for e in emu.journal.entries(operation="list")]
    assert len(pages) == 2 and "pageToken" in pages[1]
    operations.delete_operation(name=names[0])
    with pytest.raises(exceptions.NotFound, match=r"Operation \d+ not found"):
        operations.get_operation(name=names[0])
    assert emu.violations() == []
