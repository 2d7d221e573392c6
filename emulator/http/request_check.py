"""The check of each request against its operation, remembered for repeated requests.

A polling client sends the same path and query over and over, and a test suite the same create
body. For an operation that reads no header or cookie parameter, the verdict depends on the
path, the query, the content type and the body alone, so for a small body it is worked out
once: the verdict on the same input is the same verdict, and a remembered ``ParsedRequest`` is
frozen with its parameters and parsed body read-only (``speed.readonly``), since every request
with that input shares it.
"""

from __future__ import annotations

from collections.abc import Mapping

from emulator.http.messages import Incoming
from emulator.openapi.model import Operation
from emulator.openapi.validation import ParsedRequest, RequestChecker
from emulator.speed.memo import SizedMemo
from emulator.speed.readonly import freeze

__all__ = ["RequestCheck"]

_REMEMBERED = 4096
_SMALL_BODY = 2048  # bytes: what the memo holds stays small (at most 8 MiB of bodies)


class RequestCheck:
    def __init__(self, checkers: Mapping[str, RequestChecker]) -> None:
        self.checkers = checkers
        # Keyed by path, query (up to the header limits each) and body: bounded in bytes too.
        self._recent = SizedMemo[tuple[str, str, str, str, bytes], ParsedRequest](
            _REMEMBERED, 8 << 20
        )
        # By operation: it reads path and query parameters only, so its verdict depends on the
        # path, the query, the content type and the body alone.
        self._path_only: dict[str, bool] = {}

    def check(
        self, op: Operation, key: str, params: Mapping[str, str], incoming: Incoming
    ) -> ParsedRequest:
        """``incoming`` checked as a request to ``op`` (whose key is ``key``), with ``params``
        its path parameters."""
        memo = None
        headers = incoming.headers
        body = incoming.body
        path_only = self._path_only.get(key)
        if path_only is None:
            path_only = self._path_only[key] = all(
                p.location in ("path", "query") for p in op.parameters
            )
        if len(body) <= _SMALL_BODY and path_only:
            content_type = headers.get("content-type", "") if body else ""
            memo = (key, incoming.path, incoming.query_string, content_type, body)
            found = self._recent.get(memo)
            if found is not None:
                return found
        parsed = self.checkers[key].check(
            params, incoming.query, headers, headers.get("content-type", ""), incoming.body
        )
        if memo is not None:
            parsed = ParsedRequest(
                freeze(parsed.params), freeze(parsed.query), freeze(parsed.body), parsed.violations
            )
            # The parsed body is kept too: a few times its bytes.
            weight = len(incoming.path) + len(incoming.query_string) + 4 * len(body) + 600
            self._recent.put(memo, parsed, weight)
        return parsed
