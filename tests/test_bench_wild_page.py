"""The "specs from the wild" figures on docs/explanations/performance.md are the committed
results of bench/wild.py, bench/sdk_suites.py and bench/spec_load.py (the 13 MB spec), written
by bench/wild_page.py: never typed by hand."""

from __future__ import annotations

import json

from tests.openapi.test_wild import CORPUS
from tests.support import bench_module

wild_page = bench_module("wild_page")


def test_the_page_shows_the_committed_results() -> None:
    wild = json.loads(wild_page.WILD.read_text())
    suites = json.loads(wild_page.SDK_SUITES.read_text())
    load = json.loads(wild_page.SPEC_LOAD.read_text())
    page = wild_page.PAGE.read_text()
    assert wild_page.render(page, wild, suites, load) == page
    assert wild_page.section(wild, suites, load) in page
    readme = wild_page.README.read_text()
    assert wild_page.render_readme(readme, suites) == readme
    assert wild_page.sdk_counts(suites) in readme


def test_every_published_spec_served_without_a_server_error_or_a_nonconforming_answer() -> None:
    wild = json.loads(wild_page.WILD.read_text())
    assert set(wild) == {entry["name"] for entry in CORPUS}  # every spec of the corpus
    for name, row in wild.items():
        assert row["schemathesis"]["server_errors"] == 0, (name, row["schemathesis"]["failures"])
        assert row["schemathesis"]["nonconforming"] == 0, (name, row["schemathesis"]["failures"])
