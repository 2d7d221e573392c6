"""--state-file: an emulator restarted on its state file has every job, clock, scenario default,
rate limit and journal entry it had; one started without it starts clean."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from emulator import Settings, StateFileError, build
from emulator.cli import main
from tests.support import WRITER, osapi_auth

JOBS = "/v1/applications/app-1/jobs"
START = 1_767_225_600.0
OSAPI = osapi_auth("write")
OSAPI_JOB = {"operation": {"type": "node.hostname.get"}, "target_hostname": "_any"}


@contextmanager
def served(state: Path | None, api: str = "writer", *, manual: bool = True) -> Iterator[TestClient]:
    """One run of an emulator: it lets go of its state file when the run ends."""
    settings = Settings(manual_clock=manual, state_file=None if state is None else str(state))
    app = build(api=api, settings=settings)
    try:
        yield TestClient(app, base_url="http://e")
    finally:
        app.close()


def create(c: TestClient, scenario: str, ns: str = "") -> str:
    headers = {**WRITER, "X-Emulator-Scenario": scenario}
    r = c.post(f"{ns}{JOBS}", json={"inputs": []}, headers=headers)
    assert r.status_code == 202, r.text
    job_id: str = r.json()["id"]
    return job_id


def poll(c: TestClient, job_id: str, ns: str = "") -> Any:
    r = c.get(f"{ns}/v1/applications/jobs/{job_id}", headers=WRITER)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_restart_keeps_jobs_clock_default_rate_limit_and_journal(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state) as c:
        failed = create(c, "always-fail")
        poll(c, failed)
        assert poll(c, failed)["status"] == "failed"
        assert c.post(f"/v1/applications/jobs/{failed}/retry", headers=WRITER).status_code == 202
        running = create(c, "happy-path", ns="/_ns/other")
        c.post("/_emulator/clock/advance", json={"seconds": 90})
        c.put("/_emulator/scenario", json={"default": "always-fail"})
        c.put("/_emulator/rate-limit", json={"requests": 100, "per": 60})
        before = c.get("/_emulator/journal").json()["entries"]
        jobs_before = c.get("/_emulator/jobs").json()["jobs"]
    with served(state) as c:
        assert c.get("/_emulator/jobs").json()["jobs"] == jobs_before
        assert [j["id"] for j in jobs_before] == [failed]
        assert c.get("/_emulator/jobs/" + failed).json()["attempt"] == 1
        assert c.get("/_ns/other/_emulator/jobs").json()["jobs"][0]["id"] == running
        assert c.get("/_ns/other/_emulator/clock").json()["now"] == START
        assert c.get("/_emulator/clock").json()["now"] == START + 90
        assert c.get("/_emulator/scenario").json()["default"] == "always-fail"
        assert c.get("/_emulator/rate-limit").json() == {"requests": 100, "per": 60.0}
        assert c.get("/_emulator/journal").json()["entries"] == before
        # The journal goes on where it stopped, and new ids never repeat the old ones.
        fresh = create(c, "happy-path")
        assert fresh not in (failed, running)
        after = c.get("/_emulator/journal").json()["entries"]
        assert after[-1]["seq"] == before[-1]["seq"] + 1 and after[:-1] == before


def test_a_restart_without_the_state_file_starts_clean(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state) as c:
        create(c, "happy-path")
        c.post("/_emulator/clock/advance", json={"seconds": 90})
    with served(None) as c:
        assert c.get("/_emulator/jobs").json()["jobs"] == []
        assert c.get("/_emulator/clock").json()["now"] == START
        assert c.get("/_emulator/journal").json()["entries"] == []
    with served(state) as c:  # and the file still has it all
        assert len(c.get("/_emulator/jobs").json()["jobs"]) == 1


def test_reset_clears_the_state_file_too(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state) as c:
        create(c, "happy-path")
        c.post("/_emulator/clock/advance", json={"seconds": 90})
        c.post("/_emulator/reset")
    with served(state) as c:
        assert c.get("/_emulator/jobs").json()["jobs"] == []
        assert c.get("/_emulator/clock").json()["now"] == START
        assert c.get("/_emulator/journal").json()["entries"] == []


def test_a_freed_namespace_leaves_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state) as c:
        create(c, "happy-path", ns="/_ns/done")
        create(c, "happy-path", ns="/_ns/kept")
        assert c.delete("/_ns/done/_emulator/namespace").json()["existed"] is True
    app = build(api="writer", settings=Settings(manual_clock=True, state_file=str(state)))
    try:
        assert "done" not in app.namespaces.names() and "kept" in app.namespaces.names()
    finally:
        app.close()


def test_a_real_clock_keeps_how_far_it_was_pushed(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state, manual=False) as c:
        pushed = c.post("/_emulator/clock/advance", json={"seconds": 86_400}).json()["now"]
    with served(state, manual=False) as c:
        now = c.get("/_emulator/clock").json()
        assert now["mode"] == "real" and pushed <= now["now"] < pushed + 60


SEEDED = """
attempts:
  - states:
      - status: in_progress
        for: {polls: 5}
      - status: completed
        result: {title: t, suggestion: s}
