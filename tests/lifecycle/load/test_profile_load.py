"""emulator.lifecycle.load.profile_load: bundled profiles load; a broken one names its file and JSON
pointer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from emulator import ProfileError, build
from emulator.bundle import BUNDLED_APIS, bundled_profile
from emulator.checks.profile_check import check_profile
from emulator.lifecycle.load.profile_load import load_profile
from emulator.openapi import load_spec
from tests.support import DATA

PROFILES = DATA / "profiles"
BROKEN = PROFILES / "broken"


def refusal(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value


@pytest.mark.parametrize("api", BUNDLED_APIS)
def test_every_bundled_profile_loads(api: str) -> None:
    profile = load_profile(bundled_profile(api))
    assert profile.name == api
    assert {"create", "retrieve"} <= set(profile.operations)
    assert profile.spec_path is not None and profile.spec_path.is_file()
    assert profile.scenarios_dir is not None and profile.scenarios_dir.is_dir()
    assert profile.default_scenario == "happy-path"
    check_profile(profile, load_spec(profile.spec_path))


def test_bundled_profiles_carry_their_provider_differences() -> None:
    writer, retab, osapi = (
        load_profile(bundled_profile(api)) for api in ("writer", "retab", "osapi")
    )
    assert (writer.retry.model, writer.retry.status, writer.retry.allowed_from) == (
        "reset",
        202,
        frozenset({"failed"}),
    )
    assert (retab.job.id_prefix, retab.job.id_kind, retab.job.timestamps) == (
        "job_",
        "nanoid",
        "unix",
    )
    assert (osapi.retry.model, osapi.retry.status, osapi.retry.allowed_from) == ("new", 201, None)
    assert osapi.check_order == ("request", "auth")
    assert retab.listing.style == "cursor" and writer.listing.style == "offset"
    assert osapi.listing.zero_limit == "unlimited" and writer.listing.zero_limit == "default"


def test_minimal_profile_fills_defaults() -> None:
    profile = load_profile(PROFILES / "minimal.yaml")
    assert profile.spec_path == (PROFILES / "../../../specs/writer.yaml").resolve()
    assert profile.scenarios_dir is None
    assert profile.check_order == ("auth", "request")
    assert profile.retry.model == "reset" and profile.retry.allowed_from is None
    assert profile.error("not_found").status == 404


@pytest.mark.parametrize(
    ("file", "pointer", "reason"),
    [
        ("unknown_top_key.yaml", "/colour", "unknown key 'colour'"),
        ("unknown_action.yaml", "/operations/launch", "unknown action 'launch'"),
        ("missing_create.yaml", "/operations", "must bind 'create'"),
        ("missing_retrieve.yaml", "/operations", "must bind 'retrieve'"),
        ("bad_timestamps.yaml", "/job/timestamps", "unknown timestamp format 'iso8601'"),
        ("bad_retry_model.yaml", "/retry/model", "expected 'reset' (same job) or 'new'"),
        ("operations_not_a_mapping.yaml", "/operations", "expected a mapping, got a list"),
        ("terminal_item_not_a_string.yaml", "/statuses/terminal/1", "expected a string"),
        ("retry_status_not_an_integer.yaml", "/retry/status", "expected an integer, got a string"),
        ("revision_not_a_flag.yaml", "/job/revision", "expected true or false"),
        ("missing_statuses.yaml", "/statuses", "is required"),
        ("not_a_mapping.yaml", "/", "expected a mapping, got a list"),
        ("view_misspelt_job_field.yaml", "/views/job", "unknown job field {job.stauts}"),
        ("view_unknown_name.yaml", "/views/page", "unknown name {itemz}"),
        ("unknown_view.yaml", "/views/detail", "unknown view"),
    ],
)
def test_broken_profile_names_file_and_pointer(file: str, pointer: str, reason: str) -> None:
    error = refusal(BROKEN / file)
    assert error.file == str(BROKEN / file)
    assert error.pointer == pointer
    assert reason in error.reason
    assert str(error) == f"{BROKEN / file}: {pointer}: {error.reason}"


def _with(tmp_path: Path, extra: str) -> Path:
    """The minimal profile with the top-level keys of ``extra`` (YAML) set, beside the data it
    refers to."""
    profile = yaml.safe_load((PROFILES / "minimal.yaml").read_text(encoding="utf-8"))
    profile["spec"] = str((PROFILES / profile["spec"]).resolve())
    profile.update(yaml.safe_load(extra))
    file = tmp_path / "profile.yaml"
    file.write_text(yaml.safe_dump(profile), encoding="utf-8")
    return file


def test_ids_the_client_names_and_lists_with_no_default_limit(tmp_path: Path) -> None:
    extra = """
