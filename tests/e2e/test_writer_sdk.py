"""Writer's own SDK (writer-sdk 3.0.0), unchanged, against the emulator over real HTTP."""

from __future__ import annotations

import httpx
import writerai

from emulator.testing.handle import EmulatorHandle

from .e2e_support import assert_clean, entries, neighbour

INPUTS = [{"id": "product", "value": ["Terra running shoe"]}]
APP = "app-e2e"


def client(emu: EmulatorHandle, **kwargs: object) -> writerai.Writer:
    return writerai.Writer(api_key="My API Key", base_url=emu.url, **kwargs)  # type: ignore[arg-type]


def test_create_fail_retry_complete(writer: EmulatorHandle) -> None:
    sdk = client(writer)
    scenario = {"X-Emulator-Scenario": "fail-then-retry"}
    created = sdk.applications.jobs.create(APP, inputs=INPUTS, extra_headers=scenario)
    assert created.status == "in_progress"
    assert entries(writer, operation="create")[0]["status"] == 202

    # fail-then-retry: in_progress for two polls, then failed.
    statuses = [sdk.applications.jobs.retrieve(created.id).status for _ in range(3)]
    assert statuses == ["in_progress", "in_progress", "failed"]
    failed = sdk.applications.jobs.retrieve(created.id)
    assert failed.error == "The model timed out while generating the response."
    assert failed.data is None

    retried = sdk.applications.jobs.retry(created.id)
    assert (retried.id, retried.status) == (created.id, "in_progress")
    assert entries(writer, operation="retry")[0]["status"] == 202

    # The retry attempt lasts one poll or 30 s: time, not polls, ends it here.
    writer.clock.advance(30)
    done = sdk.applications.jobs.retrieve(created.id)
    assert done.status == "completed"
    assert done.data is not None
    assert done.data.suggestion.startswith("Second time lucky")
    assert done.application_id == APP
    assert_clean(writer)


def test_state_ends_by_seconds_not_polls(writer: EmulatorHandle) -> None:
    sdk = client(writer)
    job = sdk.applications.jobs.create(APP, inputs=INPUTS)
    # happy-path: in_progress for two polls or 60 s, whichever comes first.
    writer.clock.advance(59)
    assert sdk.applications.jobs.retrieve(job.id).status == "in_progress"
    writer.clock.advance(1)
    done = sdk.applications.jobs.retrieve(job.id)
    assert done.status == "completed"
    assert done.completed_at is not None
    assert done.completed_at.timestamp() == writer.clock.now
    assert writer.jobs.get(job.id)["polls"] == 1  # the second poll is not what ended the state


def test_retry_of_running_job_is_refused(writer: EmulatorHandle) -> None:
    sdk = client(writer, max_retries=0)
    job = sdk.applications.jobs.create(APP, inputs=INPUTS)
    try:
        sdk.applications.jobs.retry(job.id)
    except writerai.BadRequestError as exc:
        assert exc.status_code == 400
        assert exc.body is not None
    else:
        raise AssertionError("retrying an in_progress job must be refused")
    assert_clean(writer)


def test_auto_pager_walks_250_jobs_once_each(writer: EmulatorHandle) -> None:
    sdk = client(writer)
    created = [sdk.applications.jobs.create(APP, inputs=INPUTS).id for _ in range(250)]
    sdk.applications.jobs.create("another-app", inputs=INPUTS)  # another partition
    since = entries(writer)[-1]["seq"]

    seen = [job.id for job in sdk.applications.jobs.list(APP, limit=20)]

    assert len(seen) == 250
    assert len(set(seen)) == 250
    assert set(seen) == set(created)
    assert seen == list(reversed(created))  # newest first
    pages = entries(writer, operation="list", since=since)
    assert len(pages) == 13
    offsets = [httpx.QueryParams(p["query"]).get("offset", "0") for p in pages]
    assert offsets == [str(20 * i) for i in range(13)]
    assert all(p["status"] == 200 for p in pages)
    assert_clean(writer)


def test_limit_zero_is_accepted(writer: EmulatorHandle) -> None:
    sdk = client(writer)
    ids = {sdk.applications.jobs.create(APP, inputs=INPUTS).id for _ in range(3)}
    page = sdk.applications.jobs.list(APP, limit=0)
    assert {job.id for job in page.result} == ids
    assert page.total_count == 3
    [entry] = entries(writer, operation="list")
    assert (entry["query"], entry["status"]) == ("limit=0", 200)


def test_namespaces_isolate_jobs_and_clocks(writer: EmulatorHandle) -> None:
    other = neighbour(writer, "-other")
    try:
        mine, theirs = client(writer), client(other, max_retries=0)
        job = mine.applications.jobs.create(APP, inputs=INPUTS)
        try:
            theirs.applications.jobs.retrieve(job.id)
        except writerai.NotFoundError as exc:
            assert exc.status_code == 404
        else:
            raise AssertionError("a job of namespace A must be invisible in namespace B")
        assert list(theirs.applications.jobs.list(APP)) == []
        assert [j.id for j in mine.applications.jobs.list(APP)] == [job.id]

        before = other.clock.now
        writer.clock.advance(3600)
        assert other.clock.now == before
        assert writer.clock.now == before + 3600
        assert mine.applications.jobs.retrieve(job.id).status == "completed"
        assert entries(other, operation="list")[0]["status"] == 200
        assert entries(writer, job_id=job.id)[0]["operation"] == "createJob"
    finally:
        other.close()
