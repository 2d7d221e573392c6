"""emulator.lifecycle.render.template: profile view templates filled from a context."""

from __future__ import annotations

from typing import Any

from emulator.lifecycle.render.template import lookup, placeholders, render

CONTEXT: dict[str, Any] = {
    "job": {"id": "j1", "attempt": 2, "done": True, "tags": ["a", "b"], "none": None},
    "result": {"suggestion": "hi", "nested": {"deep": [1, 2]}},
    "error": None,
}


def test_whole_placeholder_keeps_the_raw_value() -> None:
    assert render("{job.attempt}", CONTEXT) == 2
    assert render("{job.done}", CONTEXT) is True
    assert render("{job.tags}", CONTEXT) == ["a", "b"]
    assert render("{result}", CONTEXT) == {"suggestion": "hi", "nested": {"deep": [1, 2]}}
    assert render("{job.none}", CONTEXT) is None


def test_text_around_placeholders_is_interpolated_as_a_string() -> None:
    assert render("job {job.id} try {job.attempt}", CONTEXT) == "job j1 try 2"
    assert render("{job.id}-{job.attempt}", CONTEXT) == "j1-2"
    # None and missing values become the empty string inside text, never "None".
    assert render("error: {error}.", CONTEXT) == "error: ."
    assert render("x{nothing.here}y", CONTEXT) == "xy"


def test_strings_without_placeholders_are_left_alone() -> None:
    assert render("plain text", CONTEXT) == "plain text"
    assert render("{not a placeholder}", CONTEXT) == "{not a placeholder}"


def test_non_string_scalars_pass_through() -> None:
    assert render(3, CONTEXT) == 3
    assert render(None, CONTEXT) is None
    assert render(False, CONTEXT) is False


def test_optional_keys_are_dropped_when_none() -> None:
    template = {"id": "{job.id}", "error?": "{error}", "note?": "{job.tags}", "plain": "{error}"}
    assert render(template, CONTEXT) == {"id": "j1", "note": ["a", "b"], "plain": None}


def test_optional_key_keeps_falsy_values_that_are_not_none() -> None:
    context = {"zero": 0, "empty": "", "no": False}
    template = {"zero?": "{zero}", "empty?": "{empty}", "no?": "{no}"}
    assert render(template, context) == {"zero": 0, "empty": "", "no": False}


def test_nested_lists_and_mappings_render_recursively() -> None:
    template = {
        "errors": [{"description": "job {job.id}", "extras": {}}, ["{job.attempt}", "lit"]],
        "data": {"deep": "{result.nested.deep}"},
    }
    assert render(template, CONTEXT) == {
        "errors": [{"description": "job j1", "extras": {}}, [2, "lit"]],
        "data": {"deep": [1, 2]},
    }


def test_render_does_not_mutate_the_template() -> None:
    template = {"a?": "{error}", "b": ["{job.id}"]}
    render(template, CONTEXT)
    assert template == {"a?": "{error}", "b": ["{job.id}"]}


def test_lookup_of_missing_paths_is_none() -> None:
    assert lookup(CONTEXT, "job.id") == "j1"
    assert lookup(CONTEXT, "job.missing") is None
    assert lookup(CONTEXT, "nothing.at.all") is None
    assert lookup(CONTEXT, "job.id.deeper") is None  # through a string
    assert lookup(CONTEXT, "job.tags.0") is None  # lists are not indexed
    assert lookup(CONTEXT, "error.message") is None  # through None


def test_lookup_distinguishes_stored_falsy_values() -> None:
    assert lookup({"a": {"b": 0}}, "a.b") == 0
    assert lookup({"a": {"b": ""}}, "a.b") == ""


def test_placeholders_lists_every_dotted_name() -> None:
    template = {"a": "{job.id} and {job.status}", "b": ["{result}", {"c?": "{error.message}"}]}
    assert sorted(placeholders(template)) == ["error.message", "job.id", "job.status", "result"]
    assert list(placeholders(5)) == []
