"""One namespace of one emulator, driven through its control plane: what the fixture hands a test.

Every call goes over HTTP to ``/_emulator/...`` under the namespace's base URL, so the handle
drives a session server, an in-process app (through ``inprocess.InProcessTransport``) or a
``jobs-emulator serve`` started elsewhere, in the same way.

A control call is synchronous, and safe in an async test: the emulator answers on its own loop
(the session server's thread, or the in-process app's), never on the test's, so the call holds
the test's loop for one round trip and nothing it waits for needs that loop. The exception is
a webhook receiver the test serves on its own loop: moving the clock delivers what falls due
before answering, so move it from a thread there (``await asyncio.to_thread(...)``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from emulator.errors import ContractViolationError, EmulatorError
from emulator.testing.journal_query import JournalQuery
from emulator.testing.webhook_receiver import EmulatorWebhooks
from emulator.testing.wire import HttpxWire, LoopbackWire, Wire

__all__ = [
    "EmulatorClock",
    "EmulatorHandle",
    "EmulatorJobs",
    "ReportedViolation",
    "check_violations",
    "plain_http_client",
]

TransportFactory = Callable[[], httpx.BaseTransport]
AsyncTransportFactory = Callable[[], httpx.AsyncBaseTransport]


@functools.cache
def _unused_tls_context() -> ssl.SSLContext:
    # httpx builds an SSL context for every client, loading the system's CA bundle (tens of ms)
    # even when every URL is http://. Handing it this one, made once, skips that; it is never
    # used to connect, since a client given it only ever reaches plain-HTTP URLs.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def plain_http_client(base_url: str = "", **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client``, without the cost of a TLS setup when ``base_url`` is plain HTTP."""
    return httpx.Client(base_url=base_url, **_without_tls(base_url, kwargs))


def _without_tls(base_url: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if base_url.startswith("http://") and "transport" not in kwargs:
        kwargs.setdefault("verify", _unused_tls_context())
    return kwargs


def _close_after_the_test(client: httpx.AsyncClient) -> None:
    """Close an async client the test left open, once the test's event loop is gone.

    pytest-asyncio closes a test's loop before a synchronous fixture's teardown, and trio's run
    has ended: the client is closed on a loop of its own. Nothing it keeps is bound to the loop
    that used it: in process it holds no connection at all, and over a socket
    ``EmulatorHandle.async_client`` keeps none alive between requests, unless told otherwise.
    """
    if client.is_closed:
        return
    if _loop_runs_here():  # ``handle.close()`` from a coroutine: close on a thread of its own
        closer = threading.Thread(target=_close_on_a_new_loop, args=(client,))
        closer.start()
        closer.join()
    else:
        _close_on_a_new_loop(client)


def _loop_runs_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _close_on_a_new_loop(client: httpx.AsyncClient) -> None:
    try:
        asyncio.run(client.aclose())
    except RuntimeError as exc:  # a pooled connection of a loop that is closed
        raise EmulatorError(
            "an emulator.async_client(limits=...) kept a connection alive, and the event loop "
            "it belongs to ended with the test: close the client in the test "
            "(async with emulator.async_client(...) as client)"
        ) from exc


@dataclass(frozen=True, slots=True)
class ReportedViolation:
    """A broken rule the journal recorded, with the request that broke it."""

    seq: int
    method: str
    request_path: str
    operation: str | None
    side: str
    json_path: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.method} {self.request_path} ({self.operation or 'no operation'})"
        message = self.message.removeprefix(f"{self.json_path}: ")  # said once is enough
        return f"{where}: {self.side} {self.json_path}: {message} (rule: {self.rule})"


class EmulatorClock:
    """The namespace's clock: ``now`` in unix seconds; ``advance`` and ``set`` move it forward."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self._handle = handle

    @property
    def now(self) -> float:
        return float(self._handle.control("GET", "clock")["now"])

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds``; returns the new time."""
        return float(self._handle.control("POST", "clock/advance", {"seconds": seconds})["now"])

    def advance_to_next(self) -> float:
        """Move time to the next instant any job of the namespace changes state; returns it.
        Raises ``EmulatorError`` when no job will change with time alone."""
        return float(self._handle.control("POST", "clock/advance", {"to": "next"})["now"])

    def set(self, instant: float | dt.datetime) -> float:
        """Jump to ``instant`` (unix seconds, or an aware datetime); forwards only."""
        now = instant.timestamp() if isinstance(instant, dt.datetime) else instant
        return float(self._handle.control("POST", "clock/set", {"now": now})["now"])