job:
  id:
    from: request.body.metadata.name
    prefix_from: request.body.metadata.generateName
    nanoid: 5
    duplicate: already_exists
  partition: request.path.namespace
list: {default_limit: unlimited}
"""
    profile = load_profile(_with(tmp_path, extra))
    job = profile.job
    assert (job.id_from, job.id_prefix_from) == (
        "request.body.metadata.name",
        "request.body.metadata.generateName",
    )
    assert (job.duplicate, job.client_named, job.scoped) == ("already_exists", True, True)
    assert profile.listing.default_limit is None
    assert load_profile(PROFILES / "minimal.yaml").job.scoped is False


@pytest.mark.parametrize(
    ("extra", "pointer", "reason"),
    [
        ("job: {id: {from: body.name}}", "/job/id/from", "a path into the create request"),
        ("job: {id: {prefix_from: 3}}", "/job/id/prefix_from", "expected a string"),
        ("list: {default_limit: 0}", "/list/default_limit", "or unlimited"),
        ("list: {default_limit: all}", "/list/default_limit", "expected an integer"),
        ("check_order: [request, authz]", "/check_order", "item 1: unknown check 'authz'"),
    ],
)
def test_bad_naming_and_limits_are_refused(
    tmp_path: Path, extra: str, pointer: str, reason: str
) -> None:
    error = refusal(_with(tmp_path, extra))
    assert (error.pointer, reason in error.reason) == (pointer, True), error.reason


def test_operations_bound_under_names_of_the_profiles_own(tmp_path: Path) -> None:
    extra = """
cancel: {to: failed, from: [in_progress]}
operations:
  create: createJob
  retrieve: retrieveJob
  look: {action: retrieve, operation: listJobs, view: brief, headers: {X-Look: "{job.id}"}}
  halt: {action: cancel, operation: retryJob, to: halted, error: {message: halted}}
  redo: {action: retry, operation: retryJob, model: new}
  poke: {operation: retryJob}
  watch:
    action: monitor
    operation: retrieveJob
    done: redirect
    location: "{base_url}/x"
    retry_after: 2
    running_status: 202
    failed_status: 422
views:
  brief: {id: "{job.id}"}
