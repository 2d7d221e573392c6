"""Mistral's own SDK (mistralai 3.7.0), unchanged, driving batch jobs over real HTTP in strict
mode: the unedited draft's happy path, then the finished profile's create, poll to success,
failure and resubmit (batch jobs have no retry), cancel through CANCELLATION_REQUESTED, list.
The SDK has no waiting helper or pager for batch jobs, and the API no delete."""

from __future__ import annotations

import pytest
from mistralai.client import Mistral
from mistralai.client.errors import SDKError

from emulator.testing.handle import EmulatorHandle

API = "mistral"  # the corpus API the emu and draft_emu fixtures serve

INPUT = "8d2a3f10-4b6c-4e1a-9f7d-1c2b3a4d5e6f"


def sdk(handle: EmulatorHandle) -> Mistral:
    # The SDK's server URL is the host; the spec's paths carry /v1.
    return Mistral(api_key="k", server_url=handle.url)


def create(client: Mistral):  # type: ignore[no-untyped-def]
    return client.batch.jobs.create(
        input_files=[INPUT], endpoint="/v1/chat/completions", model="mistral-small-latest"
    )


def poll_until_done(client: Mistral, job_id: str) -> list[str]:
    seen = []
    for _ in range(10):
        seen.append(client.batch.jobs.get(job_id=job_id).status)
        if seen[-1] in ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"):
            return seen
    raise AssertionError(f"never finished: {seen}")


def test_the_unedited_draft_runs_the_happy_path(draft_emu: EmulatorHandle) -> None:
    handle = draft_emu
    client = sdk(handle)
    job = create(client)
    assert job.status == "QUEUED"
    assert poll_until_done(client, job.id)[-1] == "SUCCESS"
    assert handle.violations() == []


def test_a_batch_job_runs_to_success_with_its_counts(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    job = create(client)
    assert (job.status, job.total_requests, job.model) == ("QUEUED", 3, "mistral-small-latest")
    assert poll_until_done(client, job.id) == ["QUEUED", "RUNNING", "RUNNING", "SUCCESS"]
    done = client.batch.jobs.get(job_id=job.id)
    assert (done.succeeded_requests, done.output_file) == (
        3,
        "6a1f3e0c-5a8e-4d52-9a0c-3f4b1f2a7d11",
    )
    assert emu.violations() == []


def test_a_failed_job_is_resubmitted_as_a_new_job(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("fails")
    failing = create(client)
    assert poll_until_done(client, failing.id)[-1] == "FAILED"
    failed = client.batch.jobs.get(job_id=failing.id)
    assert [e.message for e in failed.errors] == ["Input file is not valid JSONL."]
    emu.use_scenario(None)
    again = create(client)
    assert again.id != failing.id
    assert poll_until_done(client, again.id)[-1] == "SUCCESS"
    assert emu.violations() == []


def test_a_cancel_is_requested_then_takes_effect(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("cancel-while-running")
    job = create(client)
    assert [client.batch.jobs.get(job_id=job.id).status for _ in range(2)] == ["QUEUED", "RUNNING"]
    assert client.batch.jobs.cancel(job_id=job.id).status == "CANCELLATION_REQUESTED"
    emu.clock.advance(5)
    assert client.batch.jobs.get(job_id=job.id).status == "CANCELLED"
    with pytest.raises(SDKError) as refused:
        client.batch.jobs.cancel(job_id=job.id)
    assert refused.value.status_code == 409
    assert emu.violations() == []


def test_the_list_shows_every_job_newest_first(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    first, second = create(client), create(client)
    page = client.batch.jobs.list(page_size=10)
    assert (page.object, page.total, [j.id for j in page.data]) == (
        "list",
        2,
        [second.id, first.id],
    )
    assert emu.violations() == []
