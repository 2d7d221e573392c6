"""Facts a spec states once and several rooms read: where its paths live, and the status an
operation answers with when it succeeds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from emulator.openapi.model import Operation

__all__ = ["base_path", "normal_base_path", "success_status"]


def base_path(document: Mapping[str, Any]) -> str:
    """The path of the spec's first ``servers`` URL, where its paths live (``/v1`` for
    ``https://api.example.com/v1``), with server variables at their defaults; ``""`` for none.

    >>> base_path({"servers": [{"url": "https://{region}.example.com/{version}",
    ...             "variables": {"version": {"default": "v2"}, "region": {"default": "eu"}}}]})
    '/v2'
    """
    servers = document.get("servers")
    first = servers[0] if isinstance(servers, list) and servers else None
    url = first.get("url") if isinstance(first, Mapping) else None
    if not isinstance(url, str):
        return ""
    variables = first.get("variables") if isinstance(first, Mapping) else None
    for name, variable in (variables or {}).items():
        if isinstance(variable, Mapping) and "default" in variable:
            url = url.replace("{" + str(name) + "}", str(variable["default"]))
    return normal_base_path(urlsplit(url).path)


def normal_base_path(path: str) -> str:
    """``/v1/`` and ``v1`` as ``/v1``; ``/`` and ``""`` as ``""``."""
    path = path.strip("/")
    return "/" + path if path else ""


def success_status(op: Operation) -> int:
    """The lowest 2xx status ``op`` declares; 200 when it declares none."""
    codes = sorted(int(s) for s in op.responses if s.isdigit() and s.startswith("2"))
    return codes[0] if codes else 200
