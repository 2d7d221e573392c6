"""emulator.bundle.build: which spec, profile and scenarios an emulator is made of."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator import ProfileError, ScenarioError, Settings, SpecError, build
from emulator.bundle import BUNDLED_APIS, bundled_profile, bundled_scenarios
from tests.support import TESTS, WRITER

TESTS = TESTS
PROFILES = TESTS / "data" / "profiles"
WRITER_SPEC = TESTS.parent / "specs" / "writer.yaml"

EXPECTED = {
    "writer": ({"create", "retrieve", "list", "retry"}, 4),
    "retab": ({"create", "retrieve", "status", "list", "retry", "cancel"}, 6),
    "osapi": ({"create", "retrieve", "list", "retry", "delete", "stats"}, 7),
    "openai": ({"create", "retrieve", "list", "cancel"}, 4),
    "replicate": ({"create", "retrieve", "list", "cancel"}, 4),
}


@pytest.mark.parametrize("api", BUNDLED_APIS)
def test_bundled_api_binds_every_action_to_an_operation(api: str) -> None:
    app = build(api=api)
    actions, operations = EXPECTED[api]
    assert app.profile is not None and app.profile.name == api
    assert len(app.spec.operations) == operations
    assert set(app.jobs.action_of.values()) == actions
    assert app.actions is not None
    assert set(app.scenarios) == {p.stem for p in bundled_scenarios(api).glob("*.yaml")}
    assert bundled_profile(api).is_file()


def test_unknown_bundled_api_is_a_value_error() -> None:
    with pytest.raises(
        ValueError, match="unknown API 'nope'; bundled: writer, openai, osapi, replicate, retab"
    ):
        build(api="nope")


def test_spec_alone_is_served_without_profile_or_jobs() -> None:
    app = build(api=None, spec=WRITER_SPEC)
    assert app.profile is None and app.actions is None and app.scenarios == {}
    assert app.spec.path == WRITER_SPEC


def test_profile_file_brings_its_spec() -> None:
    bare = build(profile=PROFILES / "minimal.yaml")
    assert bare.profile is not None and bare.profile.name == "minimal"
    assert bare.spec.path == WRITER_SPEC and bare.scenarios == {}


def test_profile_whose_views_break_the_spec_is_refused_with_its_scenarios() -> None:
    # minimal.yaml has no views, so a job renders as the raw context: no application_id.
    with pytest.raises(ScenarioError) as info:
        build(profile=PROFILES / "minimal.yaml", scenarios=bundled_scenarios("writer"))
    assert info.value.pointer == "/attempts/0/states/0"
    assert "'application_id' is a required property" in info.value.reason


def test_profile_without_spec_needs_one_given() -> None:
    with pytest.raises(ProfileError) as info:
        build(profile=PROFILES / "no_spec.yaml")
    assert (info.value.file, info.value.pointer) == (str(PROFILES / "no_spec.yaml"), "/spec")
    app = build(profile=PROFILES / "no_spec.yaml", spec=WRITER_SPEC)
    assert app.profile is not None and app.profile.name == "no-spec"


def test_scenarios_folder_replaces_the_bundled_one(tmp_path: Path) -> None:
    # The replacement holds the profile's default, happy-path (else refused: see
    # tests/checks/test_naming.py).
    (tmp_path / "happy-path.yaml").write_text(
        "description: Never finishes within a test.\n"
        "attempts:\n  - states:\n      - {status: in_progress, for: {seconds: 86400}}\n"
        "      - {status: completed, result: {suggestion: late}}\n",
        encoding="utf-8",
    )
    app = build(api="writer", scenarios=tmp_path, settings=Settings(manual_clock=True))
    assert list(app.scenarios) == ["happy-path"]
    c = TestClient(app)
    job = c.post("/v1/applications/a/jobs", json={"inputs": []}, headers=WRITER).json()
    assert c.get(f"/_emulator/jobs/{job['id']}").json()["scenario"] == "happy-path"
    c.post("/_emulator/clock/advance", json={"seconds": 3600})
    retrieved = c.get(f"/v1/applications/jobs/{job['id']}", headers=WRITER).json()
    assert retrieved["status"] == "in_progress"


def test_a_broken_spec_is_served_its_flaw_listed_and_refused_only_when_strict() -> None:
    broken = TESTS / "data" / "specs" / "broken" / "dangling_local.yaml"
    (flaw,) = build(api=None, spec=broken).warnings
    assert (flaw.file, flaw.kind, flaw.repaired) == (str(broken), "unresolvable-ref", False)
    assert flaw.pointer.startswith("/paths/~1things/get/responses/200")
    with pytest.raises(SpecError) as info:
        build(api=None, spec=broken, settings=Settings(strict_spec=True))
    assert info.value.file == str(broken)
    assert info.value.pointer.startswith("/paths/~1things/get/responses/200")


def test_settings_reach_the_app() -> None:
    settings = Settings(seed=7, strict=False, manual_clock=True, fallback="examples")
    app = build(api="retab", settings=settings)
    assert app.settings is settings
    c = TestClient(app)
    assert c.get("/_emulator/clock").json()["mode"] == "manual"
