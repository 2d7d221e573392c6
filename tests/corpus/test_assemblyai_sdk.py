"""AssemblyAI's own SDK (assemblyai 1.8.2), unchanged, over real HTTP in strict mode: a
transcript created and waited for through the SDK's own ``Transcriber.transcribe`` (it polls
until ``completed`` or ``error``), on the unedited draft and on the finished profile, and a
failure followed by a resubmit.

The published spec's create body is ``additionalProperties: false`` beside an ``allOf``: no
body passes it, so every create was refused until issue 26 repaired that flaw. Repaired, the
create is refused for the next reason: the spec requires ``speech_models``, which the SDK does
not send; these tests skip with that reason while it is so. Listing (items narrower
than the transcript) and delete (answers the deleted transcript) wait on issue 24."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import assemblyai as aai
import pytest

from emulator.http.server import LiveServer
from emulator.testing.handle import EmulatorHandle

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
    try:
        return transcriber.transcribe(AUDIO)
    except aai.types.TranscriptError as exc:
        if "Additional properties are not allowed ('audio_url' was unexpected)" in str(exc):
            pytest.skip("issue 26: the published create schema refuses every body")
        if "'speech_models' is a required property" in str(exc):
            # With the allOf repaired (issue 26), the next layer shows: the published spec
            # requires `speech_models`, which assemblyai 1.8.2 (older than the spec) never sends.
            pytest.skip("the published spec requires speech_models; assemblyai 1.8.2 omits it")
        raise


def test_the_unedited_draft_transcribes_through_the_sdks_waiting_helper(
    drafted: Callable[[str], LiveServer],
    handle_on: Callable[[LiveServer], EmulatorHandle],
    configure: Callable[[EmulatorHandle], aai.Transcriber],
) -> None:
    handle = handle_on(drafted("assemblyai"))
    transcript = transcribe(configure(handle))
    assert transcript.status == aai.TranscriptStatus.completed
    assert handle.violations() == []


def test_a_transcript_fails_and_is_resubmitted(
    finished_server: Callable[[str], LiveServer],
    handle_on: Callable[[LiveServer], EmulatorHandle],
    configure: Callable[[EmulatorHandle], aai.Transcriber],
) -> None:
    handle = handle_on(finished_server("assemblyai"))
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
