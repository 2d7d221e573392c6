"""The event loop's pipelined connection on a real Redis: the calls of one turn leave in one
write and their answers reach the right callers; a lost connection, a silent Redis, a refused
connection, TLS with a password and a database."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from emulator.errors import StateUnavailable
from emulator.lifecycle.persistence.redis_pipe import LoopScript, PipelinedRedis
from tests.redis_support import free_port, need_redis, wait_until


def _run(url: str, calls: Any, **options: Any) -> Any:
    """``calls(pipe)`` on a new event loop's pipelined connection to ``url``."""

    async def main() -> Any:
        pipe = PipelinedRedis(asyncio.get_running_loop(), url, "Redis under test", **options)
        try:
            return await calls(pipe)
        finally:
            await pipe.aclose()

    return asyncio.run(main())


def test_the_calls_of_one_turn_leave_in_one_write_and_each_gets_its_own_answer(
    redis_url: str,
) -> None:
    async def calls(pipe: PipelinedRedis) -> tuple[list[Any], int]:
        await pipe.call("PING")  # connected, one write
        answers = await asyncio.gather(*(pipe.call("ECHO", f"call {n}") for n in range(50)))
        assert pipe._wire is not None
        return list(answers), pipe._wire.writes

    answers, writes = _run(redis_url, calls)
    assert answers == [f"call {n}".encode() for n in range(50)]
    assert writes == 2


def test_a_caller_that_gave_up_does_not_shift_the_answers_of_the_others(redis_url: str) -> None:
    async def calls(pipe: PipelinedRedis) -> list[Any]:
        slow = asyncio.ensure_future(pipe.call("BLPOP", "nothing-here", "0.2"))
        after = asyncio.ensure_future(pipe.call("ECHO", "after"))
        await asyncio.sleep(0.05)
        slow.cancel()
        return [await after, await pipe.call("ECHO", "later")]

    assert _run(redis_url, calls) == [b"after", b"later"]


def test_a_call_whose_connection_was_dropped_is_sent_again_on_a_new_one(
    redis_url: str, redis_server: Any
) -> None:
    killer = redis_server.client()

    async def calls(pipe: PipelinedRedis) -> tuple[Any, int]:
        await pipe.call("PING")
        waiting = asyncio.ensure_future(pipe.call("BLPOP", "nothing-here", "0.3"))
        await asyncio.sleep(0.05)
        killer.client_kill_filter(_type="normal", skipme=True)  # the pipe's connection
        return await waiting, pipe.connections

    answer, connections = _run(redis_url, calls)
    assert answer is None  # the BLPOP sent again timed out as BLPOP does
    assert connections == 2


def test_a_silent_redis_fails_the_call_in_time_and_the_next_call_connects_again(
    redis_url: str,
) -> None:
    async def calls(pipe: PipelinedRedis) -> tuple[str, Any, int]:
        with pytest.raises(StateUnavailable) as silent:
            await pipe.call("BLPOP", "nothing-here", "5")
        return str(silent.value), await pipe.call("ECHO", "back"), pipe.connections

    message, answer, connections = _run(redis_url, calls, reply_timeout=0.2)
    assert "no answer within 0.2 s" in message and "Redis under test" in message
    assert (answer, connections) == (b"back", 2)


def test_a_refused_connection_says_where_it_tried(redis_url: str) -> None:
    port = free_port()

    async def calls(pipe: PipelinedRedis) -> None:
        await pipe.call("PING")

    with pytest.raises(StateUnavailable) as refused:
        _run(f"redis://127.0.0.1:{port}/0", calls)
    assert f"cannot connect to 127.0.0.1:{port}" in str(refused.value)


def test_an_error_answer_is_raised_as_redis_refused_it(redis_url: str) -> None:
    async def calls(pipe: PipelinedRedis) -> None:
        await pipe.call("SET", "a", "1")
        await pipe.script(LoopScript("return redis.call('INCR', 'a') .. 'x' + 1"), [])

    with pytest.raises(redis.ResponseError):
        _run(redis_url, calls)


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A ``redis-server`` speaking only TLS, with a password, and its CA (a self-signed cert)."""
    binary = need_redis()
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (it makes the certificate; .ci/run installs it)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key)]
    certificate += ["-out", str(cert), "-days", "1", "-subj", "/CN=localhost"]
    certificate += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    subprocess.run(
        [openssl, *certificate],
        check=True,
        capture_output=True,
    )
    port = free_port()
    settings = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert)]
    settings += ["--tls-key-file", str(key), "--tls-ca-cert-file", str(cert)]
    settings += ["--tls-auth-clients", "no", "--requirepass", "s3cret", "--save", ""]
    settings += ["--appendonly", "no", "--dir", str(tmp_path), "--loglevel", "warning"]
    process = subprocess.Popen(
        [binary, *settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"rediss://:s3cret@127.0.0.1:{port}/0?ssl_ca_certs={cert}"

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.RedisError:
            return False

    try:
        wait_until(answers, 10, f"redis-server did not answer TLS on {port}")
        yield port, cert
    finally:
        process.terminate()
        process.wait(10)


def test_tls_with_a_password_and_a_database(tls_redis: tuple[int, Path]) -> None:
    port, cert = tls_redis
    url = f"rediss://:s3cret@127.0.0.1:{port}/5?ssl_ca_certs={cert}"

    async def calls(pipe: PipelinedRedis) -> Any:
        await pipe.call("SET", "where", "db five")
        return await pipe.call("CLIENT", "INFO")

    info = _run(url, calls)
    assert b" db=5 " in info
    assert redis.Redis.from_url(url).get("where") == b"db five"

    async def unverified(pipe: PipelinedRedis) -> Any:
        return await pipe.call("PING")

    with pytest.raises(StateUnavailable, match="certificate verify failed"):
        _run(f"rediss://:s3cret@127.0.0.1:{port}/0", unverified)
    assert _run(f"rediss://:s3cret@127.0.0.1:{port}/0?ssl_cert_reqs=none", unverified) == b"PONG"
    with pytest.raises(StateUnavailable, match="Redis refused the connection: WRONGPASS"):
        _run(f"rediss://:wrong@127.0.0.1:{port}/0?ssl_ca_certs={cert}", unverified)
