"""Google's Gen AI SDK (google-genai 3.6.1), its Vertex AI client, unchanged, over real HTTP
in strict mode against the published discovery document of Vertex AI: a batch prediction job
is created and polled to its end (the SDK has no waiting helper for batch jobs: a client polls
``batches.get`` until ``done``), a failed one shows its error and is resubmitted (the API has
no retry), a running one is cancelled through JOB_STATE_CANCELLING, the jobs are listed through
the SDK's own pager (following ``nextPageToken``) and deleted."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials

from emulator.testing.handle import EmulatorHandle

API = "vertexai"  # the corpus API the emu and draft_emu fixtures serve

MODEL = "gemini-2.5-flash"
LOCATION = "projects/emulator/locations/us-central1"


def sdk(handle: EmulatorHandle) -> genai.Client:
    return genai.Client(
        vertexai=True,
        project="emulator",
        location="us-central1",
        credentials=Credentials(token="k"),  # any bearer token
        http_options=types.HttpOptions(base_url=handle.url, api_version="v1"),
    )


def submit(client: genai.Client, source: str = "gs://bucket/in.jsonl") -> types.BatchJob:
    return client.batches.create(
        model=MODEL, src=source, config=types.CreateBatchJobConfig(dest="gs://bucket/out")
    )


def poll_until_done(client: genai.Client, name: str) -> list[types.BatchJob]:
    seen = [client.batches.get(name=name)]
    while not seen[-1].done:
        assert len(seen) < 10, [job.state for job in seen]
        seen.append(client.batches.get(name=name))
    return seen


def test_the_unedited_draft_runs_the_happy_path(draft_emu: EmulatorHandle) -> None:
    handle = draft_emu
    client = sdk(handle)
    job = submit(client)
    assert poll_until_done(client, str(job.name))[-1].state == types.JobState.JOB_STATE_SUCCEEDED
    assert handle.violations() == []


def test_a_batch_job_runs_to_its_predictions(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    job = submit(client)
    assert str(job.name).startswith(f"{LOCATION}/batchPredictionJobs/")
    assert job.src is not None and job.src.gcs_uri == ["gs://bucket/in.jsonl"]
    states = [j.state for j in poll_until_done(client, str(job.name))]
    assert states == [
        types.JobState.JOB_STATE_QUEUED,
        types.JobState.JOB_STATE_RUNNING,
        types.JobState.JOB_STATE_RUNNING,
        types.JobState.JOB_STATE_SUCCEEDED,
    ]
    done = client.batches.get(name=str(job.name))
    assert done.completion_stats is not None and done.completion_stats.successful_count == 2
    assert done.dest is not None and done.dest.gcs_uri == "gs://bucket/out"
    assert done.end_time is not None and done.create_time is not None
    assert emu.violations() == []


def test_a_failed_batch_job_shows_its_error_and_is_resubmitted(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("fails")
    failing = submit(client, "gs://bucket/broken.jsonl")
    failed = poll_until_done(client, str(failing.name))[-1]
    assert failed.state == types.JobState.JOB_STATE_FAILED
    assert failed.error is not None and "not valid JSON Lines" in str(failed.error.message)
    emu.use_scenario(None)
    again = submit(client, "gs://bucket/broken.jsonl")
    assert again.name != failing.name
    assert poll_until_done(client, str(again.name))[-1].state == "JOB_STATE_SUCCEEDED"
    assert emu.violations() == []


def test_a_running_batch_job_is_cancelled_through_cancelling(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("cancel-while-running")
    job = submit(client)
    client.batches.cancel(name=str(job.name))
    states = [j.state for j in poll_until_done(client, str(job.name))]
    assert states == ["JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED"]
    assert emu.violations() == []


def test_batch_jobs_are_listed_through_the_sdks_pager_and_deleted(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    names = [str(submit(client).name) for _ in range(3)]
    pager = client.batches.list(config=types.ListBatchJobsConfig(page_size=2))
    assert [job.name for job in pager] == names[::-1]  # newest first, two pages
    pages = [str(e["query"]) for e in emu.journal.entries(operation="list")]
    assert len(pages) == 2 and "pageToken" in pages[1]
    deleted = client.batches.delete(name=names[0])
    assert deleted.done
    with pytest.raises(errors.ClientError, match="NOT_FOUND"):
        client.batches.get(name=names[0])
    assert emu.violations() == []
