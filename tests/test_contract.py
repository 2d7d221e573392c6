"""Schemathesis against every bundled spec as the emulator serves it (in process, strict mode):
positive and negative data with all checks, then a short stateful run following the specs'
OpenAPI links. Any failure is an emulator bug or a spec bug.

Two checks are tuned, for documented reasons, and both are asserted directly in test_app.py:
- ``ignored_auth`` is off for Writer and Retab: their keys are checked for presence only (the
  SDK's own test key is ``My API Key``), so an "invalid" key is accepted on purpose. osapi
  verifies JWTs, so the check stays on there.
- ``positive_data_acceptance`` also accepts 400 from retry and cancel: whether a valid request
  may act depends on the job's status, and the providers answer 400 when it may not.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import schemathesis
import schemathesis.specs.openapi.stateful as stateful
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.stateful.state_machine import APIStateMachine
from starlette.testclient import TestClient

from emulator import Emulator, Settings, build
from tests.support import osapi_token

POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
STATEFUL = settings(
    max_examples=8,
    stateful_step_count=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def admin_token() -> str:
    return osapi_token("admin")


def contract(
    api: str, headers: dict[str, str], *, presence_only_auth: bool, state_dependent: list[str]
) -> tuple[Emulator, Any]:
    app = build(api=api, settings=Settings(strict=True, manual_clock=True))
    config: dict[str, Any] = {
        "headers": headers,
        "generation": {
            "max-examples": 15,
            "mode": "all",
            "deterministic": True,
            "database": "none",
        },
        # Follow the links the specs declare, not ones inferred from field names.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        "operations": [
            {
                "include-operation-id": op,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400"]}
                },
            }
            for op in state_dependent
        ],
    }
    if presence_only_auth:
        config["checks"] = {"ignored_auth": {"enabled": False}}
    schema = schemathesis.openapi.from_asgi(
        "/_emulator/openapi.json", app, config=SchemathesisConfig.from_dict(config)
    )
    return app, schema


WRITER_APP, writer = contract(
    "writer",
    {"Authorization": "Bearer My API Key"},
    presence_only_auth=True,
    state_dependent=["retryJob"],
)
RETAB_APP, retab = contract(
    "retab",
    {"Api-Key": "k"},
    presence_only_auth=True,
    state_dependent=["retryJob", "cancelJob"],
)
OSAPI_APP, osapi = contract(
    "osapi",
    {"Authorization": f"Bearer {admin_token()}"},
    presence_only_auth=False,
    state_dependent=[],
)


@writer.parametrize()
def test_writer_contract(case: Any) -> None:
    case.call_and_validate()


@retab.parametrize()
def test_retab_contract(case: Any) -> None:
    case.call_and_validate()


@osapi.parametrize()
def test_osapi_contract(case: Any) -> None:
    case.call_and_validate()


def every_post_is_a_root(operation: Any, node: Any, produced: Any) -> bool:
    # Writer's application_id names an agent made in Writer's UI, not through this API, so
    # schemathesis takes it for a reference nobody produces and never starts from createJob.
    return operation.method == "post" or bool(stateful_original(operation, node, produced))


stateful_original = stateful.is_likely_root_transition


def lifecycle_machine(schema: Any, app: Emulator, scenario: str) -> type[APIStateMachine]:
    """Link-following runs where time moves between calls, so jobs fail, finish and retry."""
    control = TestClient(app)
    with mock.patch.object(stateful, "is_likely_root_transition", every_post_is_a_root):
        machine = schema.as_state_machine()

    class Lifecycle(machine):  # type: ignore[misc,valid-type]
        def setup(self) -> None:
            assert control.post("/_emulator/reset").status_code == 200
            control.put("/_emulator/scenario", json={"default": scenario})

        def before_call(self, case: Any) -> None:
            control.post("/_emulator/clock/advance", json={"seconds": 25})

    return Lifecycle


TestWriterLinks = lifecycle_machine(writer, WRITER_APP, "fail-then-retry").TestCase
TestWriterLinks.settings = STATEFUL
TestRetabLinks = lifecycle_machine(retab, RETAB_APP, "fail-then-retry").TestCase
TestRetabLinks.settings = STATEFUL
TestOsapiLinks = lifecycle_machine(osapi, OSAPI_APP, "fail-then-retry").TestCase
TestOsapiLinks.settings = STATEFUL


def test_the_contract_runs_left_no_violation_in_any_journal() -> None:
    # Strict mode would have answered 500 (and failed a check); this also catches a violation
    # recorded on a request schemathesis judged acceptable.
    for app in (WRITER_APP, RETAB_APP, OSAPI_APP):
        ns = app.namespaces.get("default")
        bad = [v for _, v in ns.journal.violations() if v.side == "response"]
        assert bad == []
