"""Webhooks in profiles and scenarios are checked at load: names, signing, and every payload a
scenario can make against the spec's webhook schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import ProfileError, ScenarioError, build
from emulator.lifecycle.load.scenario_load import load_scenario
from tests.webhook_support import BATCH_PROFILE

EXAMPLE_SCENARIOS = BATCH_PROFILE.parent.parent / "scenarios" / "batch"


def _profile(tmp_path: Path, old: str, new: str) -> Path:
    text = BATCH_PROFILE.read_text()
    assert old in text
    text = text.replace(old, new).replace(
        "spec: ../batch.yaml", f"spec: {BATCH_PROFILE.parent.parent / 'batch.yaml'}"
    )
    path = tmp_path / "batch.profile.yaml"
    path.write_text(text)
    return path


def test_the_example_profile_loads_with_its_events_and_the_specs_webhooks() -> None:
    app = build(api=None, profile=BATCH_PROFILE)
    assert app.profile is not None and app.profile.webhooks is not None
    assert [e.name for e in app.profile.webhooks.events] == ["batch.completed", "batch.failed"]
    assert set(app.spec.webhooks) == {"batch.completed", "batch.failed"}


def test_a_payload_the_spec_webhook_schema_forbids_is_caught_at_scenario_load(
    tmp_path: Path,
) -> None:
    profile = _profile(
        tmp_path,
        '        data: {id: "{job.id}"}\n    batch.failed',
        '        data: {id: "{job.id}", status: "{job.status}"}\n    batch.failed',
    )
    with pytest.raises(ScenarioError) as caught:
        build(api=None, profile=profile, scenarios=EXAMPLE_SCENARIOS)
    message = str(caught.value)
    assert "batch/duplicate-and-reorder.yaml" in message or "happy-path.yaml" in message
    assert "/attempts/0/states/1" in message
    assert "batch.completed webhook" in message and "'status' was unexpected" in message


def test_an_event_naming_a_webhook_the_spec_lacks_is_refused(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "spec: batch.failed", "spec: batch.faild")
    with pytest.raises(ProfileError, match=r"/webhooks/events/batch.failed/spec: .*'batch.faild'"):
        build(api=None, profile=profile, scenarios=EXAMPLE_SCENARIOS)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("signing: {scheme: standard}", "signing: {scheme: hmac}", "/webhooks/signing/header"),
        ("signing: {scheme: standard}", "signing: {scheme: rsa}", "/webhooks/signing/scheme"),
        (
            'type: "{event.type}"',
            'type: "{event.kind}"',
            "/webhooks/events/batch.completed/payload",
        ),
        ('type: "{event.type}"', 'type: "{jbo.id}"', "/webhooks/events/batch.completed/payload"),
        ("timeout: 5", "timeout: 0", "/webhooks/timeout"),
        ("retry: [5, 300", "retry: [-5, 300", "/webhooks/retry"),
        (
            "      statuses: [completed]",
            "      when: [completed]",
            "/webhooks/events/batch.completed/when",
        ),
        (
            "  id_prefix: evt_",
            "  id_prefix: evt_\n  from_request: {url: body.hook}",
            "from_request/url",
        ),
        (
            "  id_prefix: evt_",
            "  id_prefix: evt_\n  from_request: {url: request.body.hook, event_names: {done: [x]}}",
            "/webhooks/from_request/event_names/done: no event 'x'",
        ),
        (
            "  id_prefix: evt_",
            "  id_prefix: evt_\n  from_request: {url: request.body.h, header: {name: request.a}}",
            "/webhooks/from_request/header: give both",
        ),
    ],
)
def test_webhook_mistakes_name_the_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    with pytest.raises(ProfileError, match=where):
        build(api=None, profile=_profile(tmp_path, old, new), scenarios=EXAMPLE_SCENARIOS)


def test_a_receiver_named_in_the_request_loads(tmp_path: Path) -> None:
    target = (
        "  id_prefix: evt_\n  from_request:\n    url: request.body.callback.url\n"
        "    events: request.body.callback.events\n"
        "    event_names: {done: [batch.completed, batch.failed]}\n"
        "    header: {name: request.body.callback.header, value: request.body.callback.token}\n"
    )
    profile = _profile(tmp_path, "  id_prefix: evt_\n", target)
    app = build(api=None, profile=profile, scenarios=EXAMPLE_SCENARIOS)
    assert app.profile is not None and app.profile.webhooks is not None
    rules = app.profile.webhooks.from_request
    assert rules is not None
    assert (rules.url, rules.events) == (
        "request.body.callback.url",
        "request.body.callback.events",
    )
    assert rules.event_names == {"done": ("batch.completed", "batch.failed")}
    assert (rules.header_name, rules.header_value) == (
        "request.body.callback.header",
        "request.body.callback.token",
    )


def test_scenario_delivery_faults_and_subscriptions_load(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(
        "attempts: [{states: [{status: completed}]}]\n"
        "webhooks:\n"
        "  subscriptions: [{url: 'http://127.0.0.1:9000/hook', events: [batch.completed]}]\n"
        "  faults: [{fault: delay, seconds: 30, every: 2}, {fault: drop, probability: 0.5}]\n"
    )
    scenario = load_scenario(file)
    assert [f.kind for f in scenario.webhook_faults] == ["delay", "drop"]
    assert scenario.webhook_faults[0].seconds == 30 and scenario.webhook_faults[0].every == 2
    assert scenario.subscriptions[0].url == "http://127.0.0.1:9000/hook"
    assert scenario.subscriptions[0].events == frozenset({"batch.completed"})


def test_an_unknown_delivery_fault_is_refused_with_its_path(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(
        "attempts: [{states: [{status: done}]}]\nwebhooks: {faults: [{fault: explode}]}\n"
    )
    with pytest.raises(ScenarioError, match=r"/webhooks/faults/0/fault"):
        load_scenario(file)
