"""Headless Chromium for the dashboard's tests and screenshot: Debian's chromium and
chromium-driver, driven by selenium. Nothing is downloaded: the driver's path is given, so
selenium's own driver manager never runs."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "data" / "scenarios" / "ui"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
HEADERS = {"Authorization": "Bearer k"}


def missing() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for name, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(name) is None:
            return f"{name} not found: apt-get install -y {package} (.ci/run does it where apt can)"
    return None


def launch(width: int = 1280, height: int = 900) -> Any:
    """A fresh headless Chromium with its own profile folder (removed by ``quit``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="emulator-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    service = Service(shutil.which("chromedriver") or "chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    # A headless window never has the OS focus, so Chromium fires no focus events there (the
    # dashboard shows an exchange on a mark's focus): emulate a focused page, as a user's is.
    driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
    driver.profile_dir = profile
    return driver


def close(driver: Any) -> None:
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def fail_then_retry(http: httpx.Client, base: str) -> str:
    """Create, poll through a 503 and a spec-breaking answer to ``failed``, retry: the job id.

    Bands after it: in_progress (0-10 s), failed (10-20 s), in_progress (attempt 1, from 20 s);
    six requests: create, four polls (the 2nd a fault, the 3rd a violation), retry.
    """
    scenario = {"X-Emulator-Scenario": "fail-then-retry-faults", **HEADERS}
    created = http.post(
        f"{base}/v1/applications/app-1/jobs",
        headers=scenario,
        json={"inputs": [{"id": "topic", "value": ["shoes"]}]},
    )
    assert created.is_success, created.text
    job = f"{base}/v1/applications/jobs/{created.json()['id']}"
    assert http.get(job, headers=HEADERS).json()["status"] == "in_progress"
    http.post(f"{base}/_emulator/clock/advance", json={"seconds": 10})
    assert http.get(job, headers=HEADERS).status_code == 503  # the fault
    assert http.get(job, headers=HEADERS).status_code == 500  # strict: the violation
    http.post(f"{base}/_emulator/clock/advance", json={"seconds": 10})
    assert http.get(job, headers=HEADERS).json()["status"] == "failed"
    assert http.post(f"{job}/retry", headers=HEADERS).is_success
    return str(created.json()["id"])
