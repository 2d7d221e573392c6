"""OpenAI's own SDK (openai 3.57.0), unchanged, driving the bundled `openai` Batch API over real
HTTP: per-status timestamps, a cancel through `cancelling`, failure, expiry and the auto-pager."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types import Batch

from emulator.testing.handle import EmulatorHandle

from .e2e_support import assert_clean, entries

FILE = "file-abc123"


@pytest.fixture
def sdk(openai_emu: EmulatorHandle) -> Iterator[openai.OpenAI]:
    # The SDK's base URL ends in /v1, as api.openai.com's does: the spec's servers path.
    with openai.OpenAI(api_key="sk-test", base_url=openai_emu.url + "/v1", max_retries=0) as c:
        yield c


def message(error: openai.APIStatusError) -> Any:
    body: Any = error.body  # the SDK keeps the envelope's `error` object
    return body["message"]


def create(sdk: openai.OpenAI, **extra: object) -> Batch:
    return sdk.batches.create(
        input_file_id=FILE, endpoint="/v1/chat/completions", completion_window="24h", **extra
    )


def use_scenario(emu: EmulatorHandle, name: str) -> None:
    emu.use_scenario(name)


def test_a_batch_validates_runs_finalizes_and_completes(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    batch = create(sdk, metadata={"team": "search"})
    t0 = batch.created_at
    assert batch.id.startswith("batch_") and len(batch.id) == 30
    assert (batch.status, batch.object, batch.metadata) == (
        "validating",
        "batch",
        {"team": "search"},
    )
    assert (batch.in_progress_at, batch.expires_at) == (None, t0 + 86400)

    openai_emu.clock.advance(5)
    running = sdk.batches.retrieve(batch.id)
    assert (running.status, running.in_progress_at) == ("in_progress", t0 + 5)
    assert running.request_counts is not None and running.request_counts.completed == 1

    openai_emu.clock.advance(60)
    finalizing = sdk.batches.retrieve(batch.id)
    assert (finalizing.status, finalizing.finalizing_at) == ("finalizing", t0 + 65)

    openai_emu.clock.advance(10)
    done = sdk.batches.retrieve(batch.id)
    assert (done.status, done.completed_at, done.output_file_id) == (
        "completed",
        t0 + 75,
        "file-out-0001",
    )
    assert (done.in_progress_at, done.finalizing_at) == (t0 + 5, t0 + 65)
    assert (done.failed_at, done.cancelled_at, done.errors) == (None, None, None)
    assert_clean(openai_emu)


def test_cancel_goes_through_cancelling_to_cancelled(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    batch = create(sdk)
    t0 = batch.created_at
    openai_emu.clock.advance(20)
    cancelling = sdk.batches.cancel(batch.id)
    assert (cancelling.status, cancelling.cancelling_at) == ("cancelling", t0 + 20)
    assert cancelling.in_progress_at == t0 + 5

    with pytest.raises(openai.BadRequestError) as again:
        sdk.batches.cancel(batch.id)
    assert again.value.status_code == 400
    assert message(again.value) == "Cannot cancel a batch with status 'cancelling'."

    openai_emu.clock.advance(30)
    cancelled = sdk.batches.retrieve(batch.id)
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", t0 + 50)
    assert (cancelled.completed_at, cancelled.output_file_id) == (None, "file-out-partial")
    assert_clean(openai_emu)


def test_a_finished_batch_cannot_be_cancelled(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    batch = create(sdk)
    openai_emu.clock.advance(75)
    assert sdk.batches.retrieve(batch.id).status == "completed"
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.batches.cancel(batch.id)
    assert message(refused.value) == "Cannot cancel a batch with status 'completed'."
    assert refused.value.body == {
        "message": "Cannot cancel a batch with status 'completed'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert_clean(openai_emu)


def test_failed_validation_reports_the_line(openai_emu: EmulatorHandle, sdk: openai.OpenAI) -> None:
    use_scenario(openai_emu, "always-fail")
    batch = create(sdk)
    openai_emu.clock.advance(5)
    failed = sdk.batches.retrieve(batch.id)
    assert (failed.status, failed.failed_at) == ("failed", batch.created_at + 5)
    assert failed.errors is not None and failed.errors.data is not None
    (error,) = failed.errors.data
    assert (error.code, error.line, error.param) == ("invalid_json_line", 2, None)
    assert (failed.in_progress_at, failed.completed_at) == (None, None)
    # No retry in this API: a client creates a new batch, which plays its scenario afresh.
    again = create(sdk)
    assert (again.id != batch.id, again.status) == (True, "validating")
    assert_clean(openai_emu)


def test_an_unfinished_batch_expires_after_its_window(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    use_scenario(openai_emu, "expires")
    batch = create(sdk)
    openai_emu.clock.advance(86400)
    expired = sdk.batches.retrieve(batch.id)
    assert (expired.status, expired.expired_at, expired.expires_at) == (
        "expired",
        batch.created_at + 86400,
        batch.created_at + 86400,
    )
    assert expired.error_file_id == "file-err-expired"
    assert_clean(openai_emu)


def test_an_unknown_batch_is_a_not_found_error(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.batches.retrieve("batch_nope")
    assert message(missing.value) == "No batch found with id 'batch_nope'."
    assert_clean(openai_emu)


def test_the_auto_pager_walks_every_page_newest_first(
    openai_emu: EmulatorHandle, sdk: openai.OpenAI
) -> None:
    ids = []
    for _ in range(5):
        ids.append(create(sdk).id)
        openai_emu.clock.advance(1)
    assert [b.id for b in sdk.batches.list(limit=2)] == ids[::-1]
    pages = entries(openai_emu, operation="listBatches")
    assert [e["query"] for e in pages] == [
        "limit=2",
        f"limit=2&after={ids[3]}",
        f"limit=2&after={ids[1]}",
    ]
    assert [e["response_body"]["has_more"] for e in pages] == [True, True, False]
    assert_clean(openai_emu)