class EmulatorJobs:
    """The namespace's jobs as the control plane shows them (``id``, ``status``, ``view``...)."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self._handle = handle

    def get(self, job_id: str) -> dict[str, Any]:
        return dict(self._handle.control("GET", f"jobs/{job_id}"))

    def all(self) -> list[dict[str, Any]]:
        return list(self._handle.control("GET", "jobs")["jobs"])

    def force(
        self,
        job_id: str,
        status: str,
        error: Any = None,
        result: Any = None,
        fields: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Put a job in a state of your choosing, whatever its scenario says."""
        body = {"status": status, "error": error, "result": result, "fields": fields or {}}
        return dict(self._handle.control("POST", f"jobs/{job_id}", body))


class EmulatorHandle:
    """A test's own namespace: ``url`` for the client under test, the rest to drive and inspect.

    ``clock`` is ``"manual"`` or ``"real"``; ``scenario`` is the namespace's default scenario.
    Both are re-applied by ``reset()``. ``control`` is the wire control calls travel on (they
    go to absolute URLs), shared by the handles on one server so that no test pays for a client
    or a connection; without it the handle opens its own, which sends ``token`` (the server's
    ``--control-token``) with every call.

    In process, ``transport`` and ``async_transport`` make the transports of the clients that
    reach the app, and ``own_url`` is the namespace's URL as the app reaches itself (its webhook
    deliveries to the built-in receiver); ``url`` is then an address where no emulator answers
    (``missed_transport``), so that a client built without the transport fails at once.
    """

    def __init__(
        self,
        url: str,
        namespace: str,
        *,
        api: str | None = None,
        clock: str = "manual",
        scenario: str | None = None,
        transport: TransportFactory | None = None,
        async_transport: AsyncTransportFactory | None = None,
        own_url: str | None = None,
        control: Wire | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.own_url = self.url if own_url is None else own_url.rstrip("/")
        self.token = token
        self.namespace = namespace
        self.api = api
        self.clock_mode = clock
        self.default_scenario = scenario
        self._transport = transport
        self._async_transport = async_transport
        self._clients: list[httpx.Client] = []
        self._async_clients: list[httpx.AsyncClient] = []
        self._wires: list[Wire] = []
        self._control = control if control is not None else self._own_wire()
        self._accepted_seq = 0
        self.lost_violations = self._lost_accepted = 0
        self.clock = EmulatorClock(self)
        self.jobs = EmulatorJobs(self)
        self.journal = JournalQuery(self._journal)
        self.webhooks = EmulatorWebhooks(self)

    @classmethod
    def for_server(
        cls, root: str, namespace: str, own_root: str | None = None, **kwargs: Any
    ) -> EmulatorHandle:
        """A handle on ``namespace`` of a server at ``root`` (e.g. ``http://127.0.0.1:8080``),
        which reaches itself at ``own_root`` (default: ``root``)."""
        own = None if own_root is None else f"{own_root.rstrip('/')}/_ns/{namespace}"
        return cls(f"{root.rstrip('/')}/_ns/{namespace}", namespace, own_url=own, **kwargs)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` whose ``base_url`` is this namespace; closed when the test ends.

        In-process, it reaches the app without a socket: pass it to an SDK as ``http_client=``.
        """
        if self._transport is not None:
            kwargs.setdefault("transport", self._transport())
        client = plain_http_client(self.url, **kwargs)
        self._clients.append(client)
        return client

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` whose ``base_url`` is this namespace; closed when the test
        ends. Pass it to an async SDK as ``http_client=``; any event loop may use it (asyncio,
        or trio where the SDK supports it).

        In process, it reaches the app without a socket. Over a socket it keeps no connection
        alive between requests: a pooled connection belongs to the loop that opened it, and the
        test's loop is gone before the fixture's teardown could close it there (pass
        ``limits=`` to pool them, and close the client in the test).
        """
        if self._async_transport is not None:
            kwargs.setdefault("transport", self._async_transport())
        else:
            kwargs.setdefault("limits", httpx.Limits(max_keepalive_connections=0))
        client = httpx.AsyncClient(base_url=self.url, **_without_tls(self.url, kwargs))
        self._async_clients.append(client)
        return client

    def _own_wire(self) -> Wire:
        if self._transport is None and self.url.startswith("http://"):
            wire: Wire = LoopbackWire(self.url, token=self.token)
        else:
            wire = HttpxWire(self.client(timeout=10.0), self.token)
        self._wires.append(wire)
        return wire

    def control(self, method: str, path: str, body: Any = None, /, **query: str) -> Any:
        """Call ``/_emulator/{path}`` in this namespace; raise EmulatorError on a refusal.

        ``query`` becomes the query string, e.g. ``control("GET", "journal", method="POST")``.
        """
        url = f"{self.url}/_emulator/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        status, content = self._control.send(method, url, data)
        if status >= 400:
            text = content.decode(errors="replace")
            try:
                answer = json.loads(content)
                reason = answer.get("error") or answer.get("detail") or text
            except (ValueError, AttributeError):
                reason = text
            raise EmulatorError(f"{method} /_emulator/{path}: {status} {reason}")
        return json.loads(content)

    def reset(self) -> None:
        """Forget jobs, journal, counters and rate limits; restore the clock mode and scenario."""
        self.control("POST", "reset", {"clock": self.clock_mode})
        self._accepted_seq = 0
        if self.default_scenario is not None:
            self.use_scenario(self.default_scenario)

    def advance_to_next(self) -> float:
        """``clock.advance_to_next()``: time moves to the next instant any job of this
        namespace changes state, whatever the scenario's durations; returns the new time."""
        return self.clock.advance_to_next()

    def free(self) -> Any:
        """Forget the namespace on the server, all of it (the fixture does it at teardown); a
        later request starts a new one under the same name. The answer lists the spec gaps
        its journal held (``spec_gaps``)."""
        freed = self.control("DELETE", "namespace")
        self._accepted_seq = 0
        return freed

    def finish(self) -> Any:
        """``free()``, answering as well the violations recorded since ``accept_violations()``
        (``violations``, ``dropped_violations``): the fixture's teardown in one round trip."""
        freed = self.control("DELETE", "namespace", since=str(self._accepted_seq))
        self.lost_violations = int(freed.get("dropped_violations") or 0)
        self._accepted_seq = 0
        return freed

    def use_scenario(self, name: str | None) -> None:
        """Jobs created from now on play ``name``, unless a header or a ``match`` rule says else."""
        self.control("PUT", "scenario", {"default": name})

    def set_rate_limit(self, requests: int | None, per: float = 1.0) -> None:
        """Answer 429 past ``requests`` API requests per ``per`` seconds; ``None`` lifts it."""
        if requests is None:
            self.control("DELETE", "rate-limit")
        else:
            self.control("PUT", "rate-limit", {"requests": requests, "per": per})

    def violations(self) -> list[ReportedViolation]:
        """Contract violations recorded so far (after any ``accept_violations()``)."""
        return _violations(self._entries_since_accepted(violations="true"))

    def accept_violations(self) -> list[ReportedViolation]:
        """Take the violations so far as intended (a test of bad requests); returns them."""
        entries = self._entries_since_accepted()
        self._accepted_seq = max([e["seq"] for e in entries], default=self._accepted_seq)
        self._lost_accepted = self.lost_violations
        return _violations(entries)

    def _entries_since_accepted(self, **query: str) -> list[dict[str, Any]]:
        answer = self.control("GET", "journal", since=str(self._accepted_seq), **query)
        # Violations the journal had to let go unread (past --journal-bytes): counted, not lost.
        self.lost_violations = int(answer.get("dropped_violations") or 0)
        return list(answer["entries"])

    def close(self) -> None:
        """Close the clients this handle made (a shared control wire stays open)."""
        for wire in self._wires:
            wire.close()
        self.webhooks.close()
        for client in self._clients:
            client.close()
        self._wires.clear()
        self._clients.clear()
        async_clients, self._async_clients = self._async_clients, []
        for async_client in async_clients:  # last: the one close that can raise
            _close_after_the_test(async_client)

    def _journal(self, filters: dict[str, str]) -> list[dict[str, Any]]:
        return list(self.control("GET", "journal", **filters)["entries"])

    def __repr__(self) -> str:
        return f"<EmulatorHandle {self.url} api={self.api} clock={self.clock_mode}>"


def _violations(entries: list[dict[str, Any]]) -> list[ReportedViolation]:
    return [
        ReportedViolation(
            seq=e["seq"],
            method=e["method"],
            request_path=e["path"],
            operation=e.get("operation"),
            side=v["side"],
            json_path=v["path"],
            rule=v["rule"],
            message=v["message"],
        )
        for e in entries
        for v in e.get("violations") or ()
    ]


def check_violations(handle: EmulatorHandle, entries: list[dict[str, Any]] | None = None) -> None:
    """Raise ContractViolationError naming every violation recorded in the namespace (or in
    ``entries``, the ``violations`` that ``finish()`` answered)."""
    __tracebackhide__ = True
    found = handle.violations() if entries is None else _violations(entries)
    lost = handle.lost_violations - handle._lost_accepted
    if found or lost:
        lines = "\n".join(f"  {v}" for v in found)
        if lost:
            lines += f"\n  and {lost} more the journal could not keep (raise --journal-bytes)"
        raise ContractViolationError(
            f"{len(found)} contract violation(s) in emulator namespace {handle.namespace}:\n{lines}"
        )
