"""What ``check`` proves, every kind of answer at once: each kind a profile can serve, broken in
one place, is refused at load; and a profile ``check`` accepts, played through every operation
it binds in every state of every scenario in strict mode, never answers a 500 the load check
could have predicted (only the faults that script one, and the spec gaps it lists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import LoadError, Settings, build
from emulator.cli import main as cli_main
from tests.support import DATA, REPO

APIS = DATA / "apis" / "specs"
TRANSCRIPTS = APIS / "transcripts.profile.yaml"
TASKS = APIS / "tasks.profile.yaml"
BATCH = REPO / "specs" / "examples" / "profiles" / "batch.profile.yaml"

# Each kind of answer, and one change to a profile that breaks it.
KINDS = {
    "the job view (retrieve)": (
        TRANSCRIPTS,
        '    text: "{result.text}"',
        '    text: "{result.audio_duration}"',  # a number once the transcript is done
    ),
    "the created view (create)": (
        TRANSCRIPTS,
        "  item:",
        '  created: {id: "{job.id}"}\n  item:',
    ),
    "the cancelled view (cancel)": (TASKS, "  page:", "  cancelled: {status: gone}\n  page:"),
    "the item view (list items)": (
        TRANSCRIPTS,
        '    resource_url: "{base_url}/v2/transcript/{job.id}"',
        "    resource_url: null",
    ),
    "the deleted view (delete)": (
        TRANSCRIPTS,
        "    audio_url: http://deleted_by_user",
        "    audio_url: [gone]",
    ),
    "a page with each variable": (
        TRANSCRIPTS,
        '      current_url: "{url}"',
        '      current_url: "{prev_url}"',
    ),
    "a read view (an operation outside the actions)": (
        TRANSCRIPTS,
        "    confidence: 0.98",
        "    confidence: null",
    ),
    "an error kind": (TRANSCRIPTS, "status: error}", "status: 1}"),
    "a webhook payload": (BATCH, 'data: {id: "{job.id}"}', "data: {id: 1}"),
}


# What each refusal names: the operation that would have answered, or the payload.
EXPECTED = {
    "the job view (retrieve)": "getTranscript would answer a job in this state",
    "the created view (create)": "createTranscript would answer a job in this state",
    "the cancelled view (cancel)": "cancelTask would answer a job in this state",
    "the item view (list items)": "at 'transcripts/0/resource_url'",
    "the deleted view (delete)": "deleteTranscript would answer a job in this state",
    "a page with each variable": "listTranscripts would answer a page of jobs in this state",
    "a read view (an operation outside the actions)": "getTranscriptSentences would answer",
    "an error kind": "/errors/body: createTranscript may answer 400 (invalid_request)",
    "a webhook payload": "webhook would carry a payload the spec forbids at 'data/id'",
}


def broken(tmp_path: Path, profile: Path, old: str, new: str) -> Path:
    text = profile.read_text()
    assert old in text
    copy = tmp_path / profile.name
    spec_line = next(line for line in text.splitlines() if line.startswith("spec: "))
    spec = (profile.parent / spec_line.removeprefix("spec: ")).resolve()
    scenarios_line = next(line for line in text.splitlines() if line.startswith("scenarios: "))
    scenarios = profile.parent.parent / "scenarios" / scenarios_line.removeprefix("scenarios: ")
    text = text.replace(old, new, 1).replace(spec_line, f"spec: {spec}")
    copy.write_text(text.replace(scenarios_line, f"scenarios: {scenarios.resolve()}"))
    return copy


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_answer_broken_is_refused_at_load(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, old, new = KINDS[kind]
    assert cli_main(["check", "--profile", str(profile)]) == 0  # as it is: ok
    copy = broken(tmp_path, profile, old, new)
    with pytest.raises(LoadError):
        build(profile=copy)
    capsys.readouterr()
    assert cli_main(["check", "--profile", str(copy)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and EXPECTED[kind] in error, error


FAULTS = {
    "a fault body": "{operation: retrieve, status: 429, body: {error: 1}}",
    "a fault without a body where one is declared": "{operation: delete, status: 404, body: null}",
    # A kind names the envelope: a body where the spec declares none for 503.
    "a fault's kind where no body is declared": "{operation: retrieve, status: 503, "
    "kind: unavailable}",
    "a merge into the action's answer": "{operation: list, merge: {transcripts: 1}}",
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_each_kind_of_fault_broken_is_refused_at_load(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "faulty.yaml").write_text(
        f"attempts: [{{states: [{{status: completed}}]}}]\nfaults: [{FAULTS[kind]}]\n"
    )
    with pytest.raises(LoadError) as info:
        build(profile=TRANSCRIPTS, scenarios=folder)
    assert info.value.pointer == "/faults/0"


AUTH = {"Authorization": "k"}


def test_an_accepted_profile_never_serves_a_predictable_500_in_strict_mode() -> None:
    app = build(profile=TRANSCRIPTS, settings=Settings(manual_clock=True, strict=True))
    http = TestClient(app, base_url="http://e")
    bodies = {
        "transcribed": {"audio_url": "https://example.com/a.mp3", "speaker_labels": True},
        "unreachable": {"audio_url": "https://example.com/missing.mp3"},
        "templated-faults": {"audio_url": "https://example.com/faulty.mp3"},
    }
    ids = {}
    for name, body in bodies.items():
        created = http.post("/v2/transcript", json=body, headers=AUTH)
        assert created.status_code == 200, created.text
        ids[name] = created.json()["id"]
    for _ in range(8):  # every state of every scenario: polls, then time
        for job_id in ids.values():
            http.get(f"/v2/transcript/{job_id}", headers=AUTH)
            http.get(f"/v2/transcript/{job_id}/sentences", headers=AUTH)
        for query in ({}, {"limit": 1}, {"limit": 1, "before_id": ids["transcribed"]}):
            http.get("/v2/transcript", params=query, headers=AUTH)
        http.post("/_emulator/clock/advance", json={"seconds": 15})
    # The refusals the profile answers with, on every operation that can meet them.
    http.get("/v2/transcript/nope", headers=AUTH)
    http.get("/v2/transcript/nope/sentences", headers=AUTH)
    http.delete("/v2/transcript/nope", headers=AUTH)
    http.get("/v2/transcript")
    http.post("/v2/transcript", json={"audio": 1}, headers=AUTH)
    http.get("/v2/transcript", params={"limit": 0}, headers=AUTH)
    for job_id in ids.values():
        http.delete(f"/v2/transcript/{job_id}", headers=AUTH)
    journal = http.get("/_emulator/journal").json()["entries"]
    assert len(journal) > 80
    served_wrong = [e for e in journal if any(v["side"] == "response" for v in e["violations"])]
    assert served_wrong == []  # (the bad requests above are the client's violations)
    served_500 = [e for e in journal if e["status"] >= 500]
    assert served_500 and all(e["fault"] is not None for e in served_500)
    assert {e["status"] for e in journal} >= {200, 400, 401, 404, 429, 500, 503}
