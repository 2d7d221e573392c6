"""emulator.http.routing: from a method and a path to the operation the spec declares."""

from __future__ import annotations

import pytest

from emulator.http.routing import RouteMatch, Router, compile_path
from emulator.openapi import Operation, load_spec
from tests.support import DATA

SPEC = DATA / "specs" / "unit" / "routing.yaml"


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(load_spec(SPEC).operations)


def key(match: RouteMatch) -> str | None:
    return match.operation.key if match.operation is not None else None


def test_compile_template_marks_parameter_slots() -> None:
    assert compile_path("/job/{id}/retry") == ("job", None, "retry")
    assert compile_path("/job/{job-id}") == ("job", None)


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
