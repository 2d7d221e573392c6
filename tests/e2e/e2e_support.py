"""The client side of the end-to-end tests: one namespace of a live emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "data" / "scenarios"
REFERENCE_OSAPI = REPO.parent / "shared" / "reference-specs" / "osapi" / "job" / "gen" / "api.yaml"


class Emu:
    """One namespace of one live emulator, with its control plane at hand."""

    def __init__(self, root: str, namespace: str) -> None:
        self.root = root
        self.namespace = namespace
        self.http = httpx.Client(timeout=10)

    @property
    def url(self) -> str:
        """The base URL of this namespace: API paths and ``/_emulator/...`` go after it."""
        return f"{self.root}/_ns/{self.namespace}"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.url}/_emulator/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, seconds: float) -> float:
        now: float = self.control("POST", "clock/advance", {"seconds": seconds})["now"]
        return now

    def now(self) -> float:
        now: float = self.control("GET", "clock")["now"]
        return now

    def reset(self, clock: str | None = None) -> None:
        self.control("POST", "reset", {"clock": clock} if clock else None)

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items()}
        response = self.http.get(f"{self.url}/_emulator/journal", params=query)
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def job(self, job_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.control("GET", f"jobs/{job_id}")
        return found

    def assert_clean(self) -> None:
        """No exchange in this namespace broke the spec, and none became a 500."""
        entries = self.journal()
        assert [e for e in entries if e["violations"]] == []
        assert [e for e in entries if e["status"] >= 500 and e["fault"] is None] == []

    def close(self) -> None:
        self.http.close()
