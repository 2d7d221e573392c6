"""The dashboard and the failed-test report in a real browser: headless Chromium via selenium.

One browser for the session, one live emulator for the module; every wait polls the page for
the element (WebDriverWait), none sleeps.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator import Settings, build
from emulator.http.server import LiveServer
from tests.dashboard.browser import (
    HEADERS,
    REPO,
    SCENARIOS,
    close,
    fail_then_retry,
    launch,
    missing,
)
from tests.support import UNUSED_PLUGINS, own_config

pytestmark = pytest.mark.skipif(missing() is not None, reason=f"no browser: {missing()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    driver = launch()
    yield driver
    close(driver)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    settings = Settings(manual_clock=True, strict=True)
    with LiveServer(build(api="writer", scenarios=SCENARIOS, settings=settings)) as live:
        yield live


def wait(browser: Any, condition: Any, timeout: float = 5.0) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.05).until(lambda _: condition())


def css(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def read(browser: Any, selector: str, attribute: str) -> list[str]:
    """An attribute of every match, read in one go: the page redraws between two reads."""
    script = (
        "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]))"
    )
    return list(browser.execute_script(script, selector, attribute))


def texts(browser: Any, selector: str) -> list[str]:
    script = "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)"
    return list(browser.execute_script(script, selector))


def band_statuses(browser: Any) -> list[str]:
    return read(browser, "#timeline-body .band", "data-status")


def seqs(browser: Any, selector: str) -> list[int]:
    return [int(seq) for seq in read(browser, selector, "data-seq")]


def focus(browser: Any, selector: str) -> None:
    # A real focus event: launch() turns on Chromium's focus emulation, without which a headless
    # window never has the system's focus and fires none.
    browser.execute_script("document.querySelector(arguments[0]).focus()", selector)


def test_the_timeline_shows_bands_marks_faults_and_moves_live(
    browser: Any, server: LiveServer
) -> None:
    base = f"{server.url}/_ns/browser"
    with httpx.Client(timeout=10) as http:
        job_id = fail_then_retry(http, base)
        browser.set_window_size(1280, 900)
        browser.get(f"{base}/_emulator/ui?job={job_id}")
        wait(browser, lambda: len(seqs(browser, "#timeline-body .mark")) == 6)
        assert band_statuses(browser) == ["in_progress", "failed", "in_progress"]
        names = [t.split("\n")[0] for t in texts(browser, "#timeline-body .band")]
        assert names[:2] == ["in_progress", "failed"]  # status names as text, not colour only
        assert seqs(browser, ".mark") == [1, 2, 3, 4, 5, 6]
        assert seqs(browser, ".mark.fault") == [3, 4]
        assert seqs(browser, ".mark.violation") == [4]
        assert "1 violation" in read(browser, ".mark.violation", "aria-label")[0]
        focus(browser, ".mark.violation")  # focus shows the exchange, as hover does
        wait(browser, lambda: "violation" in texts(browser, "#exchange")[0].lower())
        assert "/faults/1" in texts(browser, "#exchange")[0]

        css(browser, "#advance-seconds")[0].clear()
        css(browser, "#advance-seconds")[0].send_keys("30")
        css(browser, "#advance")[0].click()
        wait(browser, lambda: band_statuses(browser)[-1:] == ["completed"])
        assert band_statuses(browser) == ["in_progress", "failed", "in_progress", "completed"]
        wait(
            browser, lambda: "completed" in texts(browser, f'#jobs-rows tr[data-id="{job_id}"]')[0]
        )

        http.get(f"{base}/v1/applications/jobs/{job_id}", headers=HEADERS)
        wait(browser, lambda: len(seqs(browser, "#timeline-body .mark")) == 7, timeout=1.0)
        wait(browser, lambda: read(browser, "#journal-rows tr", "data-seq")[0] == "7")


def test_keyboard_and_a_phone_sized_window(browser: Any, server: LiveServer) -> None:
    from selenium.webdriver.common.keys import Keys

    base = f"{server.url}/_ns/phone"
    with httpx.Client(timeout=10) as http:
        first = fail_then_retry(http, base)
        second = fail_then_retry(http, base)
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{base}/_emulator/ui")
        wait(browser, lambda: len(read(browser, "#jobs-rows tr", "data-id")) == 2)
        assert read(browser, "#jobs-rows tr", "data-id") == [second, first]
        focus(browser, "#jobs-rows tr")
        browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        wait(browser, lambda: browser.switch_to.active_element.get_attribute("id") == "timeline")
        wait(browser, lambda: first in texts(browser, "#timeline-job")[0])
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= browser.execute_script("return window.innerWidth")  # nothing sideways
        focus(browser, "#timeline-body .mark")
        browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        assert browser.switch_to.active_element.get_attribute("data-seq") == "2"
    finally:
        browser.set_window_size(1280, 900)


FAILING = """
    import httpx
    from tests.dashboard.browser import fail_then_retry

    def test_fails_on_a_violation(emulator):
        with httpx.Client() as http:
            fail_then_retry(http, emulator.url)

    def test_fails_on_an_assertion(emulator):
        emulator.clock.advance(5)
        assert False, "the client gave up"

    def test_passes(emulator):
        emulator.clock.advance(5)
"""


def test_a_failed_test_leaves_a_report_that_opens_offline(browser: Any, tmp_path: Path) -> None:
    (tmp_path / "test_flow.py").write_text(textwrap.dedent(FAILING))
    reports = tmp_path / "reports"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *own_config(tmp_path),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            *UNUSED_PLUGINS,
            f"--emulator-scenarios={SCENARIOS}",
            f"--emulator-report={reports}",
            "test_flow.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    violation = reports / "test_flow.py-test_fails_on_a_violation.html"
    assertion = reports / "test_flow.py-test_fails_on_an_assertion.html"
    assert sorted(reports.iterdir()) == sorted([violation, assertion])
    assert f"timeline and journal of this test: {violation}" in run.stdout
    assert f"timeline and journal of this test: {assertion}" in run.stdout
    browser.get(violation.as_uri())
    wait(browser, lambda: len(seqs(browser, "#timeline-body .mark")) == 6)
    assert band_statuses(browser) == ["in_progress", "failed", "in_progress"]
    assert seqs(browser, ".mark.fault") == [3, 4] and seqs(browser, ".mark.violation") == [4]
    assert "report" in texts(browser, "#source-label")[0]
    fetched = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert fetched == 0  # everything is inline: nothing was loaded, from anywhere


def test_a_journal_entry_shows_the_spec_flaws_its_answer_went_through(
    browser: Any, tmp_path: Path
) -> None:
    spec = tmp_path / "flawed.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    get:\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema:\n                type: object\n"
        "                required: [id, id]\n                properties: {id: {type: string}}\n"
    )
    with LiveServer(build(api=None, spec=spec)) as live:
        httpx.get(f"{live.url}/things", timeout=10)
        browser.get(f"{live.url}/_emulator/ui")
        wait(browser, lambda: "1 spec flaw" in " ".join(texts(browser, "#journal-rows tr")))
        # Clicked from the page: the journal redraws as it polls, so no element is held.
        browser.execute_script("document.querySelector('#journal-rows tr').click()")
        wait(browser, lambda: "spec flaw" in texts(browser, "#exchange")[0])
        shown = texts(browser, "#exchange .problem.repair")[0]
        assert "/required" in shown and "repaired: the repeated names are dropped" in shown
