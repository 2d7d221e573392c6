"""Webhooks end to end: a real emulator and a real receiver on 127.0.0.1, the clock moved by
the test, signatures checked by the ``standardwebhooks`` package (the reference SDK)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from standardwebhooks import Webhook

from tests.webhook_support import BATCH_PROFILE, ReceiverServer

from .deployments import Deployment, deployments, start


@pytest.fixture(scope="session", params=deployments("batch"))
def server(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    yield from start(request, "batch", request.param, profile=BATCH_PROFILE)


def _client(server: Deployment, ns: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/_ns/{ns}", timeout=10)


def test_completed_webhook_arrives_once_signed_after_the_advance_and_not_before(
    server: Deployment,
) -> None:
    with ReceiverServer() as receiver, _client(server, "e2e-once") as api:
        # The reference SDK checks the timestamp against the wall clock: start the
        # emulator's clock there, then move it by less than its five-minute tolerance.
        api.post("/_emulator/clock/set", json={"now": time.time()}).raise_for_status()
        subs = {"subscriptions": [{"url": receiver.url, "events": ["batch.completed"]}]}
        secret = api.put("/_emulator/webhooks", json=subs).json()["subscriptions"][0]["secret"]
        batch = api.post("/v1/batches", json={"input_file_id": "file-1"}).json()
        api.post("/_emulator/clock/advance", json={"seconds": 59.5})
        assert receiver.got == []  # the job is still in progress: nothing is sent early
        api.post("/_emulator/clock/advance", json={"seconds": 1})
        assert len(receiver.got) == 1  # delivered before the advance answered
        got = receiver.got[0]
        event = Webhook(secret).verify(got["raw"], got["headers"])
        assert event["type"] == "batch.completed"
        assert event["data"] == {"id": batch["id"]}
        assert got["headers"]["webhook-id"] == event["id"]
        api.post("/_emulator/clock/advance", json={"seconds": 3600})
        assert len(receiver.got) == 1  # exactly once


def test_advance_to_next_delivers_what_the_transition_fired(server: Deployment) -> None:
    with ReceiverServer() as receiver, _client(server, "e2e-next") as api:
        subs = {"subscriptions": [{"url": receiver.url, "events": ["batch.completed"]}]}
        api.put("/_emulator/webhooks", json=subs).raise_for_status()
        start = api.get("/_emulator/clock").json()["now"]
        api.post("/v1/batches", json={"input_file_id": "file-1"}).raise_for_status()
        moved = api.post("/_emulator/clock/advance", json={"to": "next"}).json()
        assert moved["now"] == start + 60  # the batch's one timed state
        assert len(receiver.got) == 1  # delivered before the advance answered


def test_a_receiver_failing_twice_gets_the_third_attempt_at_the_documented_backoff(
    server: Deployment,
) -> None:
    with ReceiverServer(500, 500) as receiver, _client(server, "e2e-retry") as api:
        api.put("/_emulator/webhooks", json={"subscriptions": [{"url": receiver.url}]})
        start = api.get("/_emulator/clock").json()["now"]
        api.post("/v1/batches", json={"input_file_id": "file-1"})
        api.post("/_emulator/clock/advance", json={"seconds": 60})  # completes: attempt 1
        api.post("/_emulator/clock/advance", json={"seconds": 4.5})
        assert [g["status"] for g in receiver.got] == [500]
        api.post("/_emulator/clock/advance", json={"seconds": 0.5})  # +5 s: attempt 2
        assert [g["status"] for g in receiver.got] == [500, 500]
        api.post("/_emulator/clock/advance", json={"seconds": 299})
        assert len(receiver.got) == 2
        api.post("/_emulator/clock/advance", json={"seconds": 1})  # +300 s more: attempt 3
        assert [g["status"] for g in receiver.got] == [500, 500, 200]
        log = api.get("/_emulator/webhooks/deliveries").json()["deliveries"]
        assert [(d["attempt"], d["at"] - start, d["outcome"]) for d in log] == [
            (1, 60, "failed"),
            (2, 65, "failed"),
            (3, 365, "delivered"),
        ]
        assert [d["next_at"] and d["next_at"] - start for d in log] == [65, 365, None]
        assert len({g["headers"]["webhook-id"] for g in receiver.got}) == 1  # one message


def test_duplicate_and_reorder_faults_are_delivered_as_scripted(server: Deployment) -> None:
    with ReceiverServer() as receiver, _client(server, "e2e-faults") as api:
        api.put("/_emulator/webhooks", json={"subscriptions": [{"url": receiver.url}]})
        header = {"x-emulator-scenario": "duplicate-and-reorder"}
        ids = []
        for _ in range(3):  # completing at 60, 70 and 80 s
            created = api.post("/v1/batches", json={"input_file_id": "f"}, headers=header)
            ids.append(created.json()["id"])
            api.post("/_emulator/clock/advance", json={"seconds": 10})
        api.post("/_emulator/clock/advance", json={"seconds": 100})
        bodies = [json.loads(g["raw"]) for g in receiver.got]
        # 1st delivery twice, same message; the 2nd held back until the 3rd has gone.
        assert [b["data"]["id"] for b in bodies] == [ids[0], ids[0], ids[2], ids[1]]
        assert receiver.got[0]["headers"]["webhook-id"] == receiver.got[1]["headers"]["webhook-id"]
        log = api.get("/_emulator/webhooks/deliveries").json()["deliveries"]
        assert [(d["job_id"], d["fault"]) for d in log] == [
            (ids[0], None),
            (ids[0], "duplicate"),
            (ids[2], None),
            (ids[1], "reorder"),
        ]


def test_a_delivery_to_a_host_not_allowed_is_refused_and_journaled(server: Deployment) -> None:
    with _client(server, "e2e-refused") as api:
        # TEST-NET-1 (RFC 5737): refused before any connection is tried.
        url = "http://192.0.2.1:9/hooks"
        api.put("/_emulator/webhooks", json={"subscriptions": [{"url": url}]})
        batch = api.post("/v1/batches", json={"input_file_id": "f"}).json()
        api.post("/_emulator/clock/advance", json={"seconds": 60})
        log = api.get("/_emulator/webhooks/deliveries").json()["deliveries"]
        assert [(d["outcome"], d["job_id"]) for d in log] == [("refused", batch["id"])]
        assert "--webhook-allow" in log[0]["error"]
        entries = api.get("/_emulator/journal", params={"operation": "webhook"}).json()["entries"]
        assert len(entries) == 1 and entries[0]["path"] == url and entries[0]["status"] == 0
        assert entries[0]["fault"].startswith("refused: host not allowed")
        assert log[0]["next_at"] is None  # a refusal is not retried
