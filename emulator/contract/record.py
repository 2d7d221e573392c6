"""``jobs-emulator record``: stand in front of a real service, forward everything, keep the story.

Every request is forwarded to the target (its root URL and nothing else; ``--auth`` headers
added or rewritten), and the answer goes back unchanged. Each answer is checked against the
spec (undeclared statuses, missing fields, values the schema lacks: ``drift.json``), the
exchange is journaled with its secrets redacted (``journal.jsonl``), and every job seen is
written as a scenario (``recorded-N.yaml``): its statuses in order per attempt, each lasting
the polls it was seen for and the seconds it lasted on the wall clock, the last one carrying
the error or result the service answered, a cancel as the end of the state it arrived in, and
the service failing (429, 5xx) as the scenario's faults. Files are rewritten after every
exchange, so an interrupted recording loses nothing. ``--scenarios DIR`` then replays the
same story.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator.contract.recording import JobLog, redact_headers, scrub
from emulator.http.app import Emulator
from emulator.http.routing import Router
from emulator.openapi.path_template import parameter_names
from emulator.openapi.spec_facts import base_path
from emulator.openapi.validation import check_response

__all__ = ["Recorder"]

# Headers that describe one hop, not the message: never forwarded either way.
_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "content-length",
        "content-encoding",
        "accept-encoding",
        "proxy-connection",
        "trailer",
    }
)


class Recorder:
    """The ASGI app ``record`` serves: a recording proxy for one target."""

    def __init__(
        self,
        app: Emulator,
        target_url: str,
        out: str | Path,
        auth: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        assert app.profile is not None, "record needs a profile"
        self.spec, self.profile = app.spec, app.profile
        self.target = target_url.rstrip("/")
        self.auth = dict(auth or {})
        self.secrets = [v for v in self.auth.values() if v]
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.router = Router(app.spec.operations, prefix=base_path(app.spec.document))
        self.action_of = {}
        for action, ref in self.profile.operations.items():
            op = app.spec.operation(ref)
            if op is not None:
                self.action_of[op.key] = action
        self.jobs = JobLog(self.profile)
        self.drift: list[dict[str, Any]] = []
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        for name, value in self.auth.items():
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = value
        query = scope.get("query_string", b"").decode("latin-1")
        url = self.target + scope["path"] + (f"?{query}" if query else "")
        started = time.time()
        try:
            # One client per request: nothing stays open when the server's loop closes.
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                answer = await client.request(scope["method"], url, headers=headers, content=body)
        except httpx.HTTPError as exc:
            problem = {"error": f"jobs-emulator record: {self.target} failed: {type(exc).__name__}"}
            await Response(json.dumps(problem), 502, media_type="application/json")(
                scope, receive, send
            )
            return
        # Kept before answering: once the client has its answer, the files already tell it.
        self._keep(scope["method"], scope["path"], query, request.headers, body, answer, started)
        back = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
        await Response(answer.content, answer.status_code, back)(scope, receive, send)

    def _keep(
        self,
        method: str,
        path: str,
        query: str,
        sent: Any,
        body: bytes,
        answer: httpx.Response,
        at: float,
    ) -> None:
        match = self.router.match(method, path)
        op = match.operation
        parsed = _json(answer.content)
        exchange: dict[str, Any] = {
            "at": round(at, 3),
            "method": method,
            "path": path,
            "query": query,
            "operation": op.key if op else None,
            "status": answer.status_code,
            "request_headers": redact_headers(dict(sent), self.auth),
            "response_headers": redact_headers(dict(answer.headers), self.auth),
            "request_body": _json(body),
            "response_body": parsed,
        }
        if op is not None:
            content_type = answer.headers.get("content-type", "").split(";")[0].strip()
            violations = check_response(op, answer.status_code, content_type or None, parsed)
            exchange["violations"] = [v.as_dict() for v in violations]
            for v in violations:
                self.drift.append(
                    {"operation": op.key, "status": answer.status_code, **v.as_dict()}
                )
            action = self.action_of.get(op.key)
            # An error's body may be anything (a gateway's HTML): its status is what counts.
            if action is not None and (isinstance(parsed, dict) or answer.status_code >= 400):
                names = parameter_names(op.path)
                job_id = match.params.get(names[-1]) if names else None
                retry_after = answer.headers.get("retry-after")
                shown = parsed if isinstance(parsed, dict) else {}
                self.jobs.observe(action, job_id, answer.status_code, shown, at, retry_after)
        self._write(exchange)

    def _write(self, exchange: dict[str, Any]) -> None:
        with (self.out / "journal.jsonl").open("a", encoding="utf-8") as journal:
            journal.write(scrub(json.dumps(exchange, ensure_ascii=False), self.secrets) + "\n")
        drift = json.dumps({"violations": self.drift}, indent=2, ensure_ascii=False)
        self._replace("drift.json", drift + "\n")
        for name, text in self.jobs.scenario_files().items():
            self._replace(f"{name}.yaml", text)

    def _replace(self, name: str, text: str) -> None:
        # Written aside, then renamed: a reader never meets a half-written file.
        part = self.out / f".{name}.part"
        part.write_text(scrub(text, self.secrets), encoding="utf-8")
        part.replace(self.out / name)


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
