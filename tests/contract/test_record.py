"""``record`` in front of an emulator playing fail-then-retry, driven by Writer's own SDK: the
scenario it writes, loaded into a fresh emulator with ``--scenarios DIR``, gives the SDK the
same statuses and bodies; no secret reaches any file it wrote."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import writerai

from emulator import LiveServer, Settings, build
from emulator.contract.record import Recorder
from emulator.lifecycle.scenario_load import load_scenarios

INPUTS = [{"id": "product", "value": ["Terra running shoe"]}]
REAL_KEY = "sk-real-sandbox-key-4242"
CLIENT_KEY = "client-local-key-777"
MANUAL = Settings(manual_clock=True, strict=True)


def story(url: str, scenario: str) -> list[Any]:
    """What an SDK user sees: every status, the failure, the retry and the result."""
    sdk = writerai.Writer(api_key=CLIENT_KEY, base_url=url, max_retries=0)
    jobs = sdk.applications.jobs
    job = jobs.create("app-1", inputs=INPUTS, extra_headers={"X-Emulator-Scenario": scenario})
    seen: list[Any] = [job.status]
    for _ in range(2):
        for _ in range(10):
            polled = jobs.retrieve(job.id)
            seen.append(polled.status)
            if polled.status in ("completed", "failed"):
                break
        if polled.status == "failed":
            seen.append(("error", polled.error))
            seen.append(("retry", jobs.retry(job.id).status))
        else:
            seen.append(("data", polled.data.model_dump() if polled.data else None))
            break
    return seen


def test_a_recorded_session_replays_the_same_story_and_keeps_no_secret(
    tmp_path: Path, serve: Callable[..., LiveServer]
) -> None:
    real = serve(build(api="writer", settings=MANUAL))
    out = tmp_path / "recorded"
    recorder = Recorder(build(api="writer"), real.url, out, {"Authorization": f"Bearer {REAL_KEY}"})
    proxy = serve(recorder)
    recorded = story(proxy.url, "fail-then-retry")
    assert recorded[:4] == ["in_progress", "in_progress", "in_progress", "failed"]

    # The real service saw the key record was given, never the client's.
    seen = real.app.namespaces.get("default").journal.entries()
    assert {e.request_headers["authorization"] for e in seen} == {f"Bearer {REAL_KEY}"}

    assert sorted(p.name for p in out.iterdir()) == ["drift.json", "journal.jsonl",
                                                    "recorded-1.yaml"]  # fmt: skip
    assert load_scenarios(out)["recorded-1"].attempts[1].states[-1].status == "completed"
    assert json.loads((out / "drift.json").read_text()) == {"violations": []}
    journal = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    assert [e["operation"] for e in journal[:2]] == ["createJob", "retrieveJob"]
    for file in out.iterdir():
        text = file.read_text()
        assert REAL_KEY not in text and CLIENT_KEY not in text, file.name

    fresh = serve(build(api="writer", scenarios=out, settings=MANUAL))
    assert story(fresh.url, "recorded-1") == recorded


def test_drift_in_the_real_answers_is_reported(
    tmp_path: Path, serve: Callable[..., LiveServer]
) -> None:
    from .conftest import altered_emulator, altered_profile

    def rename(profile: dict[str, Any]) -> None:
        view = profile["views"]["job"]
        view["state"] = view.pop("status")

    real = serve(altered_emulator(altered_profile(tmp_path, "writer", rename)))
    out = tmp_path / "recorded"
    proxy = serve(Recorder(build(api="writer"), real.url, out))
    sdk = writerai.Writer(api_key=CLIENT_KEY, base_url=proxy.url, max_retries=0)
    job = sdk.applications.jobs.create("app-1", inputs=INPUTS)
    with contextlib.suppress(Exception):  # the SDK may refuse the answer; it is recorded anyway
        sdk.applications.jobs.retrieve(job.id)
    drift = json.loads((out / "drift.json").read_text())["violations"]
    assert {"operation": "retrieveJob", "status": 200, "path": "$.body.status"}.items() <= drift[
        0
    ].items()
    assert "'status' is a required property" in drift[0]["message"]
