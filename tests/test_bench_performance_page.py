"""bench/performance_page.py: the performance page's figures are written from a benchmark's
own results, so what docs/explanations/performance.md shows is one run's output, never figures
typed by hand."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.support import bench_module

page = bench_module("performance_page")


def latest() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(page.LATEST.read_text())
    return results


def test_the_page_shows_the_figures_of_the_committed_results() -> None:
    assert page.current(page.PAGE) == page.section(latest())


def test_the_scale_out_guide_shows_the_shared_state_figures_of_the_same_run() -> None:
    shown = page.current(page.SCALE_OUT, page.SHARED_START, page.SHARED_END)
    assert shown == page.shared_section(latest())
    assert "| Redis, 2 workers |" in shown


def test_an_update_rewrites_only_the_figures(tmp_path: Path) -> None:
    target, guide = tmp_path / "performance.md", tmp_path / "scale-out.md"
    text = page.PAGE.read_text()
    target.write_text(text)
    guide.write_text(page.SCALE_OUT.read_text())
    results = copy.deepcopy(latest())
    results["http"]["servers"]["emulator"]["poll"]["rps"] = 123_456.0
    results["http"]["servers"].pop("prism", None)
    results["http"]["prism_skipped"] = "npx is not installed"
    page.update(target, results, guide)
    updated = target.read_text()
    assert "| poll | " in updated and "123,456" in updated
    assert "Prism was skipped: npx is not installed." in updated
    assert "Prism req/s" not in page.current(target)
    before, after = text.split(page.START)[0], text.split(page.END)[1]
    assert updated.startswith(before) and updated.endswith(after)
    page.update(target, results, guide)
    assert target.read_text() == updated  # the same results give the same page
    assert page.current(guide, page.SHARED_START, page.SHARED_END) == page.shared_section(results)


def test_a_run_without_wrk_still_writes_its_other_figures(tmp_path: Path) -> None:
    results = copy.deepcopy(latest())
    results["http"] = {"skipped": "wrk is not installed"}
    section = page.section(results)
    assert "HTTP load was skipped: wrk is not installed." in section
    assert "Cold start to the first answer" in section and "fixture costs" in section


def test_the_shared_figures_say_how_many_round_trips_each_request_made() -> None:
    results = copy.deepcopy(latest())
    results["shared_state"]["in_process"]["round_trips"] = {"poll": 1.0, "create": 2.0}
    assert "a poll in 1.0 round trips, a create in 2.0" in page.shared_section(results)


def test_the_shared_figures_project_two_workers_on_two_free_cores_from_their_cpu() -> None:
    results = copy.deepcopy(latest())
    http = results["shared_state"]["http"]
    for name, poll_us, create_us in (
        ("memory, 1 worker", 150.0, 250.0),
        ("Redis, 1 worker", 230.0, 400.0),
        ("Redis, 2 workers", 250.0, 500.0),
    ):
        http[name]["poll"]["cpu_us"], http[name]["create"]["cpu_us"] = poll_us, create_us
    assert page.two_core_projection(http, "poll") == 2 * 230 / 250
    section = page.shared_section(results)
    assert "(memory, Redis 1 worker, 2 workers) poll: 150, 230, 250 us" in section
    assert "2 workers would serve 1.84 times 1 worker on polls and 1.60 on creates" in section
    del http["Redis, 2 workers"]["create"]["cpu_us"]  # a run from before CPU was measured
    assert page.two_core_projection(http, "create") is None
    assert "would serve" not in page.shared_section(results)


def test_the_shared_figures_pair_each_round_s_loads() -> None:
    """A slow spell that hits the Redis column in two rounds and the memory column in a third
    drags the ratio of the medians; the ratios of the pairs, round by round, do not."""
    results = copy.deepcopy(latest())
    http = results["shared_state"]["http"]
    per_round = {
        "memory, 1 worker": [6800, 6850, 7100, 6000, 4800],
        "Redis, 1 worker": [4250, 3650, 3700, 3700, 3000],
        "Redis, 2 workers": [4200, 3600, 3700, 3700, 3000],
    }
    for name, rps in per_round.items():
        for route in ("poll", "create"):
            http[name][route]["rounds"] = [{"rps": r, "p50_ms": 1.0, "p99_ms": 2.0} for r in rps]
    ratios = page.paired_ratios(http, "Redis, 1 worker", "memory, 1 worker", "poll")
    assert [round(r, 2) for r in ratios] == [0.62, 0.53, 0.52, 0.62, 0.62]
    line = page.paired_line(http)
    assert line is not None
    assert "1 worker on Redis against memory, poll 0.62 (0.52 to 0.62)" in line
    assert "2 workers against 1, poll 1.00 (0.99 to 1.00)" in line
    assert line in page.shared_section(results)
    for route in ("poll", "create"):
        del http["Redis, 2 workers"][route]["rounds"]  # a run that kept no rounds
    assert page.paired_line(http) is None
