"""The CI example in docs/examples runs commands that exist, with options that parse."""

from __future__ import annotations

import re
import shlex

import yaml

from emulator.cli import _parser
from tests.support import REPO

WORKFLOW = REPO / "docs" / "examples" / "contract-tests.yml"


def test_every_jobs_emulator_step_parses() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["contract"]["steps"]
    commands = [s["run"] for s in steps if s.get("run", "").startswith("jobs-emulator ")]
    assert commands, "the example runs no jobs-emulator command"
    for command in commands:
        filled = re.sub(r"\$\{\{[^}]*\}\}", "http://127.0.0.1:4010", command)
        args = _parser().parse_args(shlex.split(filled)[1:])
        assert args.command == "contract" and args.report
