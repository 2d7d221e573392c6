"""emulator.http.routing: from a method and a path to the operation the spec declares."""

from __future__ import annotations

import pytest

from emulator.http.routing import RouteMatch, Router
from emulator.openapi import Operation, load_spec
from tests.support import DATA

SPEC = DATA / "specs" / "unit" / "routing.yaml"


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_spec(SPEC).operations)


def key(match: RouteMatch) -> str | None:
    return match.operation.key if match.operation is not None else None


def test_static_segment_beats_template(router: Router) -> None:
    stats = router.match("GET", "/job/status")
    assert key(stats) == "jobStats"
    assert stats.params == {}
    job = router.match("GET", "/job/42")
    assert key(job) == "getJob"
    assert job.params == {"id": "42"}


def test_earlier_static_segment_wins_between_two_templates(router: Router) -> None:
    # /a/b/c fits both /a/{x}/c and /a/b/{y}; the literal comes first in /a/b/{y}.
    match = router.match("GET", "/a/b/c")
    assert key(match) == "abY"
    assert match.params == {"y": "c"}
    assert key(router.match("GET", "/a/z/c")) == "aXc"


def test_any_parameter_name_binds(router: Router) -> None:
    match = router.match("POST", "/job/123/retry")
    assert key(match) == "retryJob"
    assert match.params == {"job-id": "123"}


def test_unknown_path_is_404_without_allowed_methods(router: Router) -> None:
    for path in ("/nothing", "/job/1/2/3/4", "/job/1/cancel"):
        match = router.match("GET", path)
        assert match.operation is None
        assert match.allowed == ()


def test_wrong_method_is_405_with_allowed_methods(router: Router) -> None:
    match = router.match("POST", "/job/42")
    assert match.operation is None
    assert match.allowed == ("DELETE", "GET", "HEAD")  # HEAD is allowed where GET is
    static = router.match("PATCH", "/job")
    assert static.allowed == ("GET", "HEAD", "POST")


def test_method_missing_on_the_static_route_is_405_not_a_template_match(router: Router) -> None:
    # /job/status names its own resource: DELETE there must not become DELETE /job/{id}.
    match = router.match("DELETE", "/job/status")
    assert match.operation is None
    assert match.allowed == ("GET", "HEAD")


def test_head_is_not_allowed_without_get(router: Router) -> None:
    match = router.match("GET", "/files/a.txt")
    assert match.operation is None
    assert match.allowed == ("PUT",)
    assert router.match("HEAD", "/files/a.txt").allowed == ("PUT",)


def test_head_falls_back_to_get(router: Router) -> None:
    match = router.match("HEAD", "/job/42")
    assert match.operation is not None
    assert match.operation.method == "GET"
    assert match.params == {"id": "42"}


def test_parameters_are_percent_decoded(router: Router) -> None:
    assert router.match("GET", "/job/a%20b%2Fc").params == {"id": "a b/c"}
    assert router.match("GET", "/job/caf%C3%A9").params == {"id": "café"}


def test_malformed_ids_still_route(router: Router) -> None:
    # Ids are plain strings here: a bad one must reach validation (a 400), not be a 404.
    assert key(router.match("GET", "/job/not-a-uuid!")) == "getJob"


def test_empty_parameter_does_not_match(router: Router) -> None:
    match = router.match("POST", "/job//retry")
    assert match.operation is None
    assert match.allowed == ()


def test_trailing_slash_is_not_the_same_path(router: Router) -> None:
    # No redirect and no silent match: "/job/" is a different path from "/job".
    for path in ("/job/", "/job/42/", "/job/status/"):
        match = router.match("GET", path)
        assert match.operation is None, path
        assert match.allowed == (), path
    assert key(router.match("GET", "/job")) == "listJobs"


def test_a_literal_custom_method_beats_a_bare_parameter(router: Router) -> None:
    """Google's ``POST /v1/videos:annotate`` beside ``/v1/{video}``: the text wins."""
    assert key(router.match("POST", "/v1/videos:annotate")) == "annotate"
    assert router.match("POST", "/v1/clip:annotate").params == {"video": "clip:annotate"}


