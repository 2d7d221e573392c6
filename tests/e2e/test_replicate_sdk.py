"""Replicate's own SDK (replicate 1.0.7), unchanged, driving the bundled `replicate` API over
real HTTP: create, reload while the clock moves, failure, cancel, and replicate.paginate over
absolute `next` URLs built from the request's own base URL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError

from emulator.testing.handle import EmulatorHandle

from .e2e_support import assert_clean, entries

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


@pytest.fixture
def sdk(replicate_emu: EmulatorHandle) -> Iterator[replicate.Client]:
    # The SDK adds /v1 to its base URL itself; the emulator serves the spec's paths there.
    client = replicate.Client(api_token="r8_test", base_url=replicate_emu.url)
    yield client
    client._client.close()


def test_a_prediction_starts_processes_and_succeeds(
    replicate_emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    prediction = sdk.predictions.create(version=VERSION, input={"text": "Alice"})
    assert (prediction.status, prediction.input, prediction.output) == (
        "starting",
        {"text": "Alice"},
        None,
    )
    assert prediction.urls is not None
    assert prediction.urls["get"] == f"{replicate_emu.url}/v1/predictions/{prediction.id}"

    prediction.reload()  # the first poll still sees `starting`
    assert (prediction.status, prediction.started_at) == ("starting", None)
    prediction.reload()
    assert prediction.status == "processing" and prediction.started_at is not None
    replicate_emu.clock.advance(20)
    prediction.reload()
    assert (prediction.status, prediction.output) == ("succeeded", "hello Alice")
    assert prediction.completed_at is not None and prediction.metrics == {
        "predict_time": 19.8,
        "total_time": 20.4,
    }
    assert_clean(replicate_emu)


def test_a_failed_prediction_carries_its_error(
    replicate_emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    replicate_emu.use_scenario("always-fail")
    prediction = sdk.predictions.create(version=VERSION, input={"text": "Bob"})
    replicate_emu.clock.advance(7)
    failed = sdk.predictions.get(prediction.id)
    assert (failed.status, failed.error) == ("failed", "CUDA out of memory")
    assert failed.logs is not None and "Traceback" in failed.logs
    assert_clean(replicate_emu)


def test_cancel_is_immediate_and_spelt_canceled(
    replicate_emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    prediction = sdk.predictions.create(version=VERSION, input={"text": "Carol"})
    prediction.reload()
    prediction.reload()
    assert prediction.status == "processing"
    prediction.cancel()
    assert prediction.status == "canceled" and prediction.completed_at is not None
    with pytest.raises(ReplicateError) as again:
        sdk.predictions.cancel(prediction.id)
    assert (again.value.status, again.value.title) == (400, "Invalid state")
    assert again.value.detail == "Prediction cannot be canceled: it is canceled."
    assert_clean(replicate_emu)


def test_an_unknown_prediction_is_not_found(
    replicate_emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    with pytest.raises(ReplicateError) as missing:
        sdk.predictions.get("nosuchprediction")
    assert (missing.value.status, missing.value.detail) == (
        404,
        "The requested resource could not be found.",
    )
    assert_clean(replicate_emu)


def test_paginate_follows_next_urls_to_the_null_at_the_end(
    replicate_emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    # 100 predictions a page, as Replicate pages them: 205 make three pages.
    with httpx.Client(timeout=10, headers={"Authorization": "Bearer r8_test"}) as http:
        url = f"{replicate_emu.url}/v1/predictions"
        ids = [
            http.post(url, json={"version": VERSION, "input": {"n": n}}).json()["id"]
            for n in range(205)
        ]
    pages = list(replicate.paginate(sdk.predictions.list))
    assert [len(page.results) for page in pages] == [100, 100, 5]
    assert [p.id for page in pages for p in page.results] == ids[::-1]
    assert pages[0].next == f"{replicate_emu.url}/v1/predictions?cursor={ids[105]}"
    assert (pages[-1].next, pages[-1].previous) == (None, None)
    queries = [e["query"] for e in entries(replicate_emu, operation="predictions.list")]
    assert queries == ["", f"cursor={ids[105]}", f"cursor={ids[5]}"]
    assert_clean(replicate_emu)
