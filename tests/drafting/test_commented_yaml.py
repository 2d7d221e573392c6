"""emulator.drafting.commented_yaml: block YAML with comments above keys, read back unchanged."""

from __future__ import annotations

import doctest

import yaml

import emulator.drafting.commented_yaml as module
from emulator.drafting.commented_yaml import commented_yaml


def test_the_docstring_example_holds() -> None:
    assert doctest.testmod(module).failed == 0


def test_what_is_written_reads_back_as_the_same_data() -> None:
    data = {
        "name": "x",
        "operations": {"retrieve": "GET /jobs/{id}", "on": "yes"},
        "views": {"job": {"id?": "{job.id}", "n": {"$if": "{a}", "then": "{a}", "else": []}}},
        "attempts": [{"states": [{"status": "null", "for": {"polls": 1}}, {"status": "done"}]}],
    }
    text = commented_yaml(data, {"views.job.id": "guess: the id", "operations": "bound"})
    assert yaml.safe_load(text) == data
    assert "    # guess: the id\n    id?: '{job.id}'" in text
    assert "'on': 'yes'" in text  # YAML 1.1 would read both as booleans