seed_jobs:
  - id: 6f1c2b0e-8a4d-4c2e-9b7a-2d5e4f1a9c30
    request: {path: {application_id: app-1}, body: {inputs: []}}
"""


def test_seeded_jobs_keep_the_state_they_reached(tmp_path: Path) -> None:
    state, scenarios = tmp_path / "state.db", tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "seeded.yaml").write_text(SEEDED)
    settings = Settings(manual_clock=True, state_file=str(state))
    job_id = "6f1c2b0e-8a4d-4c2e-9b7a-2d5e4f1a9c30"
    for polls in (1, 2):  # a restart does not seed the job again: its polls go on
        app = build(api="writer", scenarios=scenarios, settings=settings)
        c = TestClient(app, base_url="http://e")
        poll(c, job_id)
        assert c.get(f"/_emulator/jobs/{job_id}").json()["polls"] == polls
        app.close()


def test_deletes_and_revisions_are_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with served(state, "osapi") as c:
        ids = [c.post("/job", json=OSAPI_JOB, headers=OSAPI).json()["job_id"] for _ in range(3)]
        assert c.delete(f"/job/{ids[1]}", headers=OSAPI).status_code < 300
    with served(state, "osapi") as c:
        assert [j["id"] for j in c.get("/_emulator/jobs").json()["jobs"]] == [ids[0], ids[2]]
        assert c.get(f"/job/{ids[1]}", headers=OSAPI).status_code == 404
        made = c.post("/job", json=OSAPI_JOB, headers=OSAPI).json()
        assert made["job_id"] not in ids
        assert made["revision"] == 5  # three creates and a delete counted before the restart


def test_a_state_file_of_another_api_or_in_use_is_refused_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    locked = pytest.raises(StateFileError, match="locked: another emulator is using this file")
    with served(state), locked:
        build(api="writer", settings=Settings(state_file=str(state)))
    with pytest.raises(StateFileError, match="kept for 'writer', not 'retab'"):
        build(api="retab", settings=Settings(state_file=str(state)))


def test_a_job_of_a_scenario_no_longer_loaded_is_refused_at_start(tmp_path: Path) -> None:
    state, scenarios = tmp_path / "state.db", tmp_path / "scenarios"
    with served(state) as c:
        create(c, "always-fail")
    scenarios.mkdir()
    (scenarios / "happy-path.yaml").write_text(SEEDED.split("seed_jobs:")[0])
    with pytest.raises(
        StateFileError,
        match=r"/namespaces/default/jobs/.*: plays scenario "
        r"'always-fail', which is not loaded \(loaded: happy-path\)",
    ):
        build(api="writer", scenarios=scenarios, settings=Settings(state_file=str(state)))


@pytest.mark.parametrize("keep", [False, True])
def test_credentials_reach_the_file_only_with_journal_secrets(tmp_path: Path, keep: bool) -> None:
    state = tmp_path / "state.db"
    settings = Settings(manual_clock=True, state_file=str(state), journal_secrets=keep)
    app = build(api="retab", settings=settings)
    client = TestClient(app, base_url="http://e")
    assert client.get("/v1/jobs", headers={"Api-Key": "sk-live-1234"}).status_code == 200
    app.close()
    written = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert (b"sk-live-1234" in written) is keep
    with served(state, "retab") as c:
        headers = c.get("/_emulator/journal").json()["entries"][0]["request_headers"]
        assert headers["api-key"] == "[redacted]"  # shown redacted either way, by default


@pytest.mark.parametrize("problem", ["a folder", "garbage", "in use"])
def test_serve_refuses_an_unusable_state_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    state = tmp_path / "state.db"
    reasons = {
        "a folder": "cannot be opened for writing",
        "garbage": "not a state file",
        "in use": "locked: another emulator is using this file",
    }
    if problem == "a folder":
        state.mkdir()
    elif problem == "garbage":
        state.write_bytes(b"\x00garbage" * 500)
    holder = (
        build(api="writer", settings=Settings(state_file=str(state)))
        if problem == "in use"
        else None
    )
    try:
        code = main(["serve", "--port", "0", "--state-file", str(state)])
    finally:
        if holder is not None:
            holder.close()
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"jobs-emulator: refused to start: {state}: /: {reasons[problem]}")
    assert "Traceback" not in err


# --- SIGKILL in the middle of a run -------------------------------------------------------------


def start_server(state: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--api",
            "writer",
            "--port",
            str(port),
            "--clock",
            "manual",
            "--state-file",
            str(state),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30  # a cold start on a busy 2-core machine
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).is_success:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.communicate()[1]}")


class Run:
    """Workers that create failing jobs and retry them, noting what the server acknowledged."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.acked: dict[str, int] = {}  # job id: the last attempt the server acknowledged
        self.sent: dict[str, int] = {}  # job id: the last attempt asked for
        self.lock = threading.Lock()

    def worker(self) -> None:
        with httpx.Client(base_url=self.base, headers=WRITER, timeout=5) as client:
            try:
                while True:
                    self.one_job(client)
            except httpx.TransportError:
                return  # the server was killed

    def one_job(self, client: httpx.Client) -> None:
        headers = {"X-Emulator-Scenario": "always-fail"}
        r = client.post(JOBS, json={"inputs": []}, headers=headers)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        with self.lock:
            self.acked[job_id] = self.sent[job_id] = 0
        for attempt in (1, 2, 3):
            client.get(f"/v1/applications/jobs/{job_id}")
            client.get(f"/v1/applications/jobs/{job_id}")  # the second poll sees it failed
            with self.lock:
                self.sent[job_id] = attempt
            r = client.post(f"/v1/applications/jobs/{job_id}/retry")
            assert r.status_code == 202, r.text
            with self.lock:
                self.acked[job_id] = attempt


