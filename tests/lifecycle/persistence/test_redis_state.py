"""The event loop's script calls (a request's prefetch and commit) on a real Redis: written
straight on connections the loop's client keeps, they still load a script Redis forgot and
connect again when Redis dropped the connection."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from emulator.lifecycle.persistence import redis_state
from emulator.lifecycle.persistence.redis_pipe import PipelinedRedis
from emulator.lifecycle.persistence.redis_state import SharedState


def test_a_loop_script_call_survives_a_flushed_script_cache_and_a_dropped_connection(
    redis_url: str,
) -> None:
    state = SharedState(redis_url, api="unit")
    args = [state.prefix + "ns:1:n:", "", "0", "0"]

    async def calls() -> list[Any]:
        answers = [await state.prefetch_async(args)]
        state.client.script_flush()  # as after a restart without persistence
        answers.append(await state.prefetch_async(args))
        state.client.client_kill_filter(_type="normal", skipme=True)  # the loop's connection
        await asyncio.sleep(0.05)  # the loop sees the connection closed
        answers.append(await state.prefetch_async(args))
        await state.aclose()
        return answers

    answers = asyncio.run(calls())
    state.close()
    assert [answer[0] for answer in answers] == [[], [], []]  # an unknown namespace: no meta
    assert state.reachability.as_dict()["reachable"] is True


def test_each_running_loop_gets_a_connection_of_its_own_and_keeps_it(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipe is reused on its loop without asking which loop runs (a getpid each time); a
    second loop on the same thread, the first one still open, or a loop on another thread,
    gets its own: a future of one loop is never awaited on another."""
    state = SharedState(redis_url, api="unit")
    args = [state.prefix + "ns:1:n:", "", "0", "0"]
    asked: list[asyncio.AbstractEventLoop] = []

    def running_loop() -> asyncio.AbstractEventLoop:
        asked.append(asyncio.get_running_loop())
        return asked[-1]

    monkeypatch.setattr(redis_state, "asyncio", SimpleNamespace(get_running_loop=running_loop))

    async def two_calls() -> tuple[PipelinedRedis, PipelinedRedis]:
        await state.prefetch_async(args)
        first = state._on_loop()
        await state.prefetch_async(args)
        again = state._on_loop()
        await first.aclose()  # nothing left for the collector to close on a dead loop
        return first, again

    first_loop, second_loop = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first, again = first_loop.run_until_complete(two_calls())
        other, _ = second_loop.run_until_complete(two_calls())  # first_loop not closed
        with ThreadPoolExecutor(1) as pool:
            elsewhere = pool.submit(asyncio.run, two_calls()).result()
    finally:
        first_loop.close()
        second_loop.close()
        state.close()
    assert first is again
    assert len(asked) == 3  # once per loop: when its pipe was made
    assert len({id(first), id(other), id(elsewhere[0])}) == 3  # all three alive here
    assert state.reachability.as_dict()["reachable"] is True
