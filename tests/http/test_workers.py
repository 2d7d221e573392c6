"""``serve --workers N --state redis://...``: N processes on one port, one emulator. A worker
killed with ``kill -9`` under load loses nothing it acknowledged, the others keep answering, a
new one takes its place, and the webhook it was sending is taken over once its lease ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator import LiveServer
from tests.redis_support import RedisServer, Serve, wait_until
from tests.support import REPO, WRITER, WRITER_INPUTS

EXAMPLES = REPO / "specs" / "examples"


def quick_batch_profile(folder: Path) -> Path:
    """The example batch profile, its webhooks timing out after 2 s (a lease of 4 s)."""
    profile = yaml.safe_load((EXAMPLES / "profiles" / "batch.profile.yaml").read_text())
    profile["spec"] = str(EXAMPLES / "batch.yaml")
    profile["webhooks"]["timeout"] = 2
    (folder / "profiles").mkdir()
    (folder / "scenarios").mkdir()
    (folder / "scenarios" / "batch").symlink_to(EXAMPLES / "scenarios" / "batch")
    path = folder / "profiles" / "batch.profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    return path


class StallingReceiver:
    """Records every delivery; the first one is never answered (its sender dies meanwhile)."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.first = threading.Event()
        self.release = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        import anyio

        request = Request(scope, receive)
        raw = await request.body()
        self.got.append({"id": request.headers.get("webhook-id"), "raw": raw})
        if len(self.got) == 1:
            self.first.set()
            while not self.release.is_set():
                await anyio.sleep(0.02)
        await Response(b"", 200)(scope, receive, send)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def _pids(serve: Serve) -> list[int]:
    """The workers' pids, from the lines ``serve`` prints as it starts them."""
    assert serve.process is not None and serve.process.stdout is not None
    pids = []
    while len(pids) < 2:
        line = serve.process.stdout.readline()
        if line.startswith("jobs-emulator: worker"):
            pids.append(int(line.split()[-1]))
    return pids


def test_kill_9_of_a_worker_under_load_loses_nothing_acknowledged(
    redis: RedisServer, tmp_path: Path
) -> None:
    import os
    import signal

    serve = Serve("--workers", "2", "--state", redis.url(), "--clock", "manual").start().ready()
    try:
        pids = _pids(serve)
        acknowledged: list[str] = []
        failures: list[str] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    with httpx.Client(base_url=serve.url, headers=WRITER, timeout=10) as http:
                        while not stop.is_set():
                            made = http.post("/v1/applications/app/jobs", json=WRITER_INPUTS)
                            assert made.status_code == 202, made.text
                            acknowledged.append(made.json()["id"])
                            polled = http.get(f"/v1/applications/jobs/{made.json()['id']}")
                            assert polled.status_code == 200, polled.text
                except httpx.TransportError as exc:  # its worker died mid-request
                    failures.append(type(exc).__name__)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(acknowledged) > 50, 30, "no load")
        os.kill(pids[0], signal.SIGKILL)
        count = len(acknowledged)
        wait_until(lambda: len(acknowledged) > count + 50, 30, "no answers after the kill")
        stop.set()
        for thread in threads:
            thread.join(30)
        with httpx.Client(base_url=serve.url, headers=WRITER, timeout=10) as http:
            for job_id in acknowledged:
                assert http.get(f"/v1/applications/jobs/{job_id}").status_code == 200
            listed = http.get("/v1/applications/app/jobs", params={"limit": 0}).json()
        assert listed["totalCount"] >= len(acknowledged)
    finally:
        err = serve.stderr()
    assert f"(pid {pids[0]}) was killed by signal 9; starting another" in err


def test_a_stop_while_a_dead_worker_waits_to_be_replaced_stops_everything(
    redis: RedisServer,
) -> None:
    """A worker that dies at once is replaced after a pause; SIGTERM during the pause stops
    ``serve`` and every worker, at once: none is started after the stop."""
    import os
    import signal

    serve = Serve("--workers", "2", "--state", redis.url()).start().ready()
    assert serve.process is not None
    pids = _pids(serve)
    os.kill(pids[0], signal.SIGKILL)
    # Gone from /proc once ``serve`` has reaped it: then it pauses before starting another.
    wait_until(lambda: not Path(f"/proc/{pids[0]}").exists(), 10, "the dead worker not reaped")
    serve.ask_to_stop()
    try:
        assert serve.process.wait(5) == 0
    finally:
        err = serve.stderr()
    with pytest.raises(ProcessLookupError):  # nothing of its process group is left
        os.killpg(serve.process.pid, 0)
    assert f"(pid {pids[0]}) was killed by signal 9; starting another" in err


def test_a_webhook_whose_sender_was_killed_is_taken_over_and_delivered(
    redis: RedisServer, tmp_path: Path
) -> None:
    import os
    import signal

    profile = quick_batch_profile(tmp_path)
    receiver = StallingReceiver()
    serve = Serve(
        "--workers", "2", "--state", redis.url(), "--clock", "manual", "--profile", str(profile)
    ).start()
    with LiveServer(receiver) as hooks:
        serve.ready()
        _pids(serve)
        with httpx.Client(base_url=f"{serve.url}/_ns/hooks", timeout=30) as http:
            http.put("/_emulator/webhooks", json={"subscriptions": [{"url": hooks.url}]})
            http.post("/v1/batches", json={"input_file_id": "file-1"})
            moved: list[str] = []

            def advance() -> None:
                # Whichever worker accepts the advance answers it, unless it is the one sending
                # the delivery: that one dies before it answers. Which of the two it is, the
                # kernel's choice of worker decides.
                try:
                    answer = httpx.post(
                        f"{serve.url}/_ns/hooks/_emulator/clock/advance", json={"seconds": 60}
                    )
                    moved.append(str(answer.status_code))
                except httpx.TransportError as exc:
                    moved.append(type(exc).__name__)

            mover = threading.Thread(target=advance)
            mover.start()
            assert receiver.first.wait(30)  # a worker is sending it, and holds the lease
            leases = redis.client().hgetall(next(iter(redis.client().keys("*:hooks:lease"))))
            [holder] = [value.decode().split("|")[0] for value in leases.values()]
            os.kill(int(holder.rsplit(":", 1)[1]), signal.SIGKILL)
            receiver.release.set()
            wait_until(lambda: len(receiver.got) >= 2, 30, "the delivery was not taken over")
            mover.join(30)

            def logged() -> dict[str, Any]:
                found: dict[str, Any] = http.get("/_emulator/webhooks/deliveries").json()
                return found

            wait_until(lambda: logged()["deliveries"], 30, "the taken-over delivery not logged")
            log = logged()
    serve.stop()
    assert receiver.got[0]["id"] == receiver.got[1]["id"]  # the same message, sent again
    # Only the worker that took it over could say how it went: the one killed could not.
    assert [a["outcome"] for a in log["deliveries"]] == ["delivered"], (log, receiver.got)
    assert log["pending"] == []
    assert moved in (["200"], ["RemoteProtocolError"])