"""
    profile = load_profile(_with(tmp_path, extra))
    assert profile.operations["look"] == "listJobs"
    look = profile.bindings["look"]
    assert (look.action, look.view, dict(look.headers)) == (
        "retrieve",
        "brief",
        {"X-Look": "{job.id}"},
    )
    assert profile.bindings["create"].action == "create"
    halt = profile.cancel_rules("halt")
    assert (halt.to, halt.error, halt.allowed_from) == (
        "halted",
        {"message": "halted"},
        {"in_progress"},
    )
    assert profile.cancel_rules("cancel") is profile.cancel
    assert (profile.retry_rules("redo").model, profile.retry.model) == ("new", "reset")
    assert profile.action_of("poke") == "signal"
    watch = profile.bindings["watch"].monitor
    assert watch is not None and (watch.done, watch.retry_after) == ("redirect", 2)
    assert (watch.running_status, watch.failed_status) == (202, 422)
    assert profile.bound_as("cancel") == ["halt"]


@pytest.mark.parametrize(
    ("binding", "pointer", "reason"),
    [
        (
            "{action: launch, operation: createJob}",
            "/operations/x/action",
            "unknown action 'launch'",
        ),
        ("{action: retry, operation: retryJob, to: done}", "/operations/x/to", "unknown key"),
        ("{action: cancel, operation: retryJob, refused: 3}", "/operations/x/refused", "a string"),
        ("{action: retrieve}", "/operations/x/operation", "is required"),
        ("{action: retrieve, operation: retrieveJob, view: nope}", "/operations/x", "view 'nope'"),
        (
            "{action: monitor, operation: retrieveJob, done: redirect}",
            "/operations/x/location",
            "location",
        ),
        (
            "{action: monitor, operation: retrieveJob, running_status: 2020}",
            "/operations/x/running_status",
            "expected an HTTP status (100 to 599), got 2020",
        ),
        (
            "{action: retrieve, operation: retrieveJob, failed_status: 422}",
            "/operations/x/failed_status",
            "unknown key",
        ),
    ],
)
def test_bad_bindings_are_refused_where_they_are(
    tmp_path: Path, binding: str, pointer: str, reason: str
) -> None:
    extra = f"\noperations:\n  create: createJob\n  retrieve: retrieveJob\n  x: {binding}\n"
    error = refusal(_with(tmp_path, extra))
    assert (error.pointer, reason in error.reason) == (pointer, True), error.reason


def test_invalid_yaml_names_the_line() -> None:
    error = refusal(BROKEN / "invalid_yaml.yaml")
    assert error.pointer == "/"
    assert "invalid YAML at line 4" in error.reason


def test_missing_profile_file_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path / "nowhere.yaml")
    assert error.file == str(tmp_path / "nowhere.yaml")
    assert "cannot read file" in error.reason


def test_check_profile_refuses_an_operation_the_spec_lacks() -> None:
    profile = load_profile(PROFILES / "missing_operation.yaml")
    assert profile.spec_path is not None
    with pytest.raises(ProfileError) as info:
        check_profile(profile, load_spec(profile.spec_path))
    error = info.value
    assert error.file == str(PROFILES / "missing_operation.yaml")
    assert error.pointer == "/operations/retrieve"
    assert "'fetchJob'" in error.reason and "retrieveJob" in error.reason


def test_build_refuses_a_profile_bound_to_another_spec() -> None:
    # The bundled osapi profile names "POST /job"; the Writer spec has no such operation.
    with pytest.raises(ProfileError) as info:
        build(api="osapi", spec=PROFILES / "../../../specs/writer.yaml")
    assert info.value.pointer == "/operations/create"
    assert "POST /job" in info.value.reason


# Every section of a profile with a fixed set of keys, each with a stray key in it; sections
# of names (views, hidden, stamps, roles, error kinds' variables) take any key.
_STRAYS: dict[str, dict[str, object]] = {
    "": {"bogus": 1},
    "/job": {"job": {"bogus": 1}},
    "/job/id": {"job": {"id": {"prefix": "j_", "nanoid": 8, "bogus": 1}}},
    "/statuses": {"statuses": {"terminal": ["completed"], "bogus": 1}},
    "/auth": {"auth": {"bogus": 1}},
    "/retry": {"retry": {"bogus": 1}},
    "/cancel": {"cancel": {"bogus": 1}},
    "/delete": {"delete": {"bogus": 1}},
    "/list": {"list": {"bogus": 1}},
    "/list/filters/status": {"list": {"filters": {"status": {"field": "status", "bogus": 1}}}},
    "/errors": {"errors": {"bogus": 1}},
    "/timeline": {"timeline": {"bogus": 1}},
    "/stats": {"stats": {"bogus": 1}},
    "/webhooks": {"webhooks": {"events": {"done": {"statuses": ["completed"]}}, "bogus": 1}},
    "/webhooks/signing": {
        "webhooks": {"events": {"done": {"statuses": ["completed"]}}, "signing": {"bogus": 1}}
    },
    "/webhooks/events/done": {
        "webhooks": {"events": {"done": {"statuses": ["completed"], "bogus": 1}}}
    },
}


@pytest.mark.parametrize("section", list(_STRAYS))
def test_an_unknown_key_is_refused_in_every_section(tmp_path: Path, section: str) -> None:
    profile = {
        "name": "strays",
        "operations": {"create": "createJob", "retrieve": "retrieveJob"},
        "statuses": {"terminal": ["completed"]},
        **_STRAYS[section],
    }
    file = tmp_path / "strays.profile.yaml"
    file.write_text(json.dumps(profile))
    error = refusal(file)
    assert error.pointer == f"{section}/bogus"
    assert error.reason.startswith("unknown key 'bogus'; expected one of ")


def written(tmp_path: Path, **sections: object) -> Path:
    profile = {
        "name": "views",
        "spec": str(PROFILES.parent.parent.parent / "specs" / "writer.yaml"),
        "operations": {"create": "createJob", "retrieve": "retrieveJob"},
        "statuses": {"terminal": ["completed"]},
        **sections,
    }
    file = tmp_path / "views.profile.yaml"
    file.write_text(json.dumps(profile))
    return file


def test_only_the_views_of_answers_that_may_be_empty_can_be_none(tmp_path: Path) -> None:
    assert load_profile(written(tmp_path, views={"deleted": "none"})).views["deleted"] is None
    error = refusal(written(tmp_path, views={"page": "none"}))
    assert (error.pointer, error.reason) == (
        "/views/page",
        "only cancelled, created, deleted, retried may be none (no body)",
    )


def test_a_read_is_bound_like_any_operation_with_a_view_of_its_own(tmp_path: Path) -> None:
    sentences = {"operation": "retryJob", "action": "read", "view": "sentences"}
    operations = {"create": "createJob", "retrieve": "retrieveJob", "sentences": sentences}
    error = refusal(
        written(tmp_path, operations=operations, views={"sentences": {"id": "{job.idd}"}})
    )
    assert error.pointer == "/views/sentences"
    assert error.reason.startswith("unknown job field {job.idd}")
