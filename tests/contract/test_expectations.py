"""emulator.contract.expectations: the known spec gaps of a contract run are the ones the
emulator journals as ``spec_gap`` (``http.response_check.predicted_gaps``), plus what a real service
may send at any time."""

from __future__ import annotations

import pytest

from emulator import build
from emulator.checks.spec_gaps import predicted_gaps
from emulator.contract.expectations import expected_undeclared
from emulator.openapi.validation import response_for
from tests.openapi.test_reference_spec import JOB_SPEC


@pytest.mark.skipif(not JOB_SPEC.is_file(), reason="reference specs not present")
def test_every_gap_the_emulator_journals_is_known_to_a_contract_run() -> None:
    app = build(api="osapi", spec=JOB_SPEC)
    known = expected_undeclared(app.profile, app.spec, app.scenarios)
    for gap in predicted_gaps(app.profile, app.spec, app.scenarios, unbound=True):
        assert gap.status in known[gap.operation], gap
    assert 415 in known["POST /job"]  # the reference spec's gap
    for key, statuses in known.items():  # and only what the spec does not declare
        op = app.spec.operation(key)
        assert op is not None and all(response_for(op, s) is None for s in statuses), key
