"""emulator.speed.readonly: shared JSON values refuse changes and still read as JSON."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable

import jsonschema
import orjson
import pytest

from emulator.lifecycle.core.job import decode_request, encode_request
from emulator.lifecycle.core.scenario import State
from emulator.speed.readonly import FrozenDict, FrozenList, freeze


def test_every_change_is_refused_at_any_depth() -> None:
    shared = freeze({"a": [1, {"b": 2}], "c": (3,)})
    changes: list[Callable[[], object]] = [
        lambda: shared.update(x=1),
        lambda: shared.setdefault("x", 1),
        lambda: shared.__setitem__("x", 1),
        lambda: shared["a"].append(2),
        lambda: shared["a"][1].pop("b"),
        lambda: shared["c"].sort(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert shared == {"a": [1, {"b": 2}], "c": [3]}


def test_frozen_values_read_as_the_plain_ones() -> None:
    shared = freeze({"a": [1, {"b": None}]})
    assert json.loads(json.dumps(shared)) == json.loads(orjson.dumps(shared)) == shared
    jsonschema.validate(shared, {"type": "object", "properties": {"a": {"type": "array"}}})
    for made in (copy.copy(shared), copy.deepcopy(shared), pickle.loads(pickle.dumps(shared))):
        assert type(made) is FrozenDict and made == shared
    assert type({**shared}) is dict and type(list(shared["a"])) is list
    assert freeze(shared) is shared and type(shared["a"]) is FrozenList


def test_what_jobs_share_is_read_only() -> None:
    state = State("done", result={"answer": 42}, fields={"tags": ["x"]})
    with pytest.raises(TypeError):
        state.result["answer"] = 0
    with pytest.raises(TypeError):
        state.fields["tags"].append("y")
    request = decode_request(encode_request({"body": {"name": "a"}, "path": {}, "query": {}}))
    with pytest.raises(TypeError):
        request["body"].pop("name")