def test_templates_that_differ_only_in_variable_names_are_one_resource() -> None:
    """Published specs (Netlify's) declare `/m/{name}` for DELETE and `/m/{deploy_id}` for POST."""
    ops = [_op("DELETE", "/m/{name}"), _op("GET", "/n/{other}"), _op("POST", "/m/{deploy_id}")]
    router = Router(ops)
    post = router.match("POST", "/m/x")
    assert post.operation is ops[2] and post.params == {"deploy_id": "x"}
    assert router.match("DELETE", "/m/x").operation is ops[0]
    assert router.match("PUT", "/m/x").allowed == ("DELETE", "POST")


def _op(method: str, path: str) -> Operation:
    return Operation(method, path, None, (), None, {}, (), f"/paths/{path}/{method.lower()}")


def test_a_custom_method_routes_to_its_own_operation(router: Router) -> None:
    cancel = router.match("POST", "/v1/operations/export-1:cancel")
    assert (key(cancel), cancel.params) == ("cancelOperation", {"operation": "export-1"})
    wait = router.match("POST", "/v1/operations/export-1:wait")
    assert (key(wait), wait.params) == ("waitOperation", {"operation": "export-1"})
    plain = router.match("GET", "/v1/operations/export-1")
    assert (key(plain), plain.params) == ("getOperation", {"operation": "export-1"})


def test_a_custom_method_is_its_own_resource_for_405(router: Router) -> None:
    # The verb names a method of its own: GET there is a 405 naming POST, not a GET of an
    # operation called "export-1:cancel".
    match = router.match("GET", "/v1/operations/export-1:cancel")
    assert (match.operation, match.allowed) == (None, ("POST",))
    # No verb the spec declares: the whole segment is the operation's name.
    other = router.match("POST", "/v1/operations/export-1:pause")
    assert (other.operation, other.allowed) == (None, ("DELETE", "GET", "HEAD"))
    assert router.match("GET", "/v1/operations/export-1:pause").params == {
        "operation": "export-1:pause"
    }


def test_a_custom_method_needs_a_value_before_its_verb(router: Router) -> None:
    # ":cancel" alone has no name to cancel: it is taken as a name, which has no POST.
    match = router.match("POST", "/v1/operations/:cancel")
    assert (match.operation, match.allowed) == (None, ("DELETE", "GET", "HEAD"))


def test_custom_method_values_are_percent_decoded_and_not_typed(router: Router) -> None:
    match = router.match("POST", "/v1/operations/a%2Fb%20c:cancel")
    assert (key(match), match.params) == ("cancelOperation", {"operation": "a/b c"})
    # An encoded colon is part of the name, not the verb's separator (RFC 6570 reserved text).
    encoded = router.match("POST", "/v1/operations/a%3Acancel")
    assert encoded.operation is None and "GET" in encoded.allowed
    assert router.match("GET", "/v1/operations/a%3Acancel").params == {"operation": "a:cancel"}
    assert key(router.match("POST", "/v1/operations/not-a-uuid!:cancel")) == "cancelOperation"


def test_text_before_a_parameter_and_two_parameters_in_one_segment(router: Router) -> None:
    match = router.match("GET", "/reports/v2/q3.tar.gz")
    assert key(match) == "getReport"
    # The value before a literal is as short as it can be: the same reading every time.
    assert match.params == {"version": "2", "file": "q3", "extension": "tar.gz"}
    # A malformed version still routes: validation answers it, not the router.
    assert router.match("GET", "/reports/vX/q3.csv").params["version"] == "X"
    for path in ("/reports/v/q3.csv", "/reports/2/q3.csv", "/reports/v2/q3", "/reports/v2/.csv"):
        assert router.match("GET", path).operation is None, path
    # A literal segment beats "v{version}".
    assert key(router.match("GET", "/reports/latest/q3.csv")) == "getLatestReport"


def test_custom_methods_that_differ_only_in_variable_names_are_one_resource() -> None:
    ops = [_op("POST", "/o/{name}:cancel"), _op("DELETE", "/o/{id}:cancel"), _op("GET", "/o/{x}")]
    router = Router(ops)
    assert router.match("DELETE", "/o/a:cancel").operation is ops[1]
    assert router.match("POST", "/o/a:cancel").params == {"name": "a"}
    assert router.match("PUT", "/o/a:cancel").allowed == ("DELETE", "POST")
