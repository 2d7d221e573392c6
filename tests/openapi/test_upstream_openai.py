"""OpenAI's published spec, whole and unmodified (tests/data/upstream, MIT): the bundled openai
profile binds its four Batch operations, the flaws of operations nothing binds are warnings,
and a batch is created, polled as the clock moves, listed and cancelled through it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from tests.support import DATA

UPSTREAM = DATA / "upstream" / "openai.openapi.yaml.gz"
AUTH = {"Authorization": "Bearer sk-test"}
BATCH = {
    "input_file_id": "file-abc",
    "endpoint": "/v1/chat/completions",
    "completion_window": "24h",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Emulator:
    spec = tmp_path_factory.mktemp("upstream") / "openapi.yaml"
    spec.write_bytes(gzip.decompress(UPSTREAM.read_bytes()))
    return build(api="openai", spec=spec, settings=Settings(strict=True, manual_clock=True))


def test_the_profile_binds_the_whole_spec_and_warns_of_what_it_does_not_use(app: Emulator) -> None:
    assert len(app.spec.operations) > 200 and app.spec.title == "OpenAI API"
    assert set(app.jobs.action_of.values()) == {"create", "retrieve", "list", "cancel"}
    assert app.warnings and all(Path(w.file).name == "openapi.yaml" for w in app.warnings)
    assert not any("/batches" in w.pointer for w in app.warnings)


def test_a_batch_is_created_polled_listed_and_cancelled(app: Emulator) -> None:
    c = TestClient(app)
    created = c.post("/v1/batches", json=BATCH, headers=AUTH)
    assert created.status_code == 200, created.text
    batch = created.json()
    assert (batch["object"], batch["status"]) == ("batch", "validating")
    c.post("/_emulator/clock/advance", json={"seconds": 5})
    polled = c.get(f"/v1/batches/{batch['id']}", headers=AUTH).json()
    assert polled["status"] == "in_progress" and polled["in_progress_at"] == batch["created_at"] + 5
    assert [b["id"] for b in c.get("/v1/batches", headers=AUTH).json()["data"]] == [batch["id"]]
    cancelling = c.post(f"/v1/batches/{batch['id']}/cancel", headers=AUTH).json()
    assert cancelling["status"] == "cancelling"
    c.post("/_emulator/clock/advance", json={"seconds": 30})
    assert c.get(f"/v1/batches/{batch['id']}", headers=AUTH).json()["status"] == "cancelled"
    journal = c.get("/_emulator/journal").json()["entries"]
    assert [e["violations"] for e in journal] == [[]] * len(journal)  # strict, and clean
