"""A transcription API shaped like issue 24's provider (tests/data/apis/specs/transcripts.yaml),
served over real HTTP in strict mode and driven by the provider's SDK (``assemblyai``) where
it has a call for the answer, by httpx where the answer is a fault the SDK does not retry."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import assemblyai as aai
import httpx
import pytest

from emulator.bundle import build
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle
from tests.support import DATA

from .e2e_support import entries

PROFILE = DATA / "apis" / "specs" / "transcripts.profile.yaml"
AUTH = {"Authorization": "k"}
ZONELESS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$")
_counter = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer(build(profile=PROFILE, settings=Settings(manual_clock=True, strict=True)))
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def emu(server: LiveServer) -> Iterator[EmulatorHandle]:
    handle = EmulatorHandle.for_server(server.url, f"transcripts-{next(_counter)}")
    yield handle
    handle.close()


@pytest.fixture
def sdk(emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[aai.Transcriber]:
    """The SDK's global settings pointed at this test's namespace: its class methods
    (``Transcript.get_by_id``) use the default client those settings make."""
    for name, value in (("api_key", "k"), ("base_url", emu.url), ("polling_interval", 0.01)):
        monkeypatch.setattr(aai.settings, name, value)
    yield aai.Transcriber()
    default = aai.Client._default
    if default is not None:
        default.http_client.close()


def test_the_sdk_submits_and_reads_a_transcript_as_its_scenario_plays(
    emu: EmulatorHandle, sdk: aai.Transcriber
) -> None:
    submitted = sdk.submit("https://example.com/talk.mp3")
    assert submitted.status == aai.TranscriptStatus.queued
    emu.clock.advance(70)
    done = aai.Transcript.get_by_id(submitted.id)  # blocks until completed: one poll here
    assert (done.status, done.text) == (aai.TranscriptStatus.completed, "Hello from the emulator.")


def create(emu: EmulatorHandle, audio_url: str) -> str:
    answer = httpx.post(f"{emu.url}/v2/transcript", json={"audio_url": audio_url}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    job_id: str = answer.json()["id"]
    return job_id


def test_fault_bodies_are_templates_and_bodiless_statuses_send_nothing(
    emu: EmulatorHandle,
) -> None:
    job_id = create(emu, "https://example.com/faulty.mp3")
    url = f"{emu.url}/v2/transcript/{job_id}"
    with httpx.Client(headers=AUTH) as http:
        limited, bare_500, bare_503, merged = (http.get(url) for _ in range(4))
    assert limited.status_code == 429
    assert limited.json() == {
        "error": f"too many polls of {job_id} (https://example.com/faulty.mp3)",
        "status": "error",
    }
    assert (bare_500.status_code, bare_500.content) == (500, b"")  # body: null
    # The spec declares 503 without content: the fault sends none, and strict mode agrees.
    assert (bare_503.status_code, bare_503.content) == (503, b"")
    assert "content-type" not in bare_503.headers
    assert merged.json()["text"] == "partial: queued"  # merge is a template too
    served = entries(emu, operation="getTranscript")
    assert [e["violations"] for e in served] == [[]] * 4


def test_list_items_are_their_own_view_with_zoneless_timestamps_and_page_details(
    emu: EmulatorHandle, sdk: aai.Transcriber
) -> None:
    ids = [sdk.submit(f"https://example.com/{n}.mp3").id for n in range(3)]
    emu.clock.advance(70)
    first = sdk.list_transcripts(aai.ListTranscriptParameters(limit=2))
    assert [t.id for t in first.transcripts] == ids[::-1][:2]  # newest first
    item = first.transcripts[0]
    # The item view, not the job's: the SDK's TranscriptItem, timestamps without a zone.
    assert item.resource_url == f"{emu.url}/v2/transcript/{ids[2]}"
    assert ZONELESS.match(item.created) and ZONELESS.match(item.completed or "")
    assert item.error is None
    details = first.page_details
    assert (details.limit, details.result_count) == (2, 2)
    assert details.current_url == f"{emu.url}/v2/transcript?limit=2"
    assert details.next_url is None  # nothing newer
    older = sdk.list_transcripts(
        aai.ListTranscriptParameters(limit=2, before_id=details.before_id_of_prev_url)
    )
    assert [t.id for t in older.transcripts] == [ids[0]]
    assert older.page_details.result_count == 1 and older.page_details.prev_url is None
    assert older.page_details.next_url == f"{emu.url}/v2/transcript?limit=2&after_id={ids[0]}"
    raw = httpx.get(f"{emu.url}/v2/transcript", headers=AUTH).json()["transcripts"][0]
    assert set(raw) == {
        "id",
        "resource_url",
        "status",
        "created",
        "completed",
        "audio_url",
        "error",
    }
    # The item's error is there and null (its schema requires it); the job's is left out.
    assert raw["error"] is None
    job = httpx.get(f"{emu.url}/v2/transcript/{raw['id']}", headers=AUTH).json()
    assert "error" not in job and "resource_url" not in job


def test_a_delete_answers_the_deleted_resource_and_forgets_it(
    emu: EmulatorHandle, sdk: aai.Transcriber
) -> None:
    job_id = sdk.submit("https://example.com/talk.mp3").id
    emu.clock.advance(70)
    deleted = aai.Transcript.delete_by_id(job_id)
    assert (deleted.id, deleted.status) == (job_id, aai.TranscriptStatus.completed)
    assert deleted.audio_url == "http://deleted_by_user" and deleted.text is None
    gone = httpx.get(f"{emu.url}/v2/transcript/{job_id}", headers=AUTH)
    assert gone.status_code == 404
    assert gone.json() == {
        "error": "Transcript lookup error: transcript id not found",
        "status": "error",
    }


def test_an_operation_outside_the_actions_reads_the_job_in_its_own_view(
    emu: EmulatorHandle, sdk: aai.Transcriber
) -> None:
    transcript = sdk.submit("https://example.com/talk.mp3")
    assert transcript.get_sentences() == []  # nothing transcribed yet
    emu.clock.advance(70)
    sentences = transcript.get_sentences()
    assert [s.text for s in sentences] == ["Hello from the emulator."]
    served = entries(emu, operation="getTranscriptSentences")
    assert [(e["action"], e["violations"]) for e in served] == [("sentences", [])] * 2
