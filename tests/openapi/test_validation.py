"""emulator.openapi.validation: requests and responses checked against a small spec."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from emulator.openapi import Operation, Spec, load_spec
from emulator.openapi.validation import (
    ParsedRequest,
    RequestChecker,
    check_response,
    media_for,
    response_for,
)
from emulator.openapi.violation import Violation
from tests.support import DATA

SPEC = DATA / "specs" / "unit" / "validation.yaml"
TRACE = "0b6c7a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21"
JSON = "application/json"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def op(spec: Spec, ref: str) -> Operation:
    found = spec.operation(ref)
    assert found is not None
    return found


def check(
    spec: Spec,
    ref: str,
    *,
    path: Mapping[str, str] | None = None,
    query: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    content_type: str = "",
    body: bytes = b"",
) -> ParsedRequest:
    if headers is None:
        headers = {"x-trace-id": TRACE} if ref == "listItems" else {}
    checker = RequestChecker(op(spec, ref))
    return checker.check(path or {}, list(query), headers, content_type, body)


def only(parsed: ParsedRequest) -> Violation:
    assert len(parsed.violations) == 1, parsed.violations
    return parsed.violations[0]


# --- parameters -----------------------------------------------------------------------------


def test_query_parameters_are_coerced_by_their_schema_type(spec: Spec) -> None:
    parsed = check(
        spec,
        "listItems",
        query=[("limit", "0"), ("verbose", "true"), ("ratio", "0.5"), ("status", "done")],
    )
    assert parsed.violations == ()
    assert parsed.params["limit"] == 0
    assert parsed.params["verbose"] is True
    assert parsed.params["ratio"] == 0.5
    assert parsed.params["status"] == "done"
    assert parsed.query == {"limit": "0", "verbose": "true", "ratio": "0.5", "status": "done"}
    assert check(spec, "listItems", query=[("verbose", "false")]).params["verbose"] is False


def test_header_parameters_are_coerced_and_matched_case_insensitively(spec: Spec) -> None:
    parsed = check(spec, "listItems", headers={"x-trace-id": TRACE, "x-page": "3"})
    assert parsed.violations == ()
    assert parsed.params["X-Page"] == 3
    assert parsed.params["X-Trace-Id"] == TRACE


def test_uncoercible_values_are_type_errors(spec: Spec) -> None:
    bad = only(check(spec, "listItems", query=[("limit", "abc")]))
    assert (bad.side, bad.location, bad.rule, bad.kind) == (
        "request",
        ("query", "limit"),
        "type",
        "invalid_request",
    )
    assert bad.path == "$.query.limit"
    assert "limit" in bad.message
    assert only(check(spec, "listItems", query=[("verbose", "yes")])).rule == "type"
    assert only(check(spec, "listItems", query=[("verbose", "True")])).rule == "type"


def test_exploded_array_parameters_collect_every_occurrence(spec: Spec) -> None:
    parsed = check(spec, "listItems", query=[("tag", "1"), ("tag", "2")])
    assert parsed.violations == ()
    assert parsed.params["tag"] == [1, 2]
    bad = only(check(spec, "listItems", query=[("tag", "1"), ("tag", "x")]))
    assert bad.location == ("query", "tag", 1)


def test_non_exploded_array_parameters_split_on_commas(spec: Spec) -> None:
    assert check(spec, "listItems", query=[("ids", "a,b,c")]).params["ids"] == ["a", "b", "c"]
    assert check(spec, "listItems", query=[("ids", "")]).params["ids"] == []


def test_repeated_scalar_parameter_uses_the_last_value(spec: Spec) -> None:
    parsed = check(spec, "listItems", query=[("limit", "1"), ("limit", "7")])
    assert parsed.params["limit"] == 7
    assert parsed.query["limit"] == "7"


def test_required_parameters(spec: Spec) -> None:
    bad = only(check(spec, "listItems", headers={}))
    assert (bad.location, bad.rule) == (("header", "X-Trace-Id"), "required")
    assert "X-Trace-Id" in bad.message


def test_formats_are_checked(spec: Spec) -> None:
    bad = only(check(spec, "listItems", headers={"x-trace-id": "not-a-uuid"}))
    assert (bad.location, bad.rule) == (("header", "X-Trace-Id"), "format")
    path_bad = only(check(spec, "getItem", path={"item_id": "123"}))
    assert (path_bad.location, path_bad.rule) == (("path", "item_id"), "format")
    assert check(spec, "getItem", path={"item_id": TRACE}).violations == ()


def test_enums_are_checked(spec: Spec) -> None:
    bad = only(check(spec, "listItems", query=[("status", "running")]))
    assert (bad.location, bad.rule) == (("query", "status"), "enum")


def test_bounds_are_checked(spec: Spec) -> None:
    assert only(check(spec, "listItems", query=[("limit", "-1")])).rule == "minimum"
    assert only(check(spec, "listItems", query=[("limit", "101")])).rule == "maximum"
    assert check(spec, "listItems", query=[("limit", "100")]).violations == ()


# --- bodies ---------------------------------------------------------------------------------


def test_valid_json_body_is_parsed(spec: Spec) -> None:
    parsed = check(spec, "createItem", content_type=JSON, body=b'{"inputs": [{"id": "a"}]}')
    assert parsed.violations == ()
    assert parsed.body == {"inputs": [{"id": "a"}]}


def test_json_content_type_parameters_and_case_are_ignored(spec: Spec) -> None:
    parsed = check(
        spec,
        "createItem",
        content_type="Application/JSON; charset=utf-8",
        body=b'{"inputs": []}',
    )
    assert parsed.violations == ()


def test_empty_body_with_json_content_type_is_no_body(spec: Spec) -> None:
    parsed = check(spec, "touchItem", path={"item_id": TRACE}, content_type=JSON, body=b"")
    assert parsed.violations == ()
    assert parsed.body is None
    blank = check(spec, "touchItem", path={"item_id": TRACE}, content_type=JSON, body=b" \n")
    assert blank.violations == ()


def test_required_body_missing(spec: Spec) -> None:
    bad = only(check(spec, "createItem", content_type=JSON, body=b""))
    assert (bad.location, bad.rule, bad.kind) == (("body",), "required", "invalid_request")


def test_malformed_json_is_its_own_kind(spec: Spec) -> None:
    bad = only(check(spec, "createItem", content_type=JSON, body=b'{"inputs": ['))
    assert (bad.location, bad.kind) == (("body",), "malformed_body")
    invalid_utf8 = only(check(spec, "createItem", content_type=JSON, body=b"\xff\xfe"))
    assert invalid_utf8.kind == "malformed_body"


def test_wrong_content_type_is_unsupported_media_type(spec: Spec) -> None:
    bad = only(check(spec, "createItem", content_type="text/plain", body=b'{"inputs": []}'))
    assert bad.kind == "unsupported_media_type"
    assert bad.location == ("header", "content-type")
    assert "application/json" in bad.message
    missing = only(check(spec, "createItem", content_type="", body=b'{"inputs": []}'))
    assert missing.kind == "unsupported_media_type"


def test_body_schema_errors_carry_the_json_path(spec: Spec) -> None:
    bad = only(
        check(spec, "createItem", content_type=JSON, body=b'{"inputs": [{"id": "a"}, {"id": ""}]}')
    )
    assert bad.location == ("body", "inputs", 1, "id")
    assert bad.path == "$.body.inputs[1].id"
    assert (bad.rule, bad.kind) == ("minLength", "invalid_request")
    missing = only(check(spec, "createItem", content_type=JSON, body=b"{}"))
    # A missing property is located at the property, as FastAPI's ``loc`` does.
    assert (missing.location, missing.rule) == (("body", "inputs"), "required")
    assert "inputs" in missing.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"inputs": [{"id": "a"}, {"id": ""}]}',
            "body field 'inputs[1].id': '' should be non-empty",
        ),
        (b'{"inputs": [{}]}', "body field 'inputs[0]': 'id' is a required property"),
        (b'{"inputs": 3}', "body field 'inputs': 3 is not of type 'array'"),
        (b"{}", "request body: 'inputs' is a required property"),
        (b"[]", "request body: [] is not of type 'object'"),
    ],
)
def test_body_messages_name_the_field_as_parameter_messages_name_the_parameter(
    spec: Spec, body: bytes, message: str
) -> None:
    assert only(check(spec, "createItem", content_type=JSON, body=body)).message == message


def test_response_messages_keep_the_path_in_the_violation_not_the_message(spec: Spec) -> None:
    (bad,) = response(spec, 200, {"items": [{"id": "a"}, {"id": 5}]})
    assert bad.path == "$.body.items[1].id" and bad.message == "5 is not of type 'string'"


def test_non_json_media_types_pass_the_text_through(spec: Spec) -> None:
    parsed = check(spec, "putNote", content_type="text/plain", body="héllo".encode())
    assert parsed.violations == ()
    assert parsed.body == "héllo"


def test_every_violation_is_reported(spec: Spec) -> None:
    parsed = check(
        spec,
        "listItems",
        query=[("limit", "x"), ("status", "nope")],
        headers={},
    )
    assert {v.location for v in parsed.violations} == {
        ("query", "limit"),
        ("query", "status"),
        ("header", "X-Trace-Id"),
    }


# --- media types and declared responses -----------------------------------------------------


def test_media_for_prefers_exact_then_wildcards_then_json_suffix(spec: Spec) -> None:
    content = op(spec, "createItem").request_body.content  # type: ignore[union-attr]
    assert media_for(content, "application/json") is content[JSON]
    assert media_for(content, "application/merge-patch+json") is content[JSON]
    assert media_for(content, "text/plain") is None
    wide = {**content, "text/*": content[JSON], "*/*": content[JSON]}
    assert media_for(wide, "text/csv") is wide["text/*"]
    assert media_for(wide, "image/png") is wide["*/*"]


def test_response_for_exact_then_range_then_default(spec: Spec) -> None:
    listing = op(spec, "listItems")
    assert response_for(listing, 200) is listing.responses["200"]
    assert response_for(listing, 404) is listing.responses["4XX"]
    assert response_for(listing, 500) is listing.responses["default"]
    assert response_for(op(spec, "createItem"), 500) is None


def response(spec: Spec, status: int, body: Any, content_type: str | None = JSON) -> list[Any]:
    return check_response(op(spec, "listItems"), status, content_type, body)


def test_valid_responses_have_no_violations(spec: Spec) -> None:
    assert response(spec, 200, {"items": [{"id": "a"}]}) == []
    assert response(spec, 204, None, None) == []
    assert response(spec, 409, {"error": "x"}) == []
    assert response(spec, 503, {"title": "down"}, "application/problem+json") == []


def test_undeclared_status(spec: Spec) -> None:
    (bad,) = check_response(op(spec, "createItem"), 200, None, None)
    assert (bad.side, bad.location, bad.rule) == ("response", ("status", 200), "status")
    assert "201" in bad.message


def test_undeclared_content_type(spec: Spec) -> None:
    (bad,) = response(spec, 200, {"items": []}, "text/html")
    assert (bad.location, bad.rule) == (("header", "content-type"), "content-type")
    (missing,) = response(spec, 200, {"items": []}, None)
    assert missing.rule == "content-type"


def test_response_schema_error_path(spec: Spec) -> None:
    (bad,) = response(spec, 200, {"items": [{"id": "a"}, {"id": 5}]})
    assert bad.location == ("body", "items", 1, "id")
    assert bad.path == "$.body.items[1].id"
    assert bad.rule == "type"
    assert bad.side == "response"


def test_ranges_and_default_are_checked_against_their_schemas(spec: Spec) -> None:
    (client,) = response(spec, 418, {"message": "teapot"})
    assert (client.location, client.rule) == (("body", "error"), "required")
    (server,) = response(spec, 502, {}, "application/problem+json")
    assert server.rule == "required"
    (wrong_media,) = response(spec, 502, {"title": "x"}, JSON)
    assert wrong_media.rule == "content-type"


def test_no_content_response_with_a_body(spec: Spec) -> None:
    (bad,) = response(spec, 204, {"unexpected": True})
    assert (bad.location, bad.rule) == (("body",), "content")
