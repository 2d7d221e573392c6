"""emulator.speed.memo and the caches built on it: bounded in bytes, not only entries."""

from __future__ import annotations

import json

from emulator.lifecycle.core.job import DECODED, Job, decode_request
from emulator.lifecycle.render.view_cache import ViewCache
from emulator.speed.memo import SizedMemo, memoized


def test_past_its_bytes_the_memo_starts_over() -> None:
    memo = SizedMemo[str, int](max_entries=100, max_bytes=1000)
    for n in range(8):
        memo.put(f"k{n}", n, 100)
    assert len(memo) == 8 and memo.nbytes == 800
    memo.put("k8", 8, 120)
    memo.put("k9", 9, 120)  # 1040 > 1000: starts over with this one
    assert len(memo) == 1 and memo.get("k9") == 9 and memo.nbytes == 120


def test_past_its_entries_the_memo_starts_over() -> None:
    memo = SizedMemo[int, int](max_entries=3, max_bytes=10**9)
    for n in range(4):
        memo.put(n, n, 1)
    assert len(memo) == 1 and memo.get(3) == 3


def test_an_entry_over_an_eighth_of_the_bound_is_not_kept() -> None:
    memo = SizedMemo[str, str](max_entries=100, max_bytes=800)
    memo.put("small", "x", 100)
    memo.put("large", "y", 101)
    assert memo.get("large") is None and memo.get("small") == "x"


def test_decoded_create_requests_stay_within_their_bytes() -> None:
    DECODED.clear()
    for n in range(200):
        raw = json.dumps({"body": {"n": n, "text": "x" * 50_000}}).encode()
        assert decode_request(raw)["body"]["n"] == n
    # 200 requests of 50 kB: 40 MB of parsed values under an entries-only bound of 4,096.
    assert DECODED.nbytes <= DECODED.max_bytes and len(DECODED) < 200


def test_rendered_views_stay_within_their_bytes() -> None:
    cache = ViewCache(size=4096, max_bytes=1 << 20)
    for n in range(100):
        job = Job(f"j{n}", "s", b"{}", 0.0, 0.0, 0.0)
        entry = cache.get(job, "job", lambda: {"text": "x" * 20_000})
        assert entry.payload is not None and len(entry.payload) > 20_000
    assert len(cache) < 20  # 100 views of 20 kB weigh 6 MB: only the last few are kept


def test_a_memoized_function_answers_from_its_memo_within_its_bound() -> None:
    calls: list[int] = []

    @memoized(max_entries=8)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert [square(2), square(2), square(3)] == [4, 4, 9] and calls == [2, 3]
    for n in range(20):
        square(n)
    memo = square.memo  # type: ignore[attr-defined]
    assert isinstance(memo, SizedMemo) and len(memo) <= 8


def test_every_request_path_cache_is_the_one_memo() -> None:
    from emulator.http import header_text, sending
    from emulator.lifecycle.render import views

    caches = [header_text._names, header_text._values, header_text._lists, DECODED]
    caches += [sending._LENGTH_AND_TYPE]
    # (format checks remember nothing: jsonschema-rs answers one in well under a microsecond)
    remembered = (views.format_time, sending._content_type)
    caches += [getattr(function, "memo", None) for function in remembered]
    assert all(isinstance(cache, SizedMemo) for cache in caches)
