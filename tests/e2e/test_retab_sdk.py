"""Retab's own SDK (retab 0.0.142), unchanged, against the emulator over real HTTP.

The SDK takes seconds to import (its pydantic models, and Anthropic's SDK it brings): it is
imported where a test uses it, not as the module is collected, and every test here is in one
``xdist_group`` (its deployment on Redis's), so under ``pytest -n`` one test process pays for
it, not each.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from emulator.errors import EmulatorError
from emulator.testing.handle import EmulatorHandle

from .e2e_support import assert_clean, entries

if TYPE_CHECKING:
    import retab
    from retab.types.jobs import Job

pytestmark = pytest.mark.xdist_group("redis-retab")

REQUEST = {"document": {"url": "https://example.com/invoice.pdf"}, "model": "retab-small"}
ENDPOINT = "/v1/documents/extract"


def client(emu: EmulatorHandle) -> retab.Retab:
    import retab

    return retab.Retab(api_key="k", base_url=emu.url + "/v1")


def create(sdk: retab.Retab, **metadata: str) -> Job:
    return sdk.jobs.create(endpoint=ENDPOINT, request=REQUEST, metadata=metadata or None)


def raw_job(emu: EmulatorHandle, job_id: str, **query: str) -> dict[str, Any]:
    """The job as the wire carries it: fields the SDK's model drops are visible here."""
    response = emu.client().get(f"/v1/jobs/{job_id}", params=query, headers={"Api-Key": "k"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def use_scenario(emu: EmulatorHandle, name: str) -> None:
    # The SDK's create() takes no extra headers: pick the namespace's default instead.
    emu.control("PUT", "scenario", {"default": name})


@pytest.fixture
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's backoff sleeps between re-sends; record the waits instead of waiting."""
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


def test_create_and_retrieve_with_and_without_response(retab_emu: EmulatorHandle) -> None:
    sdk = client(retab_emu)
    job = create(sdk, customer="acme")
    assert (job.status, job.endpoint, job.metadata) == ("queued", ENDPOINT, {"customer": "acme"})
    assert job.id.startswith("job_") and len(job.id) == 25
    assert job.expires_at == job.created_at + 7 * 24 * 3600

    retab_emu.clock.advance(10)  # queued lasts 10 s
    assert sdk.jobs.retrieve(job.id).status == "in_progress"
    retab_emu.clock.advance(60)  # in_progress lasts 60 s
    done = sdk.jobs.retrieve(job.id)
    assert done.status == "completed"
    assert done.response is None and done.request is None  # left out unless asked
    assert "response" not in entries(retab_emu, operation="retrieve")[-1]["response_body"]

    full = sdk.jobs.retrieve(job.id, include_response=True)
    assert full.response is not None
    assert full.response.status_code == 200
    assert full.response.body["data"]["invoice_number"] == "INV-0042"
    assert full.request is None
    assert sdk.jobs.retrieve_full(job.id).request == REQUEST
    assert full.started_at == job.created_at + 10
    assert full.completed_at == job.created_at + 70
    assert_clean(retab_emu)


def test_advance_to_next_walks_a_job_through_its_scenario_without_its_durations(
    retab_emu: EmulatorHandle,
) -> None:
    sdk = client(retab_emu)
    job = create(sdk)
    seen = [job.status]
    while seen[-1] not in ("completed", "failed"):
        retab_emu.advance_to_next()
        seen.append(sdk.jobs.retrieve(job.id).status)
    assert seen == ["queued", "in_progress", "completed"]
    assert retab_emu.clock.now == job.created_at + 70  # exactly the scenario's deadlines
    with pytest.raises(EmulatorError, match="changes state with time"):
        retab_emu.advance_to_next()  # nothing left to wait for
    assert_clean(retab_emu)


def test_retry_resets_the_same_job_to_queued(retab_emu: EmulatorHandle) -> None:
    use_scenario(retab_emu, "fail-then-retry")
    sdk = client(retab_emu)
    job = create(sdk)
    retab_emu.clock.advance(70)
    failed = sdk.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.code == "provider_timeout"

    retried = sdk.jobs.retry(job.id)
    assert (retried.id, retried.status, retried.error) == (job.id, "queued", None)
    wire = raw_job(retab_emu, job.id)
    assert wire["last_failure_code"] == "provider_timeout"
    assert wire["attempt_count"] == 1

    retab_emu.clock.advance(70)
    done = sdk.jobs.retrieve(job.id, include_response=True)
    assert (done.id, done.status) == (job.id, "completed")
    assert done.response is not None
    assert raw_job(retab_emu, job.id)["attempt_count"] == 2
    assert [e["status"] for e in entries(retab_emu, operation="retry")] == [200]
    assert_clean(retab_emu)


def test_retry_dispatch_delayed_503_then_refused_resend(
    retab_emu: EmulatorHandle, no_backoff_sleep: list[float]
) -> None:
    from retab.exceptions import APIError, InternalServerError

    use_scenario(retab_emu, "retry-dispatch-delayed")
    sdk = client(retab_emu)
    job = create(sdk)
    retab_emu.clock.advance(70)
    assert sdk.jobs.retrieve(job.id).status == "failed"

    with pytest.raises(APIError) as raised:
        sdk.jobs.retry(job.id)

    # The 503 was retried by the SDK; what surfaces is the re-send's refusal, a plain 400.
    error = raised.value
    assert type(error) is APIError and not isinstance(error, InternalServerError)
    assert error.status_code == 400
    assert error.message == "Job cannot be retried from status queued"
    assert len(no_backoff_sleep) == 1  # one backoff wait between the two sends

    retries = entries(retab_emu, operation="retry")
    assert [e["status"] for e in retries] == [503, 400]
    assert retries[0]["response_body"] == {"detail": "Retry queued; dispatch is delayed"}
    assert retries[0]["fault"] is not None and retries[1]["fault"] is None
    assert retries[1]["response_body"] == {"detail": "Job cannot be retried from status queued"}

    # The first /retry did reset the job: it is queued, and later completes.
    assert retab_emu.jobs.get(job.id)["status"] == "queued"
    assert sdk.jobs.retrieve(job.id).status == "queued"
    retab_emu.clock.advance(30)
    assert sdk.jobs.retrieve(job.id).status == "in_progress"
    retab_emu.clock.advance(60)
    assert sdk.jobs.retrieve(job.id).status == "completed"
    assert [e for e in entries(retab_emu, violations=True)] == []


def test_cancel_queued_is_immediate_and_terminal_cancel_is_refused(
    retab_emu: EmulatorHandle,
) -> None:
    from retab.exceptions import APIError

    sdk = client(retab_emu)
    queued = create(sdk)
    cancelled = sdk.jobs.cancel(queued.id)
    assert (cancelled.id, cancelled.status) == (queued.id, "cancelled")
    assert raw_job(retab_emu, queued.id)["cancelled"] is True

    with pytest.raises(APIError) as again:
        sdk.jobs.cancel(queued.id)
    assert again.value.status_code == 400
    assert again.value.message == "Job cannot be cancelled from status cancelled"

    finished = create(sdk)
    retab_emu.clock.advance(70)
    assert sdk.jobs.retrieve(finished.id).status == "completed"
    with pytest.raises(APIError) as terminal:
        sdk.jobs.cancel(finished.id)
    assert terminal.value.status_code == 400
    assert [e["status"] for e in entries(retab_emu, operation="cancel")] == [200, 400, 400]
    assert_clean(retab_emu)


def test_cancel_while_running_is_accepted_and_the_job_still_completes(
    retab_emu: EmulatorHandle,
) -> None:
    from retab.types.jobs import Job

    use_scenario(retab_emu, "cancel-while-running")
    sdk = client(retab_emu)
    job = create(sdk)
    retab_emu.clock.advance(10)
    assert sdk.jobs.retrieve(job.id).status == "in_progress"

    accepted = sdk.jobs.cancel(job.id)
    assert accepted.status == "in_progress"
    # The SDK's Job model has no `cancelled` field (it ignores extras): read it off the wire.
    assert "cancelled" not in Job.model_fields
    assert entries(retab_emu, operation="cancel")[0]["response_body"]["cancelled"] is True

    retab_emu.clock.advance(120)
    done = sdk.jobs.retrieve(job.id, include_response=True)
    assert done.status == "completed"
    assert done.response is not None
    assert raw_job(retab_emu, job.id)["cancelled"] is True
    assert_clean(retab_emu)


def test_cursor_listing_in_both_orders(retab_emu: EmulatorHandle) -> None:
    sdk = client(retab_emu)
    ids = []
    for _ in range(7):
        ids.append(create(sdk).id)
        retab_emu.clock.advance(1)
    j = dict(enumerate(ids, start=1))

    def page(**kwargs: Any) -> tuple[list[str], bool, str | None, str | None]:
        got = sdk.jobs.list(limit=3, **kwargs)
        data = [job.id for job in got.data]
        return data, got.has_more, got.first_id, got.last_id

    # Newest first by default.
    assert page() == ([j[7], j[6], j[5]], True, j[7], j[5])
    assert page(after=j[5]) == ([j[4], j[3], j[2]], True, j[4], j[2])
    assert page(after=j[2]) == ([j[1]], False, j[1], j[1])
    assert page(order="desc", before=j[4]) == ([j[7], j[6], j[5]], False, j[7], j[5])
    assert page(order="desc", before=j[1]) == ([j[4], j[3], j[2]], True, j[4], j[2])

    assert page(order="asc") == ([j[1], j[2], j[3]], True, j[1], j[3])
    assert page(order="asc", after=j[3]) == ([j[4], j[5], j[6]], True, j[4], j[6])
    assert page(order="asc", after=j[6]) == ([j[7]], False, j[7], j[7])
    assert page(order="asc", before=j[5]) == ([j[2], j[3], j[4]], True, j[2], j[4])
    assert page(order="asc", before=j[2]) == ([j[1]], False, j[1], j[1])

    empty = sdk.jobs.list(limit=3, order="asc", after=j[7])
    assert (empty.data, empty.has_more, empty.first_id, empty.last_id) == ([], False, None, None)
    assert_clean(retab_emu)
