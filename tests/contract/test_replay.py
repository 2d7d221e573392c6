"""``contract --replay``: every bundled scenario replays against the emulator with no
difference; against "the real service" altered on purpose (a renamed field, an extra status, a
different retry model) each difference is named with its step, operation, JSON path and values."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulator import LiveServer
from emulator.bundle import bundled_scenarios
from emulator.cli import main

from .conftest import AUTH, altered_emulator, altered_profile


def replay(
    capsys: pytest.CaptureFixture[str], api: str, url: str, names: str, *extra: str
) -> tuple[int, str]:
    code = main(
        [
            "contract",
            "--api",
            api,
            "--base-url",
            url,
            "--auth",
            AUTH[api],
            "--replay",
            names,
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


@pytest.mark.parametrize("api", sorted(AUTH))
def test_every_bundled_scenario_replays_without_difference(
    api: str, served: dict[str, LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    names = sorted(served[api].app.scenarios)
    code, out = replay(capsys, api, served[api].url, ",".join(names))
    assert code == 0, out
    assert "result: clean (exit 0" in out


def findings(path: Path) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(path.read_text())["sections"][0]["findings"]
    return findings


def test_a_renamed_field_is_named_with_path_and_both_values(
    tmp_path: Path, serve: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    def rename(profile: dict[str, Any]) -> None:
        view = profile["views"]["job"]
        view["failure"] = view.pop("error")

    real = serve(altered_emulator(altered_profile(tmp_path, "writer", rename)))
    report = tmp_path / "replay.json"
    code, out = replay(capsys, "writer", real.url, "always-fail", "--json", str(report))
    assert code == 1
    assert "always-fail: attempt 1: failed (retrieveJob)" in out
    missing = next(
        f for f in findings(report) if f["path"] == "$.error" and "failed" in f["operation"]
    )
    assert missing["check"] == "shape" and missing["actual"] is None
    assert missing["expected"] == "The application could not process these inputs."
    extra = next(
        f for f in findings(report) if f["path"] == "$.failure" and "failed" in f["operation"]
    )
    assert extra["message"] == "an extra field" and extra["expected"] is None


def test_an_extra_status_is_named_as_the_differing_transition(
    tmp_path: Path, serve: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scenarios"
    shutil.copytree(bundled_scenarios("writer"), folder)
    file = folder / "happy-path.yaml"
    file.write_text(
        file.read_text().replace(
            "  - states:\n", "  - states:\n      - status: queued\n        for: {polls: 1}\n", 1
        )
    )
    real = serve(altered_emulator(altered_profile(tmp_path, "writer", lambda p: None), folder))
    report = tmp_path / "replay.json"
    code, out = replay(capsys, "writer", real.url, "happy-path", "--json", str(report))
    assert code == 1
    states = next(f for f in findings(report) if f["check"] == "states")
    assert states["operation"] == "happy-path: attempt 1 (retrieve)"
    assert states["path"] == "$.status"
    assert states["expected"] == ["in_progress", "completed"]
    assert states["actual"] == ["queued", "in_progress", "completed"]
    assert "happy-path: create (createJob)" in out  # the created job's status differs too


def test_a_different_retry_model_is_named(
    tmp_path: Path, serve: Callable[..., LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    def new_jobs(profile: dict[str, Any]) -> None:
        profile["retry"]["model"] = "new"

    real = serve(altered_emulator(altered_profile(tmp_path, "writer", new_jobs)))
    report = tmp_path / "replay.json"
    code, out = replay(capsys, "writer", real.url, "fail-then-retry", "--json", str(report))
    assert code == 1
    model = next(f for f in findings(report) if f["check"] == "retry model")
    assert (model["expected"], model["actual"]) == ("same job", "new job")
    assert "retry model" in out


def test_an_unknown_scenario_is_exit_2(
    served: dict[str, LiveServer], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = replay(capsys, "writer", served["writer"].url, "nope")
    assert code == 2
    assert "--replay nope: no such scenario; known: always-fail, fail-then-retry" in out
