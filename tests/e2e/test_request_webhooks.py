"""Webhook receivers named in the create request (``webhooks.from_request``), over real HTTP:
Replicate's SDK (replicate 1.0.7) names ``webhook`` and ``webhook_events_filter`` per
prediction; deliveries go to that receiver only, for that prediction only, on the emulator's
clock, signed (checked by Replicate's own validator), retried, and refused for a host the
loopback rule does not allow (tests/data/shapes/specs/predictions.profile.yaml)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import replicate
from replicate.webhook import Webhooks, WebhookSigningSecret

from emulator.bundle import build
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle
from tests.webhook_support import ReceiverServer

from .e2e_support import SHAPES, entries

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    app = build(
        profile=SHAPES / "predictions.profile.yaml",
        settings=Settings(manual_clock=True, strict=True),
    )
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def emu(server: LiveServer, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    handle = EmulatorHandle.for_server(server.url, request.node.name[:60])
    yield handle
    handle.close()


@pytest.fixture
def sdk(emu: EmulatorHandle) -> Iterator[replicate.Client]:
    client = replicate.Client(api_token="r8_test", base_url=emu.url)
    yield client
    client._client.close()


def test_the_receiver_a_prediction_names_hears_of_that_prediction_only(
    emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    # The validator checks the signature's timestamp against the wall clock: start there.
    emu.clock.set(time.time())
    with ReceiverServer() as receiver:
        named = sdk.predictions.create(
            version=VERSION,
            input={"text": "Alice"},
            webhook=receiver.url,
            webhook_events_filter=["completed"],
        )
        sdk.predictions.create(version=VERSION, input={"text": "Bob"})  # names no receiver
        emu.advance_to_next()  # processing: not an event this receiver asked for
        assert receiver.got == []
        emu.advance_to_next()  # succeeded: delivered before the advance answers
        assert len(receiver.got) == 1
        got = receiver.got[0]
        secret = emu.control("GET", "webhooks/request-secret")["secret"]
        body = got["raw"].decode()
        Webhooks.validate(
            headers=got["headers"], body=body, secret=WebhookSigningSecret(key=secret)
        )
        event = json.loads(body)
        assert (event["id"], event["status"], event["output"]) == (
            named.id,
            "succeeded",
            "hello Alice",
        )
        emu.clock.advance(3600)
        assert len(receiver.got) == 1  # once


def test_every_event_when_the_request_filters_none_and_failures_are_retried(
    emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    with ReceiverServer(500) as receiver:
        prediction = sdk.predictions.create(version=VERSION, input={}, webhook=receiver.url)
        emu.advance_to_next()
        assert [json.loads(g["raw"])["status"] for g in receiver.got] == ["processing"]
        assert receiver.got[0]["status"] == 500
        emu.clock.advance(5)  # the profile's first retry delay
        assert [json.loads(g["raw"])["status"] for g in receiver.got] == ["processing"] * 2
        emu.advance_to_next()
        statuses = [json.loads(g["raw"])["status"] for g in receiver.got]
        assert statuses == ["processing", "processing", "succeeded"]
        assert {json.loads(g["raw"])["id"] for g in receiver.got} == {prediction.id}


def test_a_receiver_on_a_host_not_allowed_is_refused_and_journaled(
    emu: EmulatorHandle, sdk: replicate.Client
) -> None:
    sdk.predictions.create(version=VERSION, input={}, webhook="https://hooks.example.com/in")
    emu.advance_to_next()
    sent = entries(emu, operation="start")
    assert len(sent) == 1 and sent[0]["action"] == "webhook"
    assert "refused: host not allowed: https://hooks.example.com/in" in sent[0]["fault"]
