"""The pytest plugin: fixtures, marker, options and violation reports, run as a user would.

The plugin is active in this suite too (pytest11 entry point), so the first tests use the
``emulator`` fixture directly, as the README shows. The rest run small projects in subprocesses
with ``pytester``: grouped, because each run costs a second or two.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from typing import Any

import pytest
import writerai

from emulator.testing.handle import EmulatorHandle
from emulator.testing.pytest_plugin import new_namespace
from tests.support import INNER_INI, UNUSED_PLUGINS, make_hostile, own_config

pytest_plugins = ["pytester"]

INPUTS = [{"id": "topic", "value": ["running shoes"]}]


# -- as a user writes it ------------------------------------------------------------------------


@pytest.mark.emulator(api="writer", scenario="fail-then-retry")
def test_writer_sdk_retries_a_failed_job(emulator: EmulatorHandle) -> None:
    client = writerai.Writer(api_key="My API Key", base_url=emulator.url)
    job = client.applications.jobs.create(application_id="social-post", inputs=INPUTS)
    assert job.status == "in_progress"

    while (current := client.applications.jobs.retrieve(job.id)).status == "in_progress":
        emulator.clock.advance(30)
    assert current.status == "failed"
    assert current.error

    retried = client.applications.jobs.retry(job.id)
    assert (retried.id, retried.status) == (job.id, "in_progress")
    while (current := client.applications.jobs.retrieve(job.id)).status == "in_progress":
        emulator.clock.advance(30)
    assert current.status == "completed"
    assert current.data is not None
    assert current.data.suggestion

    emulator.journal.assert_called("create", exactly=1)
    emulator.journal.assert_called("retry", exactly=1)
    emulator.journal.assert_called("retrieve", job_id=job.id, at_most=10)
    assert emulator.jobs.get(job.id)["attempt"] == 1


@pytest.mark.emulator(scenario="always-fail", in_process=True)
def test_in_process_the_sdk_takes_the_handles_client(emulator: EmulatorHandle) -> None:
    client = writerai.Writer(
        api_key="My API Key", base_url=emulator.url, http_client=emulator.client()
    )
    job = client.applications.jobs.create(application_id="social-post", inputs=INPUTS)
    emulator.clock.advance(30)
    assert client.applications.jobs.retrieve(job.id).status == "failed"
    assert emulator.journal.statuses() == [202, 200]


@pytest.mark.emulator(scenario="always-fail")
def test_rate_limit_and_the_wait_the_client_owes(emulator: EmulatorHandle) -> None:
    emulator.set_rate_limit(1, per=10)
    http = emulator.client(headers={"Authorization": "Bearer My API Key"})
    job = http.post("/v1/applications/app/jobs", json={"inputs": INPUTS}).json()
    refused = http.get(f"/v1/applications/jobs/{job['id']}")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"
    emulator.clock.advance(9)
    assert http.get(f"/v1/applications/jobs/{job['id']}").status_code == 429
    with pytest.raises(AssertionError, match="did not wait after 1 429 response"):
        emulator.journal.assert_waited_after(429)  # the second try came 9 s after a 10 s ask
    emulator.clock.advance(30)
    assert http.get(f"/v1/applications/jobs/{job['id']}").json()["status"] == "failed"
    assert emulator.journal.statuses("retrieve") == [429, 429, 200]
    emulator.set_rate_limit(None)
    assert http.get(f"/v1/applications/jobs/{job['id']}").status_code == 200


@pytest.mark.emulator(scenario="always-fail")
def test_reset_restores_the_tests_clock_and_scenario(emulator: EmulatorHandle) -> None:
    start = emulator.clock.now
    emulator.use_scenario("happy-path")
    emulator.clock.set(dt.datetime.fromtimestamp(start + 3600, dt.UTC))
    http = emulator.client(headers={"Authorization": "Bearer k"})
    http.post("/v1/applications/app/jobs", json={"inputs": INPUTS})
    assert [job["scenario"] for job in emulator.jobs.all()] == ["happy-path"]
    assert emulator.clock.now == start + 3600

    emulator.reset()
    assert emulator.jobs.all() == []
    assert emulator.journal.count() == 0
    assert emulator.clock.now == start
    job = http.post("/v1/applications/app/jobs", json={"inputs": INPUTS}).json()
    forced = emulator.jobs.force(job["id"], "failed", error="forced")
    assert forced["status"] == "failed"
    assert emulator.jobs.get(job["id"])["scenario"] == "always-fail"
    # Journal output redacts credentials (--journal-secrets shows them): the scheme word stays.
    assert emulator.journal.headers("create")[0]["authorization"] == "Bearer [redacted]"
    assert [e["action"] for e in emulator.journal.entries(method="post")] == ["create"]


@pytest.mark.emulator(control_token="plugin-token", api_key=["good key"])
def test_the_fixture_drives_a_locked_server_that_takes_one_key(emulator: EmulatorHandle) -> None:
    accepted = emulator.client(headers={"Authorization": "Bearer good key"})
    assert accepted.post("/v1/applications/app/jobs", json={"inputs": INPUTS}).status_code == 202
    revoked = emulator.client(headers={"Authorization": "Bearer old key"})
    refused = revoked.post("/v1/applications/app/jobs", json={"inputs": INPUTS})
    assert refused.status_code == 401 and refused.json()["tpe"] == "Unauthorized"
    # The handle sends the token with its control calls; a client without it is refused.
    assert emulator.journal.statuses("createJob") == [202, 401]
    assert accepted.get("/_emulator/journal").status_code == 401


# -- in subprocesses ------------------------------------------------------------------------------


FIXTURES_AND_MARKER = """
import os
import re
import socket
from pathlib import Path

