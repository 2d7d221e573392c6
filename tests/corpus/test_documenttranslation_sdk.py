"""Azure's own client (azure-ai-translation-document 1.0.0, the service's v1.0), unchanged, over
real HTTP in strict mode against the published Swagger 2.0 spec: a translation answers 202 with
``Operation-Location`` and is waited for through the SDK's own poller
(``DocumentTranslationLROPoller``, azure-core underneath), which then pages the translated
documents; one failing validation raises and is resubmitted (the API has no retry); a cancel
(``DELETE /batches/{id}``) winds down through Cancelling; the translations are listed through
the SDK's own pager (``ItemPaged``, following ``@nextLink``)."""

from __future__ import annotations

import pytest
from azure.ai.translation.document import DocumentTranslationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from emulator.testing.handle import EmulatorHandle

API = "documenttranslation"  # the corpus API the emu and draft_emu fixtures serve

SOURCE = "https://source.blob.core.windows.net/docs"
TARGET = "https://target.blob.core.windows.net/es"


def sdk(handle: EmulatorHandle) -> DocumentTranslationClient:
    # polling_interval 0: the poller waits between polls; states here end by polls.
    return DocumentTranslationClient(
        handle.url, AzureKeyCredential("k"), polling_interval=0, retry_total=0
    )


def translate(client: DocumentTranslationClient):  # type: ignore[no-untyped-def]
    return client.begin_translation(SOURCE, TARGET, "es")


def test_the_unedited_draft_runs_the_happy_path(draft_emu: EmulatorHandle) -> None:
    handle = draft_emu
    poller = translate(sdk(handle))
    poller.result()  # the documents' pager it returns reads an operation the draft leaves unbound
    assert poller.status() == "Succeeded"
    assert handle.violations() == []


def test_a_translation_is_waited_for_by_the_sdks_poller_then_its_documents_paged(
    emu: EmulatorHandle,
) -> None:
    poller = translate(sdk(emu))
    documents = list(poller.result())
    assert [d.translated_document_url for d in documents] == [
        f"{TARGET}/letter.docx",
        f"{TARGET}/report.pdf",
    ]
    assert {d.status for d in documents} == {"Succeeded"}
    details = poller.details
    assert (details.status, details.documents_succeeded_count) == ("Succeeded", 2)
    assert details.total_characters_charged == 2650
    assert [e["status"] for e in emu.journal.entries(operation="create")] == [202]
    assert len(emu.journal.entries(operation="retrieve")) >= 4  # NotStarted, Running x2, done
    assert emu.violations() == []


def test_a_translation_failing_validation_raises_and_is_resubmitted(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("fails")
    failing = translate(client)
    with pytest.raises(HttpResponseError, match="InvalidTargetDocumentAccessLevel"):
        failing.result()  # the SDK's poller raises the error of a ValidationFailed one
    error = failing.details.error
    assert (error.code, error.message) == (  # the SDK shows the inner error's code
        "InvalidTargetDocumentAccessLevel",
        "Cannot access target document location with the current permissions.",
    )
    emu.use_scenario(None)
    again = translate(client)
    assert len(list(again.result())) == 2
    assert again.id != failing.id
    assert emu.violations() == []


def test_a_running_translation_is_cancelled_through_cancelling(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    emu.use_scenario("cancel-while-running")
    poller = translate(client)  # its poller polls in a thread of its own, Running until...
    client.cancel_translation(poller.id)  # ... DELETE /batches/{id} cancels it
    poller.wait()  # the poller ends at Cancelling, which it counts as finished
    # The SDK spells the service's Cancelling and Cancelled its own way.
    assert poller.details.status == "Canceling"
    cancelled = client.get_translation_status(poller.id)
    assert (cancelled.status, cancelled.documents_canceled_count) == ("Canceled", 2)
    assert emu.violations() == []


def test_the_translations_are_listed_through_the_sdks_pager(emu: EmulatorHandle) -> None:
    client = sdk(emu)
    pollers = [translate(client) for _ in range(3)]
    for poller in pollers:
        poller.wait()
    ids = [poller.id for poller in pollers]
    listed = client.list_translation_statuses(maxpagesize=2)
    assert [t.id for t in listed] == ids[::-1]  # newest first, two pages by @nextLink
    pages = [str(e["query"]) for e in emu.journal.entries(operation="list")]
    assert len(pages) == 2 and "skip" in pages[1]
    assert emu.violations() == []
