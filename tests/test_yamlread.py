"""emulator.yamlread: typed reading of YAML that names the file and pointer of every mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.errors import LoadError, ProfileError, ScenarioError
from emulator.yamlread import Reader, escape, read_yaml

FILE = "conf.yaml"


def reader(data: Any) -> Reader:
    return Reader(FILE, data, error=ProfileError)


def failure(call: Any) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        call()
    return info.value


def test_escape_follows_rfc_6901() -> None:
    assert escape("a/b~c") == "a~1b~0c"
    assert escape("/v1/jobs/{id}") == "~1v1~1jobs~1{id}"


# --- files ----------------------------------------------------------------------------------


def test_read_yaml_parses_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("a: 1\nb: [x, y]\n", encoding="utf-8")
    assert read_yaml(path, ProfileError) == {"a": 1, "b": ["x", "y"]}


def test_read_yaml_reports_line_and_column_with_the_given_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [x, y\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path, ScenarioError)
    error = info.value
    assert error.file == str(path)
    assert error.pointer == "/"
    assert "invalid YAML at line" in error.reason
    assert "column" in error.reason


def test_read_yaml_of_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ProfileError, match="cannot read file") as info:
        read_yaml(path, ProfileError)
    assert str(info.value).startswith(f"{path}: /: ")


# --- the reader -----------------------------------------------------------------------------


def test_a_reader_needs_a_mapping() -> None:
    error = failure(lambda: Reader(FILE, [1, 2], "/views", ProfileError))
    assert (error.file, error.pointer) == (FILE, "/views")
    assert error.reason == "expected a mapping, got a list"
    assert failure(lambda: reader(None)).reason == "expected a mapping, got nothing (null)"


def test_errors_read_file_pointer_reason() -> None:
    r = Reader(FILE, {"a/b": 1}, "/top", ProfileError)
    error = failure(lambda: r.fail("a/b", "is wrong"))
    assert str(error) == "conf.yaml: /top/a~1b: is wrong"
    assert isinstance(error, LoadError)


def test_text_required_default_and_type() -> None:
    r = reader({"name": "x", "n": 1})
    assert r.text("name") == "x"
    assert r.text("missing", "fallback") == "fallback"
    assert failure(lambda: r.text("missing")).reason == "is required"
    error = failure(lambda: r.text("n"))
    assert (error.pointer, error.reason) == ("/n", "expected a string, got int")


def test_opt_text() -> None:
    r = reader({"a": "x", "b": None, "c": 3})
    assert r.opt_text("a") == "x"
    assert r.opt_text("missing") is None
    assert failure(lambda: r.opt_text("b")).reason == "expected a string, got nothing (null)"
    assert failure(lambda: r.opt_text("c")).reason == "expected a string, got int"


def test_integer_refuses_booleans_and_floats() -> None:
    r = reader({"n": 5, "yes": True, "f": 1.5})
    assert r.integer("n") == 5
    assert r.integer("missing", 7) == 7
    assert failure(lambda: r.integer("yes")).reason == "expected an integer, got a boolean"
    assert failure(lambda: r.integer("f")).reason == "expected an integer, got float"
    assert failure(lambda: r.integer("missing")).reason == "is required"


def test_opt_number_accepts_integers_and_floats_but_not_booleans() -> None:
    r = reader({"i": 3, "f": 2.5, "b": False, "s": "1"})
    assert r.opt_number("i") == 3.0
    assert isinstance(r.opt_number("i"), float)
    assert r.opt_number("f") == 2.5
    assert r.opt_number("missing") is None
    assert failure(lambda: r.opt_number("b")).reason == "expected a number, got a boolean"
    assert failure(lambda: r.opt_number("s")).reason == "expected a number, got a string"


def test_flag() -> None:
    r = reader({"on": True, "off": False, "word": "yes", "one": 1})
    assert r.flag("on") is True
    assert r.flag("off") is False
    assert r.flag("missing") is False
    assert r.flag("missing", True) is True
    assert failure(lambda: r.flag("word")).reason == "expected true or false, got a string"
    assert failure(lambda: r.flag("one")).reason == "expected true or false, got int"


def test_texts_points_at_the_bad_item() -> None:
    r = reader({"ok": ["a", "b"], "bad": ["a", 2], "scalar": "a"})
    assert r.texts("ok") == ["a", "b"]
    assert r.texts("missing", []) == []
    assert failure(lambda: r.texts("missing")).reason == "is required"
    error = failure(lambda: r.texts("bad"))
    assert (error.pointer, error.reason) == ("/bad/1", "expected a string, got int")
    assert failure(lambda: r.texts("scalar")).reason == "expected a list of strings, got a string"


def test_sections_nest_pointers() -> None:
    r = reader({"job": {"id": {"prefix": 3}}})
    inner = r.section("job").section("id")
    assert inner.pointer == "/job/id"
    error = failure(lambda: inner.text("prefix"))
    assert str(error) == "conf.yaml: /job/id/prefix: expected a string, got int"


def test_absent_section_is_empty_unless_required() -> None:
    r = reader({"list": [1]})
    empty = r.section("missing")
    assert dict(empty.data) == {}
    assert empty.pointer == "/missing"
    assert failure(lambda: r.section("missing", required=True)).reason == "is required"
    assert failure(lambda: r.section("list")).reason == "expected a mapping, got a list"


def test_items_and_item() -> None:
    r = reader({"states": [{"status": "a"}, "oops"]})
    assert r.items("states") == [{"status": "a"}, "oops"]
    assert r.items("missing") == []
    assert failure(lambda: r.items("missing", required=True)).reason == "is required"
    first = r.item("states", 0, r.items("states")[0])
    assert (first.pointer, first.text("status")) == ("/states/0", "a")
    error = failure(lambda: r.item("states", 1, "oops"))
    assert (error.pointer, error.reason) == ("/states/1", "expected a mapping, got a string")


def test_only_refuses_unknown_keys() -> None:
    r = reader({"name": "x", "nmae": "typo"})
    r.only("name", "nmae")
    error = failure(lambda: r.only("name", "spec"))
    assert error.pointer == "/nmae"
    assert error.reason == "unknown key 'nmae'; expected one of name, spec"


def test_has_raw_and_names() -> None:
    r = reader({"a": None, "b": [1]})
    assert r.has("a")
    assert not r.has("c")
    assert r.raw("b") == [1]
    assert r.raw("c", "default") == "default"
    assert list(r.names()) == ["a", "b"]


RULES = "on: {next: done}\nyes: 1\n200: ok\nwhen: 2026-01-01T00:00:00Z\nflag: true\n"
EXPECTED = {
    "on": {"next": "done"},
    "yes": 1,
    "200": "ok",
    "when": "2026-01-01T00:00:00Z",
    "flag": True,
}


def test_specs_profiles_and_scenarios_are_read_with_the_same_rules(tmp_path: Path) -> None:
    from emulator.openapi.document import read_document

    path = tmp_path / "any.yaml"
    path.write_text(RULES)
    assert read_yaml(path, ScenarioError) == read_yaml(path, ProfileError) == EXPECTED
    assert read_document(path) == EXPECTED  # the spec loader's reader is the same one


def test_bad_yaml_is_named_alike_for_every_kind_of_file(tmp_path: Path) -> None:
    from emulator.errors import SpecError
    from emulator.openapi.document import read_document

    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\n")
    with pytest.raises(SpecError) as spec:
        read_document(path)
    with pytest.raises(ScenarioError) as scenario:
        read_yaml(path, ScenarioError)
    assert str(spec.value).split(": ", 1)[1] == str(scenario.value).split(": ", 1)[1]
    assert "invalid YAML at line" in str(spec.value)
