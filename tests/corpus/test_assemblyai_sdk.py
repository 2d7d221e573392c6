"""AssemblyAI's own SDK (assemblyai 1.8.2), unchanged, over real HTTP in strict mode: a
transcript created and waited for through the SDK's own ``Transcriber.transcribe`` (it polls
until ``completed`` or ``error``), on the unedited draft and on the finished profile, and a
failure followed by a resubmit, listing page by page and delete.

The published spec's create body is ``additionalProperties: false`` beside an ``allOf``: no
body passes it as written; the emulator repairs that flaw (the members' union, listed by
``check``). The spec also requires ``speech_models``, which the SDK sends when its config names
them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import assemblyai as aai
import pytest

from emulator.testing.handle import EmulatorHandle

API = "assemblyai"  # the corpus API the emu and draft_emu fixtures serve

AUDIO = "https://example.com/call.mp3"


@pytest.fixture
def configure() -> Iterator[Callable[[EmulatorHandle], aai.Transcriber]]:
    saved = (aai.settings.api_key, aai.settings.base_url, aai.settings.polling_interval)

    def point(handle: EmulatorHandle) -> aai.Transcriber:
        # The SDK's base URL is the host: the spec's paths carry /v2.
        aai.settings.api_key, aai.settings.base_url = "k", handle.url
        aai.settings.polling_interval = 0.01  # the SDK sleeps between polls; states end by polls
        return aai.Transcriber()

    yield point
    aai.settings.api_key, aai.settings.base_url, aai.settings.polling_interval = saved


def transcribe(transcriber: aai.Transcriber) -> aai.Transcript:
    # The published spec requires `speech_models` (the models to route the audio to, in
    # order); the SDK sends it when the config names it, as a request to the service must.
    return transcriber.transcribe(AUDIO, aai.TranscriptionConfig(speech_models=["universal"]))


def test_the_unedited_draft_runs_the_happy_path(
    draft_emu: EmulatorHandle,
    configure: Callable[[EmulatorHandle], aai.Transcriber],
) -> None:
    handle = draft_emu
    transcript = transcribe(configure(handle))
    assert transcript.status == aai.TranscriptStatus.completed
    assert handle.violations() == []


def test_a_transcript_fails_and_is_resubmitted(
    emu: EmulatorHandle,
    configure: Callable[[EmulatorHandle], aai.Transcriber],
) -> None:
    handle = emu
    transcriber = configure(handle)
    handle.use_scenario("fails")
    failed = transcribe(transcriber)
    assert failed.status == aai.TranscriptStatus.error
    assert failed.error == "Download error, unable to download https://example.com/missing.mp3"
    handle.use_scenario(None)
    again = transcribe(transcriber)
    assert (again.status, again.text) == (
        aai.TranscriptStatus.completed,
        "Hello from the emulator.",
    )
    assert again.id != failed.id
    assert handle.violations() == []


def test_transcripts_are_listed_page_by_page_and_deleted(
    emu: EmulatorHandle,
    configure: Callable[[EmulatorHandle], aai.Transcriber],
) -> None:
    handle = emu
    transcriber = configure(handle)
    config = aai.TranscriptionConfig(speech_models=["universal"])
    ids = [transcriber.submit(AUDIO, config).id for _ in range(3)]
    # The SDK has no pager for transcripts: a page links to the older ones by before_id.
    page = transcriber.list_transcripts(aai.ListTranscriptParameters(limit=2))
    assert [t.id for t in page.transcripts] == ids[::-1][:2]
    older = transcriber.list_transcripts(
        aai.ListTranscriptParameters(limit=2, before_id=page.page_details.before_id_of_prev_url)
    )
    assert [t.id for t in older.transcripts] == [ids[0]]
    assert page.transcripts[0].resource_url.endswith(f"/v2/transcript/{ids[2]}")
    deleted = aai.Transcript.delete_by_id(ids[1])
    assert deleted.id == ids[1]
    with pytest.raises(aai.types.TranscriptError, match=r"not found|404"):
        aai.Transcript.get_by_id(ids[1])
    assert handle.violations() == []
