"""emulator.openapi.path_template: path templates as segments of text and parameters."""

from __future__ import annotations

import pytest

from emulator.openapi.path_template import Slot, compile_path, parameter_names


def test_segments_are_literals_or_slots() -> None:
    assert compile_path("/job/{id}/retry") == ("job", Slot(("id",), ("", "")), "retry")
    assert compile_path("/job/{job-id}") == ("job", Slot(("job-id",), ("", "")))
    assert compile_path("/v1/operations/{name}:cancel")[-1] == Slot(("name",), ("", ":cancel"))
    assert compile_path("/r/v{n}.{ext}")[-1] == Slot(("n", "ext"), ("v", ".", ""))
    assert compile_path("/jobs/") == ("jobs", "")


def test_parameter_names_in_order() -> None:
    assert parameter_names("/ns/{namespace}/wf/{name}:stop") == ("namespace", "name")
    assert parameter_names("/r/v{n}/{file}.{ext}") == ("n", "file", "ext")
    assert parameter_names("/jobs") == ()


@pytest.mark.parametrize(
    ("segment", "part", "values"),
    [
        ("{id}", "abc", ("abc",)),
        ("{id}", "a%20b", ("a b",)),
        ("{id}", "", None),
        ("{name}:cancel", "op-1:cancel", ("op-1",)),
        ("{name}:cancel", "op:1:cancel", ("op:1",)),
        ("{name}:cancel", ":cancel", None),
        ("{name}:cancel", "op-1", None),
        ("{name}:cancel", "op-1:cancelled", None),
        ("{name}:cancel", "op%3Acancel", None),
        ("v{n}", "v2", ("2",)),
        ("v{n}", "v", None),
        ("v{n}", "2", None),
        ("{file}.{ext}", "a.tar.gz", ("a", "tar.gz")),
        ("{file}.{ext}", ".gz", None),
        ("{a}{b}", "xyz", ("x", "yz")),
        ("a+{b}(c)", "a+x(c)", ("x",)),
    ],
)
def test_a_slot_binds_the_values_of_a_segment(
    segment: str, part: str, values: tuple[str, ...] | None
) -> None:
    slot = Slot.parse(segment)
    assert slot is not None
    assert slot.bind(part) == values


def test_more_literal_text_is_more_specific() -> None:
    bare, verb, long_verb = (Slot.parse(s) for s in ("{x}", "{x}:run", "{x}:cancel"))
    assert bare is not None and verb is not None and long_verb is not None
    assert sorted([bare, verb, long_verb], key=lambda s: s.specificity) == [
        long_verb,
        verb,
        bare,
    ]
