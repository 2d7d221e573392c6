"""emulator.lifecycle.render.view_cache: a job's view is rendered once while nothing it shows
changes,
and rendered again as soon as anything does."""

from __future__ import annotations

from typing import Any

from emulator import Settings, build
from emulator.http.app import Emulator
from emulator.lifecycle.core.actions import JobActions, Request
from emulator.lifecycle.core.job import Job
from emulator.lifecycle.core.namespace import Namespace
from emulator.lifecycle.core.scenario import State
from emulator.lifecycle.render.view_cache import ViewCache, encode_body, page_payload


def setup(api: str) -> tuple[Emulator, JobActions, Namespace, Job]:
    app = build(api=api, settings=Settings(manual_clock=True))
    actions = app.actions
    assert actions is not None
    ns = app.namespaces.get("t")
    scenario = next(iter(app.scenarios.values()))
    job = actions.start(ns, scenario, {"body": {"input": {}}, "path": {}, "query": {}})
    # Forced, so that polls do not move it: only what the test does changes it.
    return app, actions, ns, actions.force(ns, job.id, State("processing"))


def asking(base_url: str = "http://e/v1", **params: Any) -> Request:
    return Request({}, {}, params, None, base_url=base_url)


def test_an_unchanged_job_is_rendered_once_and_each_poll_still_counts() -> None:
    _, actions, ns, job = setup("replicate")
    first = actions.cached_view(job, "job", asking())
    for polls in (1, 2, 3):
        polled = actions.observe(ns, job.id, poll=True)
        assert polled is job and polled.polls == polls  # counted in place: the same job
        assert actions.cached_view(polled, "job", asking()) is first
    assert first.payload is not None and first.body["status"] == "processing"


def test_any_change_to_the_job_renders_it_again() -> None:
    _, actions, ns, job = setup("replicate")
    before = actions.cached_view(job, "job", asking())
    changed = actions.force(ns, job.id, State("succeeded", result={"output": "x"}))
    after = actions.cached_view(changed, "job", asking())
    assert after is not before
    assert (before.body["status"], after.body["status"]) == ("processing", "succeeded")
    assert after.payload is not None and b'"succeeded"' in after.payload


def test_the_view_depends_on_the_base_url_and_the_fields_the_request_hides() -> None:
    _, actions, _, job = setup("replicate")
    here = actions.cached_view(job, "job", asking("http://here/v1")).body
    there = actions.cached_view(job, "job", asking("http://there/v1")).body
    assert here["urls"]["get"].startswith("http://here/v1/")
    assert there["urls"]["get"].startswith("http://there/v1/")
    _, actions, _, job = setup("retab")
    hidden = actions.cached_view(job, "job", asking()).body
    shown = actions.cached_view(job, "job", asking(include_request=True)).body
    assert "request" not in hidden and "request" in shown


def test_the_cache_is_bounded() -> None:
    _, actions, ns, job = setup("replicate")
    cache = ViewCache(size=3)
    scenario = actions.scenario_of(job)
    jobs = [actions.start(ns, scenario, {"body": {}, "path": {}, "query": {}}) for _ in range(10)]
    for each in jobs:
        cache.get(each, "job", lambda j=each: actions.view(j, "job"))
    assert len(cache) <= 3
    last = jobs[-1]
    assert cache.get(last, "job", lambda: None).body["id"] == last.id  # still served after


def test_a_page_that_does_not_hold_its_items_once_is_encoded_whole() -> None:
    _, actions, _, job = setup("replicate")
    shown = [actions.cached_view(job, "job", asking())]
    once = page_payload(lambda items: {"total": 1, "results": items}, shown)
    assert once == encode_body({"total": 1, "results": [shown[0].body]})
    assert page_payload(lambda items: {"a": items, "b": items}, shown) is None
    assert page_payload(lambda items: {"text": f"items: {items}"}, shown) is None