import pytest
import writerai

INPUTS = [{"id": "topic", "value": ["shoes"]}]
SEEN = Path(__file__).parent / "seen"


def writer(emulator, **kwargs):
    return writerai.Writer(api_key="My API Key", base_url=emulator.url, **kwargs)


def test_url_carries_the_namespace_and_the_clock_is_manual(emulator):
    assert emulator.url.startswith("http://127.0.0.1:")
    assert emulator.url.endswith(f"/_ns/{emulator.namespace}")
    assert os.environ["PYTEST_XDIST_WORKER"] in ("gw0", "gw1")
    assert emulator.namespace.startswith("test_url_carries_the_namespace_and_the_c-")
    assert emulator.api == "writer"
    start = emulator.clock.now
    assert emulator.clock.now == start
    assert emulator.clock.advance(90) == start + 90
    assert emulator.clock.set(start + 100) == start + 100


@pytest.mark.parametrize("n", range(6))
def test_jobs_stay_in_their_namespace(emulator, n):
    client = writer(emulator)
    made = {client.applications.jobs.create(application_id="shared", inputs=INPUTS).id
            for _ in range(2)}
    listed = {job.id for job in client.applications.jobs.list(application_id="shared")}
    assert listed == made
    assert {job["id"] for job in emulator.jobs.all()} == made
    SEEN.mkdir(exist_ok=True)
    (SEEN / emulator.namespace).write_text(" ".join(sorted(made)))


@pytest.mark.emulator(scenario="always-fail")
class TestMarkers:
    @pytest.mark.emulator(clock="real")
    def test_class_and_function_markers_combine(self, emulator):
        assert emulator.control("GET", "clock")["mode"] == "real"
        client = writer(emulator)
        job = client.applications.jobs.create(application_id="a", inputs=INPUTS)
        assert emulator.jobs.get(job.id)["scenario"] == "always-fail"
        emulator.clock.advance(30)
        assert client.applications.jobs.retrieve(job.id).status == "failed"


