"""The scheduler on the event loop: a transition due at T is delivered once the clock reaches
T, with no poll and no control-plane advance to trigger it."""

from __future__ import annotations

import httpx

from emulator import LiveServer
from tests.webhook_support import ReceiverServer, batch_app


def test_a_due_transition_is_delivered_without_any_request() -> None:
    app = batch_app()
    with LiveServer(app) as server, ReceiverServer() as receiver:
        api = httpx.Client(base_url=f"{server.url}/_ns/sched", timeout=10)
        api.put("/_emulator/webhooks", json={"subscriptions": [{"url": receiver.url}]})
        api.post("/v1/batches", json={"input_file_id": "f"})
        # Move the namespace's clock behind the server's back: no request announces it.
        app.namespaces.get("sched").clock.advance(60)
        assert receiver.wait(timeout=5)
        assert len(receiver.got) == 1
        assert app.webhooks is not None and app.webhooks._task is not None
        assert app.webhooks.sender._client is not None
        api.close()
    # Stopping the server stops the scheduler and closes its HTTP client, on the server's loop.
    assert app.webhooks._task is None and app.webhooks.sender._client is None
