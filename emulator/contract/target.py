"""The service a contract run talks to: one base URL and its credentials, nothing else.

Every request of ``contract``, ``--replay`` and ``record`` goes through a ``Target``: redirects
are never followed (a redirect could send the run to another host), and a service that is down,
too slow or not speaking HTTP becomes a ``CouldNotRun`` naming the URL and what to check,
never a traceback. When the target is a jobs-emulator (its ``/_emulator/health`` answers), the
run uses a namespace of its own and moves the emulator's clock instead of waiting.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from emulator.contract.report import Report
from emulator.errors import EmulatorError
from emulator.http.app import NAMESPACE_HEADER

__all__ = ["CouldNotRun", "Seen", "Target", "parse_auth"]


class CouldNotRun(EmulatorError):
    """The run could not be carried out (exit status 2); the message says what to fix."""


@contextmanager
def reporting(report: Report) -> Iterator[list[Target]]:
    """A run into ``report``: its elapsed time, the targets it opened closed, and a
    ``CouldNotRun`` kept as the report's error (exit status 2) rather than raised."""
    started = time.monotonic()
    opened: list[Target] = []
    try:
        yield opened
    except CouldNotRun as exc:
        report.error = str(exc)
    finally:
        for target in opened:
            target.close()
        report.elapsed = time.monotonic() - started


def parse_auth(values: Sequence[str]) -> dict[str, str]:
    """``["Authorization: Bearer k", "Api-Key:k"]`` as headers; refuses a value without ``:``."""
    headers: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            raise CouldNotRun(f"--auth {raw!r}: write it as HEADER:VALUE, e.g. 'Api-Key: sk-123'")
        headers[name.strip()] = value.strip()
    return headers


@dataclass(frozen=True, slots=True)
class Seen:
    """One answer of the target, as the comparisons need it."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    raw: httpx.Response | None = field(default=None, compare=False, repr=False)


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


class Target:
    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        api_prefix: str = "",
    ) -> None:
        parts = urlsplit(base_url)
        if client is None and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise CouldNotRun(
                f"--base-url {base_url!r}: give an http(s) URL, e.g. http://127.0.0.1:4010"
            )
        self.base_url = base_url.rstrip("/")
        # The spec's server path (``/v1``) is where its operations live, unless the URL given
        # already ends with it; an emulator's control plane stays at the root.
        prefix = api_prefix.rstrip("/")
        has_prefix = bool(prefix) and self.base_url.endswith(prefix)
        self.root = self.base_url[: -len(prefix)] if has_prefix else self.base_url
        self.api_url = self.root + prefix
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self.namespace = f"contract-{uuid.uuid4().hex[:12]}"
        self._emulator: bool | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        root: bool = False,
    ) -> Seen:
        sent = {**self.headers, **self.scoped_headers(), **(headers or {})}
        started = time.monotonic()
        try:
            url = (self.root if root else self.api_url) + path
            response = self.client.request(method, url, json=json_body, params=params, headers=sent)
        except httpx.TimeoutException:
            raise CouldNotRun(
                f"{self.base_url} did not answer {method} {path} within {self.timeout:g} s; "
                "is it overloaded? (raise --timeout)"
            ) from None
        except httpx.ConnectError as exc:
            raise CouldNotRun(
                f"cannot connect to {self.base_url} ({exc}); is the service running there?"
            ) from None
        except httpx.HTTPError as exc:
            raise CouldNotRun(
                f"{self.base_url} answered {method} {path} with something that is not HTTP "
                f"({type(exc).__name__}: {exc}); is --base-url the API's address?"
            ) from None
        elapsed = time.monotonic() - started
        return Seen(
            response.status_code, _decode(response), dict(response.headers), elapsed, response
        )

    def probe(self) -> None:
        """Fail early, with a clear message, if nothing HTTP answers at the base URL."""
        self.request("GET", "/", root=True)

    @property
    def is_emulator(self) -> bool:
        if self._emulator is None:
            seen = self.request("GET", "/_emulator/health", root=True)
            body = seen.body
            self._emulator = (
                seen.status == 200
                and isinstance(body, dict)
                and body.get("status") == "ok"
                and "spec" in body
            )
        return self._emulator

    def scoped_headers(self) -> dict[str, str]:
        """On an emulator, the run's own namespace; a real service never sees the header."""
        return {NAMESPACE_HEADER: self.namespace} if self._emulator else {}

    def control(self, method: str, path: str, body: Any = None) -> Any:
        if not self.is_emulator:
            return None
        seen = self.request(method, f"/_emulator/{path}", json_body=body, root=True)
        if seen.status >= 400:
            raise CouldNotRun(f"the emulator at {self.base_url} refused {path}: {seen.body}")
        return seen.body

    def advance(self, seconds: float) -> None:
        """Move an emulator's clock; a real service's time cannot be moved."""
        if seconds > 0:
            self.control("POST", "clock/advance", {"seconds": seconds})

    def fresh(self, scenario: str | None = None) -> None:
        """A new namespace (on an emulator), optionally with ``scenario`` as its default."""
        self.namespace = f"contract-{uuid.uuid4().hex[:12]}"
        if self.is_emulator:
            self.control("POST", "reset", {"clock": "manual"})
            if scenario is not None:
                self.control("PUT", "scenario", {"default": scenario})

    def close(self) -> None:
        self.client.close()
