"""Regenerate docs/img/dashboard.png: the dashboard after a fail-then-retry with faults.

    python scripts/screenshot.py [--out docs/img/dashboard.png] [--width 1280] [--height 900]

Serves the Writer API on a loopback port with the UI test scenario, plays the scripted flow of
the browser tests plus a few other jobs, and photographs the page in headless Chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from emulator import Settings, build  # noqa: E402
from emulator.http.server import LiveServer  # noqa: E402
from tests.dashboard.browser import HEADERS, SCENARIOS, close, fail_then_retry, launch, missing  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "img" / "dashboard.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    if (why := missing()) is not None:
        print(f"screenshot: {why}", file=sys.stderr)
        return 2
    settings = Settings(manual_clock=True, strict=True)
    with LiveServer(build(api="writer", scenarios=SCENARIOS, settings=settings)) as server:
        base = f"{server.url}/_ns/demo"
        with httpx.Client(timeout=10) as http:
            for _ in range(3):
                http.post(
                    f"{base}/v1/applications/app-1/jobs",
                    headers=HEADERS,
                    json={"inputs": [{"id": "topic", "value": ["socks"]}]},
                )
            job_id = fail_then_retry(http, base)
            http.post(f"{base}/_emulator/clock/advance", json={"seconds": 30})
            http.get(f"{base}/v1/applications/jobs/{job_id}", headers=HEADERS)
        print(f"screenshot: job {job_id} on {base}", file=sys.stderr)
        driver = launch(args.width, args.height)
        try:
            from selenium.webdriver.common.by import By
            from selenium.webdriver.support.ui import WebDriverWait

            driver.get(f"{base}/_emulator/ui?job={job_id}")
            WebDriverWait(driver, 10).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, "#timeline-body .band")) == 4
            )
            # Show one exchange, as hovering over the violation would.
            driver.find_element(By.CSS_SELECTOR, ".mark.violation").click()
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(args.out)
        finally:
            close(driver)
    print(f"screenshot: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
