"""``record`` in front of an emulator playing fail-then-retry, driven by Writer's own SDK: the
scenario it writes, loaded into a fresh emulator with ``--scenarios DIR``, gives the SDK the
same statuses and bodies; no secret reaches any file it wrote."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import writerai

from emulator import LiveServer, Settings, build
from emulator.contract.record import Recorder
from emulator.lifecycle.load.scenario_load import load_scenarios

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

    assert sorted(p.name for p in out.iterdir()) == [
        "drift.json",
        "journal.jsonl",
        "recorded-1.yaml",
    ]
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


def cancel_story(url: str, scenario: str, key: str, at: str) -> list[Any]:
    """Poll until status ``at``, cancel, poll to the end: each status and ``cancelled`` flag."""
    import httpx

    headers = {"Api-Key": key, "X-Emulator-Scenario": scenario}
    with httpx.Client(base_url=url, headers=headers) as http:
        job = http.post(
            "/v1/jobs", json={"endpoint": "/v1/documents/extract", "request": {"doc": 1}}
        ).json()
        seen: list[Any] = [job["status"]]
        while seen[-1] != at:
            seen.append(http.get(f"/v1/jobs/{job['id']}").json()["status"])
        cancelled = http.post(f"/v1/jobs/{job['id']}/cancel").json()
        seen.append(("cancel", cancelled["status"], cancelled["cancelled"]))
        for _ in range(10):
            polled = http.get(f"/v1/jobs/{job['id']}").json()
            seen.append((polled["status"], polled["cancelled"]))
            if polled["status"] in ("completed", "cancelled", "failed"):
                break
    return seen


@pytest.mark.parametrize(
    ("scenario", "at", "end"),
    [
        ("cancel-while-running", "in_progress", ("completed", True)),
        ("happy-path", "queued", ("cancelled", True)),
    ],
)
def test_a_cancel_is_recorded_as_the_state_it_ended_and_replays_on_the_next_cancel(
    tmp_path: Path, serve: Callable[..., LiveServer], scenario: str, at: str, end: Any
) -> None:
    real = serve(build(api="retab", settings=MANUAL))
    out = tmp_path / "recorded"
    proxy = serve(Recorder(build(api="retab"), real.url, out, {"Api-Key": REAL_KEY}))
    recorded = cancel_story(proxy.url, scenario, CLIENT_KEY, at)
    assert recorded[-1] == end

    states = load_scenarios(out)["recorded-1"].attempts[0].states
    ended = next(s for s in states if s.status == at and s.duration and s.duration.until)
    assert ended.duration is not None and ended.duration.until == "cancel"

    fresh = serve(build(api="retab", scenarios=out, settings=MANUAL))
    assert cancel_story(fresh.url, "recorded-1", CLIENT_KEY, at) == recorded


def test_the_service_failing_a_poll_is_recorded_as_a_fault_and_replayed_on_the_same_poll(
    tmp_path: Path, serve: Callable[..., LiveServer]
) -> None:
    import httpx

    script = tmp_path / "real"
    script.mkdir()
    (script / "flaky.yaml").write_text(
        "attempts:\n  - states:\n      - {status: in_progress, for: {polls: 3}}\n"
        "      - {status: completed, result: {title: t, suggestion: s}}\n"
        "faults:\n  - {operation: retrieve, nth: 2, status: 503, headers: {retry-after: '2'}}\n"
    )

    def polls(url: str, scenario: str) -> list[Any]:
        headers = {"Authorization": f"Bearer {CLIENT_KEY}", "X-Emulator-Scenario": scenario}
        with httpx.Client(base_url=url, headers=headers) as http:
            job = http.post("/v1/applications/app-1/jobs", json={"inputs": INPUTS}).json()
            answers = [http.get(f"/v1/applications/jobs/{job['id']}") for _ in range(6)]
        return [
            (a.status_code, a.headers.get("retry-after"), a.json().get("status")) for a in answers
        ]

    real = serve(build(api="writer", scenarios=script, settings=MANUAL))
    out = tmp_path / "recorded"
    proxy = serve(Recorder(build(api="writer"), real.url, out))
    recorded = polls(proxy.url, "flaky")
    assert recorded[1][:2] == (503, "2") and recorded[-1] == (200, None, "completed")

    (fault,) = load_scenarios(out)["recorded-1"].faults
    assert (fault.operation, fault.nth, fault.status) == ("retrieve", 2, 503)
    fresh = serve(build(api="writer", scenarios=out, settings=MANUAL))
    assert polls(fresh.url, "recorded-1") == recorded
