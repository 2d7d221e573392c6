"""The event loop's script calls (a request's prefetch and commit) on a real Redis: written
straight on connections the loop's client keeps, they still load a script Redis forgot and
connect again when Redis dropped the connection."""

from __future__ import annotations

import asyncio
from typing import Any

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