@pytest.mark.emulator(in_process=True, scenario="fail-then-retry")
def test_in_process_opens_no_socket(emulator, monkeypatch):
    def refuse(*args):
        raise AssertionError("in-process mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    # The URL is an address that refuses clients built without the transport (at once, saying
    # so); the app reaches itself (its webhooks) at its own host.
    assert re.fullmatch(rf"http://127\\.0\\.0\\.1:\\d+/_ns/{emulator.namespace}", emulator.url)
    assert emulator.own_url == f"http://emulator.local/_ns/{emulator.namespace}"
    client = writer(emulator, http_client=emulator.client())
    job = client.applications.jobs.create(application_id="a", inputs=INPUTS)
    emulator.clock.advance(60)
    assert client.applications.jobs.retrieve(job.id).status == "failed"
    emulator.journal.assert_called("retrieve", exactly=1)


def test_accepted_violations_do_not_fail_the_test(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    assert http.post("/v1/applications/a/jobs", json={"inputs": "x"}).status_code == 400
    assert [v.rule for v in emulator.accept_violations()] == ["type"]
    assert emulator.violations() == []


def test_malformed_body_fails_at_teardown(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    assert http.post("/v1/applications/app/jobs", json={"inputs": "x"}).status_code == 400


@pytest.mark.emulator(scenarios="teapot")
def test_a_spec_gap_is_summed_up_and_fails_nothing(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    job = http.post("/v1/applications/a/jobs", json={"inputs": INPUTS}).json()
    assert http.get(f"/v1/applications/jobs/{job['id']}").status_code == 418


def test_forbidden_forced_state_fails_at_teardown(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    job = http.post("/v1/applications/app/jobs", json={"inputs": INPUTS}).json()
    emulator.jobs.force(job["id"], "exploded")
    assert http.get(f"/v1/applications/jobs/{job['id']}").status_code == 500
"""


# Reproducible seeds: each test writes the ids it got and the statuses its polls met.
TEAPOT = """\
attempts:
  - states:
      - {status: in_progress, for: {seconds: 60}}
      - {status: completed, result: {title: t, suggestion: s}}
faults:
  - {operation: retrieve, status: 418}
"""

FLAKY = """
description: in progress for ever; half the polls answer 503
attempts:
  - states:
      - status: in_progress
faults:
  - operation: retrieve
    probability: 0.5
    status: 503
"""

SEEDED = """
import json
from pathlib import Path

import pytest

OUT = Path(__file__).parent / "out"


@pytest.mark.emulator(scenarios="scn", scenario="flaky")
@pytest.mark.parametrize("n", range(4))
def test_ids_and_faults(emulator, n):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    ids = [http.post("/v1/applications/a/jobs", json={"inputs": []}).json()["id"]
           for _ in range(3)]
    polls = [http.get(f"/v1/applications/jobs/{ids[0]}").status_code for _ in range(12)]
    emulator.accept_violations()
    OUT.mkdir(exist_ok=True)
    (OUT / f"{n}.json").write_text(json.dumps({"ids": ids, "polls": polls}))


@pytest.mark.emulator(seed=7)
def test_another_seed(emulator):
    http = emulator.client(headers={"Authorization": "Bearer k"})
    job = http.post("/v1/applications/a/jobs", json={"inputs": []}).json()["id"]
    (OUT / "seed7.json").write_text(json.dumps({"ids": [job], "polls": []}))
"""

# The second run takes the tests in the reverse order.
REVERSIBLE = """
from pathlib import Path


def pytest_collection_modifyitems(config, items):
    if (Path(str(config.rootpath)) / "reverse").exists():
        items.reverse()
"""


def _seeded_outcomes(pytester: pytest.Pytester) -> dict[str, Any]:
    found = {p.stem: json.loads(p.read_text()) for p in (pytester.path / "out").glob("*.json")}
    for old in (pytester.path / "out").glob("*.json"):
        old.unlink()
    return found


def _docstring_example() -> str:
    from emulator.testing import pytest_plugin

    doc = pytest_plugin.__doc__ or ""
    example = textwrap.dedent(doc.split("\n\n", 2)[2].split("\n\nOptions")[0])
    assert "def test_" in example
    return example


# Early: a nested run on two workers, seconds long, near the end of the order otherwise.
@pytest.mark.early
def test_fixtures_marker_isolation_violations_and_seeds_under_xdist(
    pytester: pytest.Pytester,
) -> None:
    """One run of 21 tests on two workers; the plugin docstring's example is one of them. The
    seeded tests run again on one process, in reverse order, and meet the same ids and faults."""
    pytester.makeini(INNER_INI)
    pytester.makeconftest(REVERSIBLE)
    (pytester.path / "scn").mkdir()
    (pytester.path / "scn" / "flaky.yaml").write_text(FLAKY)
    (pytester.mkdir("teapot") / "happy-path.yaml").write_text(TEAPOT)
    pytester.makepyfile(
        test_inner=FIXTURES_AND_MARKER, test_docstring=_docstring_example(), test_seeded=SEEDED
    )
    result = pytester.runpytest_subprocess(*own_config(pytester.path), "-n", "2")
    result.assert_outcomes(passed=19, errors=2)
    # The spec gap travelled from its worker to the summary, and failed no test.
    result.stdout.fnmatch_lines(
        [
            "*= jobs-emulator spec gaps =*",
            "retrieveJob: 418 is not declared by the spec; served once (first in "
            "test_inner.py::test_a_spec_gap_is_summed_up_and_fails_nothing)",
        ]
    )
    result.stdout.fnmatch_lines(["*2 workers*"])
    output = result.stdout.str()
    # Counted in the tracebacks only: the short summary repeats them in full when CI is set.
    raised = re.findall(r"^E\s+\S*ContractViolationError: 1 contract violation", output, re.M)
    assert len(raised) == 2
    assert re.search(
        r"POST /v1/applications/app/jobs \(createJob\): request \$\.body\.inputs: .*"
        r"\(rule: type\)",
        output,
    )
    assert re.search(
        r"GET /v1/applications/jobs/[0-9a-f-]{36} \(retrieveJob\): response \$\.body\.status: "
        r"'exploded' is not one of .*\(rule: enum\)",
        output,
    )
    seen = {p.name: p.read_text().split() for p in (pytester.path / "seen").iterdir()}
    # Six namespaces, one per test (which worker ran which test is xdist's business).
    assert len(seen) == 6
    ids = [job for jobs in seen.values() for job in jobs]
    assert len(ids) == len(set(ids)) == 12

    spread = _seeded_outcomes(pytester)
    (pytester.path / "reverse").touch()
    pinned = own_config(pytester.path)
    pytester.runpytest_subprocess(*pinned, "-p", "no:xdist", "test_seeded.py").assert_outcomes(
        passed=5
    )
    assert _seeded_outcomes(pytester) == spread and len(spread) == 5
    seeded_ids = [i for run in spread.values() for i in run["ids"]]
    assert len(set(seeded_ids)) == len(seeded_ids) == 13  # different tests, different ids
    # The fault fires on some polls and not others: the same ones on each run.
    assert {s for run in spread.values() for s in run["polls"]} == {200, 503}


def test_a_namespace_is_named_after_its_node_id() -> None:
    name = new_namespace("tests/test_x.py::test_y[a b]")
    assert name == new_namespace("tests/test_x.py::test_y[a b]")
    assert name.startswith("test_y-a-b-") and len(name) == len("test_y-a-b-") + 12
    assert new_namespace("tests/test_z.py::test_y[a b]") != name


OPTIONS = """
import pytest


def scenario_names(emulator):
    return [s["name"] for s in emulator.control("GET", "scenarios")["scenarios"]]


def bad_request(emulator):
    headers = {"Authorization": "Bearer k", "Api-Key": "k"}
    path = "/v1/jobs" if emulator.api == "retab" else "/v1/applications/a/jobs"
    return emulator.client(headers=headers).post(path, json={"nothing": "valid"})


def test_ini_then_command_line(emulator):
    assert emulator.api == "retab"  # ini
    assert emulator.control("GET", "health")["profile"] == "retab"
    assert scenario_names(emulator) == ["instant"]  # ini path, from the rootdir
    assert emulator.control("GET", "clock")["mode"] == "manual"  # command line over ini
    assert bad_request(emulator).status_code >= 400
    assert len(emulator.accept_violations()) >= 1  # --emulator-strict over ini


@pytest.mark.emulator(api="writer", scenarios=None, clock="real", strict=False)
def test_marker_over_both(emulator):
    assert emulator.control("GET", "health")["profile"] == "writer"
    assert "fail-then-retry" in scenario_names(emulator)
    assert emulator.control("GET", "clock")["mode"] == "real"
    assert bad_request(emulator).status_code == 400
    assert emulator.violations() == []  # not strict: nothing recorded


@pytest.mark.emulator(scenari="typo")
def test_unknown_marker_argument(emulator):
    pass


@pytest.mark.emulator(scenario="no-such-scenario")
def test_unknown_scenario(emulator):
    pass
"""

INSTANT = """
description: Completes at once.
attempts:
  - states:
      - status: completed
        result: {status_code: 200, body: {object: extraction}}
"""


def test_ini_and_command_line_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        INNER_INI
        + textwrap.dedent("""
            emulator_api = retab
            emulator_scenarios = scen
            emulator_clock = real
            emulator_strict = false
        """)
    )
    pytester.mkdir("scen")
    (pytester.path / "scen" / "instant.yaml").write_text(INSTANT)
    pytester.makepyfile(test_options=OPTIONS)
    elsewhere = pytester.mkdir("elsewhere")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(elsewhere)  # relative ini paths follow the rootdir, not the working directory
        result = pytester.runpytest_subprocess(
            *own_config(pytester.path),
            str(pytester.path),
            "--emulator-clock",
            "manual",
            "--emulator-strict",
            *UNUSED_PLUGINS,
        )
    result.assert_outcomes(passed=2, errors=2)
    output = result.stdout.str()
    assert "@pytest.mark.emulator takes keyword arguments" in output
    assert "got scenari" in output
    assert "unknown scenario 'no-such-scenario'; known: instant" in output


def test_marker_is_registered(pytestconfig: pytest.Config) -> None:
    markers = pytestconfig.getini("markers")
    assert any(str(line).startswith("emulator(") for line in markers)


def test_nested_runs_are_pinned_to_their_own_folder(pytester: pytest.Pytester) -> None:
    """The runs above pass ``own_config``: a stray pyproject.toml, pytest.ini or conftest.py in
    the folder above a project without an ini file of its own, which an unpinned run reads,
    changes nothing."""
    make_hostile(pytester.path)
    project = pytester.mkdir("project")
    (project / "test_plain.py").write_text("def test_plain():\n    pass\n")
    unpinned = pytester.runpytest_subprocess(str(project), *UNUSED_PLUGINS)
    assert unpinned.ret != 0  # the parent's conftest.py or pytest.ini was read
    pinned = pytester.runpytest_subprocess(*own_config(project), str(project), *UNUSED_PLUGINS)
    pinned.assert_outcomes(passed=1)
