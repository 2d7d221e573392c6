"""OpenAI's batch webhooks, checked by OpenAI's own SDK: ``client.webhooks.unwrap`` verifies the
signature the emulator made and parses the event into the SDK's own type."""

from __future__ import annotations

import time

import openai
from openai.types.webhooks import BatchCompletedWebhookEvent, BatchFailedWebhookEvent

from emulator.testing.handle import EmulatorHandle
from tests.webhook_support import ReceiverServer


def test_the_sdk_unwraps_the_completed_and_failed_batch_webhooks(
    openai_emu: EmulatorHandle,
) -> None:
    with (
        ReceiverServer() as receiver,
        openai.OpenAI(api_key="sk-test", base_url=openai_emu.url + "/v1", max_retries=0) as client,
    ):
        openai_emu.clock.set(time.time())  # the SDK checks timestamps against the wall clock
        secret = openai_emu.webhooks.subscribe(receiver.url)["secret"]
        batch = client.batches.create(
            input_file_id="file-abc123", endpoint="/v1/chat/completions", completion_window="24h"
        )
        openai_emu.clock.advance(74)  # validating 5 s, in progress 60 s, finalizing 10 s
        assert receiver.got == []
        openai_emu.clock.advance(1)
        [got] = receiver.got
        event = client.webhooks.unwrap(got["raw"], got["headers"], secret=secret)
        assert isinstance(event, BatchCompletedWebhookEvent)
        assert event.data.id == batch.id and event.object == "event"
        assert client.batches.retrieve(batch.id).status == "completed"

        openai_emu.use_scenario("always-fail")
        failing = client.batches.create(
            input_file_id="file-abc123", endpoint="/v1/chat/completions", completion_window="24h"
        )
        openai_emu.clock.advance(120)
        failed = client.webhooks.unwrap(
            receiver.got[-1]["raw"], receiver.got[-1]["headers"], secret=secret
        )
        assert isinstance(failed, BatchFailedWebhookEvent) and failed.data.id == failing.id
