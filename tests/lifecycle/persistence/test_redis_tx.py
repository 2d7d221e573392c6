"""redis_tx on a real Redis: what a transaction read is checked by its commit, grouped by key."""

from __future__ import annotations

import pytest

from emulator.lifecycle.persistence.redis_state import SharedState
from emulator.lifecycle.persistence.redis_tx import Conflict, current


def test_a_commit_checks_every_field_it_read_however_many_and_fails_on_any_change(
    redis_url: str,
) -> None:
    """A listing reads thousands of fields of one hash in one transaction: more than Lua can
    pass to one command at once. Every one is checked; a change to any one is a conflict."""
    state = SharedState(redis_url, api="unit")
    key, fields = state.prefix + "wide", [f"f{n}" for n in range(9000)]
    state.client.hset(key, mapping=dict.fromkeys(fields, "v"))
    state.client.hset(key, "f8999", "last")

    def read_all_then_write() -> list[bytes | None]:
        values = current().hmget(key, fields)
        current().hset(key, "written", b"1")
        return values

    values = state.run(read_all_then_write)
    assert values[0] == b"v" and values[-1] == b"last"
    assert state.client.hget(key, "written") == b"1"

    tx = state.transaction()
    read = tx.hmget(key, fields)
    assert read[-1] == b"last"
    tx.hset(key, "written", b"2")
    state.client.hset(key, "f8999", "changed by another worker")
    with pytest.raises(Conflict) as conflict:
        tx.commit()
    assert conflict.value.args == (key.encode(), b"f8999")
    assert state.client.hget(key, "written") == b"1"  # nothing of the failed commit applied
    state.close()


def test_checks_of_two_keys_and_a_member_go_in_one_commit(redis_url: str) -> None:
    state = SharedState(redis_url, api="unit")
    first, second, members = state.prefix + "a", state.prefix + "b", state.prefix + "set"
    state.client.hset(first, "x", "1")
    state.client.zadd(members, {"m": 1})

    def write() -> None:
        tx = current()
        tx.hget(first, "x")
        tx.hget(second, "absent")
        tx.expect_member(members, "m")
        tx.hset(second, "y", b"2")

    state.run(write)
    assert state.client.hget(second, "y") == b"2"

    tx = state.transaction()
    tx.expect_member(members, "m")
    tx.hget(first, "x")
    tx.hset(second, "y", b"3")
    state.client.zrem(members, "m")
    with pytest.raises(Conflict) as conflict:
        tx.commit()
    assert conflict.value.args == (members.encode(), b"m")
    state.close()
