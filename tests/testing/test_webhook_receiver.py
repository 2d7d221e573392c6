"""``emulator.webhooks`` through the pytest fixture: the built-in receiver, assertions, the
signature helper, scripted faults, your own ASGI app, and in-process emulators."""

from __future__ import annotations

import httpx
import pytest

from emulator.lifecycle.webhooks.signing import SignatureError
from emulator.testing.handle import EmulatorHandle
from emulator.testing.webhook_receiver import verify_signature
from tests.webhook_support import Receiver

BATCH = {"profile": "specs/examples/profiles/batch.profile.yaml"}
FAULTS = {**BATCH, "scenarios": "tests/data/webhooks/scenarios"}


def _create(emulator: EmulatorHandle, scenario: str | None = None) -> str:
    headers = {"x-emulator-scenario": scenario} if scenario else {}
    with httpx.Client(base_url=emulator.url, transport=None) as api:
        return str(
            api.post("/v1/batches", json={"input_file_id": "f"}, headers=headers).json()["id"]
        )


@pytest.mark.emulator(**BATCH, webhooks=True)
def test_the_marker_subscribes_the_built_in_receiver(emulator: EmulatorHandle) -> None:
    job_id = _create(emulator)
    emulator.clock.advance(59)
    emulator.webhooks.assert_delivered("batch.completed", job_id=job_id, times=0)
    emulator.clock.advance(1)
    [delivery] = emulator.webhooks.assert_delivered("batch.completed", job_id=job_id, times=1)
    assert emulator.webhooks.verify(delivery)["data"] == {"id": job_id}
    assert delivery.at == emulator.clock.now
    with pytest.raises(AssertionError, match=r"expected batch.completed .* 2 time\(s\), got 1"):
        emulator.webhooks.assert_delivered("batch.completed", job_id=job_id, times=2)


@pytest.mark.emulator(**BATCH, webhooks=["batch.failed"])
def test_a_marker_list_picks_the_events(emulator: EmulatorHandle) -> None:
    _create(emulator)
    emulator.clock.advance(120)
    assert emulator.webhooks.received() == []


@pytest.mark.emulator(**FAULTS)
@pytest.mark.parametrize(
    ("scenario", "refusal"),
    [("bad-signature", "no matching signature"), ("expired", "too old")],
)
def test_signature_faults_are_refused_by_a_careful_receiver(
    emulator: EmulatorHandle, scenario: str, refusal: str
) -> None:
    emulator.webhooks.subscribe()
    _create(emulator, scenario)
    emulator.clock.advance(60)
    [delivery] = emulator.webhooks.received()
    with pytest.raises(SignatureError, match=refusal):
        emulator.webhooks.verify(delivery)


@pytest.mark.emulator(**FAULTS)
def test_drop_delay_and_one_in_n(emulator: EmulatorHandle) -> None:
    emulator.webhooks.subscribe()
    dropped = _create(emulator, "dropped")
    delayed = _create(emulator, "delayed")
    thirds = [_create(emulator, "one-in-three") for _ in range(6)]
    emulator.clock.advance(60)
    hooks = emulator.webhooks
    hooks.assert_delivered("batch.completed", job_id=dropped, times=0)
    hooks.assert_delivered("batch.completed", job_id=delayed, times=0)
    assert [e["outcome"] for e in hooks.deliveries() if e["job_id"] == dropped] == ["dropped"]
    got = [job for job in thirds if hooks.received(job_id=job)]
    assert got == [thirds[0], thirds[1], thirds[3], thirds[4]]
    emulator.clock.advance(30)
    hooks.assert_delivered("batch.completed", job_id=delayed, times=1)


@pytest.mark.emulator(**BATCH)
def test_the_receiver_can_be_told_to_fail(emulator: EmulatorHandle) -> None:
    emulator.webhooks.subscribe()
    emulator.webhooks.answer_with(503)
    job_id = _create(emulator)
    emulator.clock.advance(60)
    assert [d["outcome"] for d in emulator.webhooks.deliveries()] == ["failed"]
    assert emulator.webhooks.pending()[0]["attempt"] == 2
    emulator.clock.advance(5)
    assert [r.status for r in emulator.webhooks.received(job_id=job_id)] == [503, 200]


@pytest.mark.emulator(**BATCH)
def test_your_own_asgi_app_as_the_receiver(emulator: EmulatorHandle) -> None:
    app = Receiver()
    emulator.webhooks.serve_app(app, "/webhooks/batch")
    job_id = _create(emulator)
    emulator.clock.advance(60)
    [got] = app.got
    secret = emulator.webhooks.secret
    assert secret is not None
    verify_signature(got["raw"], got["headers"], secret, now=emulator.clock.now)
    assert got["headers"]["webhook-id"].startswith("evt_")
    assert f'"data":{{"id":"{job_id}"}}' in got["raw"].decode()


@pytest.mark.emulator(**BATCH, in_process=True, webhooks=True)
def test_in_process_deliveries_reach_the_built_in_receiver(emulator: EmulatorHandle) -> None:
    client = emulator.client()
    job_id = client.post("/v1/batches", json={"input_file_id": "f"}).json()["id"]
    emulator.clock.advance(60)
    emulator.webhooks.assert_delivered("batch.completed", job_id=job_id)


@pytest.mark.emulator(**FAULTS)
def test_scenario_subscriptions_start_every_namespace(emulator: EmulatorHandle) -> None:
    described = emulator.control("GET", "webhooks")
    [sub] = described["subscriptions"]
    assert sub["url"] == "http://127.0.0.1:9/never" and sub["source"] == "scenario subscribed"
    assert "c2VjcmV0" not in sub["secret"]  # redacted
    _create(emulator, "subscribed")
    emulator.clock.advance(30)
    [attempt] = emulator.webhooks.deliveries()
    assert attempt["outcome"] == "failed" and attempt["next_at"] == attempt["at"] + 5


@pytest.mark.emulator(**BATCH)
def test_control_api_refuses_bad_subscriptions(emulator: EmulatorHandle) -> None:
    from emulator.errors import EmulatorError

    for body, reason in [
        ({"subscriptions": "x"}, "send"),
        ({"subscriptions": [{"url": "ftp://x"}]}, "subscriptions/0/url"),
        ({"subscriptions": [{"url": "http://127.0.0.1/", "events": ["nope"]}]}, "events"),
        ({"subscriptions": [{"url": "http://127.0.0.1/", "secret": ""}]}, "secret"),
    ]:
        with pytest.raises(EmulatorError, match=reason):
            emulator.control("PUT", "webhooks", body)
    with pytest.raises(EmulatorError, match="statuses"):
        emulator.control("PUT", "webhooks/receiver", {"statuses": [42]})


@pytest.mark.emulator(api="writer")
def test_a_profile_without_webhooks_says_so(emulator: EmulatorHandle) -> None:
    from emulator.errors import EmulatorError

    with pytest.raises(EmulatorError, match="declares no webhooks"):
        emulator.control("GET", "webhooks")
