"""``--webhook`` and ``--webhook-allow``: subscriptions every namespace starts with."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from emulator import Settings, build
from emulator.cli import main
from emulator.http.delivery.scheduler import parse_subscription
from emulator.lifecycle.webhooks.subscriptions import host_allowed
from tests.webhook_support import BATCH_PROFILE


def test_a_webhook_option_is_a_url_and_its_events() -> None:
    assert parse_subscription("http://127.0.0.1:8000/h") == ("http://127.0.0.1:8000/h", None)
    assert parse_subscription("http://127.0.0.1/h,batch.completed, batch.failed") == (
        "http://127.0.0.1/h",
        frozenset({"batch.completed", "batch.failed"}),
    )


def test_cli_subscriptions_start_every_namespace_and_survive_a_reset() -> None:
    settings = Settings(
        manual_clock=True,
        webhooks=("http://127.0.0.1:8000/h,batch.failed",),
        webhook_allow=("hooks.example.test",),
    )
    app = build(api=None, profile=BATCH_PROFILE, settings=settings)
    ns = app.namespaces.get("any")
    [sub] = ns.outbox.subscriptions.values()
    assert (sub.url, sub.events, sub.source) == (
        "http://127.0.0.1:8000/h",
        frozenset({"batch.failed"}),
        "cli",
    )
    assert sub.secret.startswith("whsec_")
    reset = TestClient(app).post("/_ns/any/_emulator/reset")
    assert reset.status_code == 200
    assert len(ns.outbox.subscriptions) == 1
    assert app.webhooks is not None
    assert host_allowed("https://hooks.example.test/x", app.webhooks.sender.allow)


def test_serve_refuses_webhooks_for_a_profile_without_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--api", "writer", "--webhook", "http://127.0.0.1:9/x"]) == 2
    assert "declares no webhooks" in capsys.readouterr().err


def test_repeatable_options_take_lists_and_ini_words() -> None:
    from emulator.settings import resolve

    serve = resolve("serve", {"webhook": ["http://127.0.0.1/a", "http://127.0.0.1/b,x"]})
    assert serve.settings.webhooks == ("http://127.0.0.1/a", "http://127.0.0.1/b,x")
    assert resolve("pytest", {"webhook_allow": "a.test b.test"}).settings.webhook_allow == (
        "a.test",
        "b.test",
    )
    with pytest.raises(ValueError, match="webhook_allow takes a list of strings"):
        resolve("pytest", {"webhook_allow": 3})
