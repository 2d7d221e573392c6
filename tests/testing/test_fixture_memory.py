"""What the ``emulator`` fixture leaves on a shared server: nothing. Each test's namespace is
freed at teardown (not only emptied), and a long test's violations survive a journal that
pushed them out before teardown read them."""

from __future__ import annotations

import pytest

from tests.support import UNUSED_PLUGINS, own_config

pytest_plugins = ["pytester"]

TESTS = """
import pytest

AUTH = {"Authorization": "Bearer k"}
INPUTS = {"inputs": [{"id": "topic", "value": ["shoes"]}]}


@pytest.mark.parametrize("n", range(3))
def test_uses_a_namespace(emulator, n):
    http = emulator.client(headers=AUTH)
    assert http.post("/v1/applications/a/jobs", json=INPUTS).status_code == 202


def test_zz_only_this_namespace_is_left(emulator):
    namespaces = emulator.control("GET", "health")["namespaces"]
    assert namespaces["live"] == 1  # this test's own
    assert namespaces["freed"] == 3  # the three above


def test_long_violation_first(emulator):
    http = emulator.client(headers=AUTH)
    assert http.post("/v1/applications/a/jobs", json={"inputs": "x"}).status_code == 400
    job = http.post("/v1/applications/a/jobs", json=INPUTS).json()["id"]
    for _ in range(40):  # ~0.4 kB each: the violation's entry is pushed out of the journal
        http.get(f"/v1/applications/jobs/{job}")
    entries = emulator.control("GET", "journal", operation="retrieve")["entries"]
    assert 0 < len(entries) < 40


def test_many_violations_more_than_the_journal_can_keep(emulator):
    http = emulator.client(headers=AUTH)
    for _ in range(100):  # ~0.4 kB each (alike exchanges share their headers and bodies)
        assert http.post("/v1/applications/a/jobs", json={"inputs": "x"}).status_code == 400
"""

INI = """
[pytest]
emulator_journal_bytes = 8000
"""


def test_teardown_frees_every_namespace_and_a_long_tests_violation_survives(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)  # one small journal for all: one server
    pytester.makepyfile(test_memory=TESTS)
    result = pytester.runpytest_subprocess(
        *own_config(pytester.path), "-p", "no:cacheprovider", "-p", "no:randomly", *UNUSED_PLUGINS
    )
    result.assert_outcomes(passed=6, errors=2)  # a teardown error counts the call as passed
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_long_violation_first*",
            "*1 contract violation(s)*",
            "*ERROR at teardown of test_many_violations*",
            "*and * more the journal could not keep (raise --journal-bytes)*",
        ]
    )
