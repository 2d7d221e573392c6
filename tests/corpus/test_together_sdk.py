"""Together's own SDK (together 3.1.1), unchanged, driving batches over real HTTP in strict
mode: the unedited draft's happy path, then the finished profile's create (201, the job inside
``{job: ...}``), poll to completion, failure and resubmit (no retry), cancel, list. The SDK
has no waiting helper or pager for batches, and the API no delete."""

from __future__ import annotations

import pytest
import together

from emulator.testing.handle import EmulatorHandle

API = "together"  # the corpus API the emu and draft_emu fixtures serve


def sdk(handle: EmulatorHandle) -> together.Together:
    return together.Together(api_key="k", base_url=handle.url, max_retries=0)


def create(client: together.Together) -> str:
    made = client.batches.create(input_file_id="file-in-1", endpoint="/v1/chat/completions")
    return made.job.id


def poll_until_done(client: together.Together, job_id: str) -> list[str]:
    seen = []
    for _ in range(10):
        seen.append(client.batches.retrieve(job_id).status)
        if seen[-1] in ("COMPLETED", "FAILED", "EXPIRED", "CANCELLED"):
            return seen
    raise AssertionError(f"never finished: {seen}")


def test_the_unedited_draft_runs_the_happy_path(draft_emu: EmulatorHandle) -> None:
    handle = draft_emu
    with sdk(handle) as client:
        assert poll_until_done(client, create(client))[-1] == "COMPLETED"
    assert handle.violations() == []


def test_a_batch_runs_to_completion_with_its_output(emu: EmulatorHandle) -> None:
    with sdk(emu) as client:
        job_id = create(client)
        assert poll_until_done(client, job_id) == [
            "VALIDATING",
            "IN_PROGRESS",
            "IN_PROGRESS",
            "COMPLETED",
        ]
        done = client.batches.retrieve(job_id)
        assert (done.progress, done.output_file_id) == (100, "file-out-7d2c91")
        assert done.completed_at is not None and done.completed_at >= done.created_at
    assert emu.violations() == []


def test_a_failed_batch_is_resubmitted(emu: EmulatorHandle) -> None:
    with sdk(emu) as client:
        emu.use_scenario("fails")
        failing = create(client)
        assert poll_until_done(client, failing)[-1] == "FAILED"
        failed = client.batches.retrieve(failing)
        assert (failed.error, failed.error_file_id) == (
            "input file: line 2 is not valid JSON",
            "file-err-3c1a",
        )
        emu.use_scenario(None)
        assert poll_until_done(client, create(client))[-1] == "COMPLETED"
    assert emu.violations() == []


def test_a_running_batch_is_cancelled_and_a_finished_one_refuses(emu: EmulatorHandle) -> None:
    with sdk(emu) as client:
        emu.use_scenario("cancel-while-running")
        job_id = create(client)
        assert client.batches.cancel(job_id).status == "CANCELLED"
        with pytest.raises(together.BadRequestError):
            client.batches.cancel(job_id)
    assert emu.violations() == []


def test_the_list_shows_every_batch(emu: EmulatorHandle) -> None:
    with sdk(emu) as client:
        first, second = create(client), create(client)
        assert [b.id for b in client.batches.list()] == [second, first]
    assert emu.violations() == []
