"""emulator.http.header_text: request headers decoded once per distinct bytes, in bounds."""

from __future__ import annotations

import pytest

from emulator.http import header_text
from emulator.http.header_text import decode_headers


def test_headers_are_named_in_lower_case_the_last_repeat_wins_and_their_size_counted() -> None:
    raw = [(b"Accept", b"application/json"), (b"X-Tag", b"a"), (b"x-tag", b"b")]
    headers, size = decode_headers(raw)
    assert headers == {"accept": "application/json", "x-tag": "b"}
    assert size == sum(len(k) + len(v) + 4 for k, v in raw)


def test_alike_requests_share_their_header_strings_but_long_values_are_not_kept() -> None:
    token = b"Bearer " + b"t" * 300
    first, _ = decode_headers([(b"authorization", b"Bearer k"), (b"cookie", token)])
    fresh = [(b"".join([b"author", b"ization"]), b"".join([b"Bearer", b" k"])), (b"cookie", token)]
    again, _ = decode_headers(fresh)
    name = next(iter(again))
    assert name is next(iter(first)) and again[name] is first[name]
    assert token not in header_text._values and again["cookie"] == token.decode()


def test_the_caches_start_over_when_full_so_unique_values_cost_a_bounded_amount() -> None:
    kept = header_text._values
    for n in range(3 * kept.max_entries):
        headers, _ = decode_headers([(b"x-request-id", f"id-{n}".encode())])
        assert headers == {"x-request-id": f"id-{n}"}
    assert len(kept) <= kept.max_entries and kept.nbytes <= kept.max_bytes


def test_the_same_list_of_headers_is_decoded_once_into_a_read_only_dict() -> None:
    raw = [(b"host", b"emulator"), (b"authorization", b"Bearer k")]
    first, size = decode_headers(raw)
    again, _ = decode_headers([(bytes(name), bytes(value)) for name, value in raw])
    assert again is first and size == sum(len(k) + len(v) + 4 for k, v in raw)
    with pytest.raises(TypeError):
        first.pop("host")  # type: ignore[attr-defined]
    # A server may send each header as a list: decoded all the same, not remembered.
    listed, _ = decode_headers([[b"Host", b"emulator"]])  # type: ignore[list-item]
    assert listed == {"host": "emulator"}