def test_every_acknowledged_job_survives_a_sigkill(tmp_path: Path) -> None:
    state, port = tmp_path / "state.db", free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(state, port)
    try:
        httpx.post(f"{base}/_emulator/clock/advance", json={"seconds": 90})
        run = Run(base)
        workers = [threading.Thread(target=run.worker) for _ in range(8)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 20
        while len(run.acked) < 16 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # mid-run: requests are in flight
        for worker in workers:
            worker.join(10)
    finally:
        proc.kill()
        proc.wait(10)
    assert len(run.acked) >= 16 and any(run.acked.values()), "creates and retries were made"
    # Restarted on the file the killed server left (in-process: one cold start less).
    with served(state) as c:
        jobs = {j["id"]: j for j in c.get("/_emulator/jobs").json()["jobs"]}
        for job_id, attempt in run.acked.items():
            assert job_id in jobs, f"acknowledged job {job_id} lost"
            assert attempt <= jobs[job_id]["attempt"] <= run.sent[job_id], job_id
        # A create committed as the server died has no answer, so no client knows its id:
        # at most one per worker, in its first attempt.
        unanswered = set(jobs) - set(run.sent)
        assert len(unanswered) <= len(workers), unanswered
        assert all(jobs[job_id]["attempt"] == 0 for job_id in unanswered)
        assert c.get("/_emulator/clock").json()["now"] == START + 90
        journal = c.get("/_emulator/journal", params={"operation": "create"}).json()
        assert {e["job_id"] for e in journal["entries"]} >= set(run.acked)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
