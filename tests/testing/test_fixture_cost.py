"""What the ``emulator`` fixture itself costs a test: one control client per server for the
whole session, no TLS setup for plain-HTTP loopback, and only the control calls isolation and
the teardown check need (bench/fixture_overhead.py measures the time)."""

from __future__ import annotations

import json

import pytest

from tests.support import UNUSED_PLUGINS, own_config

pytest_plugins = ["pytester"]

COUNTING = """
import json
import ssl

import pytest

from emulator.testing.handle import EmulatorHandle

CALLS = []  # (test, method, control path)
CLIENTS = []  # (test, id of the handle's control client)
CA_LOADS = []
current = [None]
real_control = EmulatorHandle.control
real_load = ssl.SSLContext.load_verify_locations


def counted_control(self, method, path, body=None, /, **query):
    CALLS.append((current[0], method, path))
    return real_control(self, method, path, body, **query)


def counted_load(self, *args, **kwargs):
    CA_LOADS.append(current[0])
    return real_load(self, *args, **kwargs)


EmulatorHandle.control = counted_control
ssl.SSLContext.load_verify_locations = counted_load


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item):
    current[0] = item.name
    return (yield)


def pytest_runtest_call(item):
    CLIENTS.append((item.name, id(item.funcargs["emulator"]._control)))


def pytest_sessionfinish(session):
    with open("cost.json", "w") as out:
        json.dump({"calls": CALLS, "clients": CLIENTS, "ca_loads": CA_LOADS}, out)
"""

TESTS = """
import pytest


def test_first(emulator):
    assert emulator.url


def test_second(emulator):
    emulator.client().close()  # a test's own plain-HTTP client needs no TLS either


@pytest.mark.emulator(scenario="always-fail")
def test_scenario(emulator):
    assert emulator.url


@pytest.mark.emulator(clock="real")
def test_real_clock(emulator):
    assert emulator.clock.now > 1e9


@pytest.mark.emulator(in_process=True)
def test_in_process_one(emulator):
    assert emulator.url


@pytest.mark.emulator(in_process=True)
def test_in_process_two(emulator):
    assert emulator.url
"""

TEARDOWN = [["DELETE", "namespace"]]  # frees it, answering the violations to check


def test_the_fixture_shares_clients_skips_tls_and_makes_few_calls(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(COUNTING)
    pytester.makepyfile(test_cost=TESTS)
    run = pytester.runpytest_subprocess(
        *own_config(pytester.path), "-p", "no:cacheprovider", *UNUSED_PLUGINS
    )
    run.assert_outcomes(passed=6)
    found = json.loads((pytester.path / "cost.json").read_text())
    calls: dict[str, list[list[str]]] = {}
    for test, method, path in found["calls"]:
        calls.setdefault(test, []).append([method, path])
    assert calls == {
        "test_first": TEARDOWN,
        "test_second": TEARDOWN,
        "test_scenario": [["PUT", "scenario"], *TEARDOWN],
        "test_real_clock": [["POST", "reset"], ["GET", "clock"], *TEARDOWN],
        "test_in_process_one": TEARDOWN,
        "test_in_process_two": TEARDOWN,
    }
    clients = dict(found["clients"])
    assert len(clients) == 6
    in_process = {clients.pop("test_in_process_one"), clients.pop("test_in_process_two")}
    assert len(in_process) == 1 and len(set(clients.values())) == 1
    assert in_process.isdisjoint(clients.values())
    assert found["ca_loads"] == []
