"""The pure parts of webhooks: which transitions fire which events and when, the retry
schedule, fault decisions, the allow-list, and signatures as the reference SDK checks them."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from emulator.lifecycle.core import engine
from emulator.lifecycle.core.scenario import Attempt, Duration, Scenario, State
from emulator.lifecycle.webhooks.events import (
    DEFAULT_SCHEDULE,
    Signing,
    WebhookEvent,
    WebhookRules,
    fired,
    retry_delay,
)
from emulator.lifecycle.webhooks.signing import SignatureError, new_secret, sign, verify
from emulator.lifecycle.webhooks.subscriptions import DeliveryFault, choose_faults, host_allowed

RULES = engine.Rules(
    started=frozenset({"running"}),
    terminal=frozenset({"done", "failed"}),
    failed=frozenset({"failed"}),
)
SCENARIO = Scenario(
    "s",
    "s.yaml",
    "",
    (
        Attempt(
            (
                State("queued", Duration(seconds=10)),
                State("running", Duration(polls=3)),
                State("running", Duration(seconds=20)),
                State("done"),
            )
        ),
    ),
)
HOOKS = WebhookRules(
    events=(
        WebhookEvent("job.started", frozenset({"running"}), {}),
        WebhookEvent("job.done", frozenset({"done"}), {}),
    )
)


def test_transitions_fire_their_events_at_the_instant_they_happen() -> None:
    job = engine.start("j1", SCENARIO, {}, 100.0, RULES)
    assert fired(HOOKS, job.events) == []
    assert engine.next_change(job, SCENARIO) == 110.0
    later = engine.observe(job, SCENARIO, 500.0, RULES, poll=False)
    assert [(hook.name, event.at) for hook, event in fired(HOOKS, later.events)] == [
        ("job.started", 110.0)
    ]
    # A state ended by polls has no instant to schedule: the poll that ends it fires it.
    assert engine.next_change(later, SCENARIO) is None


def test_retry_delays_follow_the_schedule_then_give_up() -> None:
    assert [retry_delay(HOOKS, n) for n in range(1, 9)] == [*DEFAULT_SCHEDULE, None]
    assert DEFAULT_SCHEDULE[:2] == (5, 300)


def test_faults_pick_the_nth_every_nth_and_at_most_times() -> None:
    faults = (
        DeliveryFault("duplicate", nth=2),
        DeliveryFault("delay", every=3, times=1),
        DeliveryFault("drop", event="job.done"),
    )
    counts: dict[int, int] = {}
    hits: dict[int, int] = {}
    rng = random.Random(0)
    picked = [
        [f.kind for f in choose_faults(faults, "job.started", counts, hits, rng)] for _ in range(6)
    ]
    assert picked == [[], ["duplicate"], ["delay"], [], [], []]
    assert [f.kind for f in choose_faults(faults, "job.done", counts, hits, rng)] == ["drop"]


def test_probability_faults_are_seeded() -> None:
    faults = (DeliveryFault("drop", probability=0.5),)

    def run(seed: int) -> list[bool]:
        rng, counts, hits = random.Random(seed), {}, {}  # type: ignore[var-annotated]
        return [bool(choose_faults(faults, "e", counts, hits, rng)) for _ in range(40)]

    assert run(1) == run(1)
    assert 5 < sum(run(1)) < 35


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9/x", True),
        ("http://127.5.0.1/x", True),
        ("http://localhost:8000/x", True),
        ("http://[::1]:8000/x", True),
        ("http://127.evil.example/x", False),
        ("http://192.0.2.1/x", False),
        ("http://hooks.example.test/x", False),
    ],
)
def test_only_loopback_is_allowed_by_default(url: str, allowed: bool) -> None:
    assert host_allowed(url, frozenset()) is allowed


def test_webhook_allow_widens_by_host_or_host_and_port() -> None:
    assert host_allowed("https://hooks.example.test/x", frozenset({"hooks.example.test"}))
    assert host_allowed("http://10.0.0.1:8080/x", frozenset({"10.0.0.1:8080"}))
    assert not host_allowed("http://10.0.0.1:9090/x", frozenset({"10.0.0.1:8080"}))


def test_standard_signatures_verify_with_the_reference_sdk() -> None:
    secret = new_secret(random.Random(3))
    body = b'{"type":"job.done"}'
    now = int(datetime.now(UTC).timestamp())
    headers = sign(Signing(), secret, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "job.done"}
    verify(Signing(), secret, body, headers, now=now)
    tampered = {**headers, "webhook-id": "msg_2"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, tampered)
    with pytest.raises(SignatureError, match="no matching signature"):
        verify(Signing(), secret, body, tampered, now=now)


def test_a_stale_timestamp_is_refused_like_the_sdk_refuses_it() -> None:
    secret = new_secret(random.Random(4))
    old = int(datetime.now(UTC).timestamp()) - 600
    headers = sign(Signing(), secret, "msg_1", old, b"{}")
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(b"{}", headers)
    with pytest.raises(SignatureError, match="too old"):
        verify(Signing(), secret, b"{}", headers, now=old + 600)
    verify(Signing(), secret, b"{}", headers, now=old + 60)  # on the emulator's clock: fine


def test_plain_hmac_signs_the_body_into_one_header() -> None:
    signing = Signing("hmac", "X-Signature", "sha256=")
    headers = sign(signing, "s3cret", "", 0, b"{}")
    assert list(headers) == ["X-Signature"] and headers["X-Signature"].startswith("sha256=")
    verify(signing, "s3cret", b"{}", {"x-signature": headers["X-Signature"]}, now=0)
    with pytest.raises(SignatureError):
        verify(signing, "other", b"{}", headers, now=0)
    assert sign(Signing("none"), "s", "m", 0, b"{}") == {}
