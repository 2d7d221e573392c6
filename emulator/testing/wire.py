"""How a handle's control calls travel: one kept-alive plain-HTTP connection, or any httpx client.

A wire given a ``token`` sends it with every call as ``x-emulator-token``, for a server started
with ``--control-token``.

A control call is small JSON to a server the test suite runs on loopback, so the client's own
cost is what a test pays: httpx spends far longer per request before the server sees it than
the standard library's ``http.client`` does (``bench/fixture_overhead.py`` measures the
fixture's cost). httpx stays for what only it does (an in-process transport, TLS, proxies).
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from typing import Protocol

import httpx

from emulator.http.control.token import TOKEN_HEADER

__all__ = ["HttpxWire", "LoopbackWire", "Wire"]


class Wire(Protocol):
    def send(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        """Send ``body`` (JSON or nothing) to the absolute ``url``; the status and the body."""
        ...

    def close(self) -> None: ...


def _headers(body: bytes | None, token: str | None) -> dict[str, str]:
    headers = {"content-type": "application/json"} if body is not None else {}
    if token is not None:
        headers[TOKEN_HEADER] = token
    return headers


class HttpxWire:
    def __init__(self, client: httpx.Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def send(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        headers = _headers(body, self.token)
        response = self.client.request(method, url, content=body, headers=headers)
        return response.status_code, response.content

    def close(self) -> None:
        self.client.close()


class LoopbackWire:
    """One keep-alive connection to a plain-HTTP server; calls from several threads take turns."""

    def __init__(self, root: str, timeout: float = 10.0, token: str | None = None) -> None:
        parts = urllib.parse.urlsplit(root)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"LoopbackWire speaks plain HTTP, not {root!r}")
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self._lock = threading.Lock()
        self.token = token

    def send(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        parts = urllib.parse.urlsplit(url)
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        headers = _headers(body, self.token)
        with self._lock:
            try:
                return self._exchange(method, target, body, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the idle connection (uvicorn does after a few seconds)
                # before this request reached it: send it again on a new one.
                self._connection.close()
                return self._exchange(method, target, body, headers)

    def _exchange(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        self._connection.request(method, target, body=body, headers=headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        with self._lock:
            self._connection.close()
