from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable

import pytest

from read import opaque_strings
from read.freshness.consistency import ConsistencyToken
from read.freshness.visibility_feed import RESYNC, VisibilityFeed
from read.query import cursors, product_queries, user_queries
from read.query.query_errors import InvalidQuery
from tests.unit.memory_index import MemoryIndex
from write.domain_limits import NAME_MAX, PRODUCT_NAME_MAX

LONGEST_NAME_CHARS = PRODUCT_NAME_MAX


def test_a_consistency_token_round_trips_and_is_opaque() -> None:
    token = ConsistencyToken("user", "abc", 3, 42)
    encoded = token.encode()
    assert "abc" not in encoded
    assert ConsistencyToken.decode(encoded) == token


@pytest.mark.parametrize("garbage", ["", "v1.", "v1.!!!", "v2.W10", "hello", "v1.WyJ1Il0"])
def test_a_malformed_token_is_invalid_input_for_the_consistency_argument(garbage: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        ConsistencyToken.decode(garbage)
    assert raised.value.field == "consistency"


def test_a_cursor_round_trips_under_its_own_sort_only() -> None:
    cursor = cursors.encode("PRICE_ASC", (1250, 77))
    assert cursors.decode("PRICE_ASC", cursor) == (1250, 77)
    with pytest.raises(InvalidQuery):
        cursors.decode("NAME", cursor)
    with pytest.raises(InvalidQuery):
        cursors.decode("PRICE_ASC", "not-a-cursor")


def test_a_cursor_made_before_the_shared_codec_still_decodes() -> None:
    made = "WyJOQU1FIixbIlx1MDBlOSIsN11d"  # ["NAME",["\u00e9",7]], as cursors.py wrote it
    assert cursors.decode("NAME", made) == ("\u00e9", 7)
    assert cursors.encode("NAME", ("\u00e9", 7)) == made


def test_an_opaque_string_over_its_bound_is_refused_before_it_is_decoded() -> None:
    text = opaque_strings.encode(["x" * 20])
    assert opaque_strings.decode(text, len(text)) == ["x" * 20]
    with pytest.raises(opaque_strings.NotOpaque, match="longer than"):
        opaque_strings.decode(text, len(text) - 1)
    with pytest.raises(opaque_strings.NotOpaque, match="longer than"):
        opaque_strings.decode("!" * 11, 10)  # too long is refused even where nothing decodes


@pytest.mark.parametrize("text", [
    pytest.param("!!!", id="not-base64"),
    pytest.param("W10é", id="not-ascii"),
    pytest.param(opaque_strings.encode("x")[:-1], id="cut-short"),
    pytest.param(opaque_strings.encode("x") + "A", id="one-character-too-many"),
    pytest.param("TmFO", id="NaN"),
])
def test_what_is_not_base64_json_is_one_kind_of_refusal(text: str) -> None:
    with pytest.raises(opaque_strings.NotOpaque):
        opaque_strings.decode(text, 100)


async def test_an_announcement_wakes_every_waiter_that_looked_before_it() -> None:
    """(The feed's `next_change()` is gone: whoever waits subscribes, before looking.)"""
    feed = VisibilityFeed()
    with contextlib.ExitStack() as stack:
        before = [stack.enter_context(feed.subscribe("user", ["u-1"])) for _ in range(3)]
        waiters = [asyncio.create_task(s.queue.get()) for s in before]
        await asyncio.sleep(0)
        feed.announce()
        assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [RESYNC] * 3
        with feed.subscribe("user", ["u-1"]) as after:
            assert after.queue.empty()


def forged_cursor(body: str) -> str:
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def refused(call: Callable[[], object]) -> InvalidQuery:
    with pytest.raises(InvalidQuery) as raised:
        call()
    assert (raised.value.code, raised.value.field) == ("BAD_USER_INPUT", "after")
    assert raised.value.message == cursors.NOT_A_CURSOR
    return raised.value


async def test_a_cursor_longer_than_any_real_one_is_refused_before_the_index_is_asked() -> None:
    """The finding: a NAME cursor of 133 KB made the embedded index build regular expressions
    for minutes. The memory index refuses every search, so reaching it would fail differently."""
    cursor = cursors.encode("NAME", ("a" * 100_000, 1))
    assert len(cursor) > 130_000
    with pytest.raises(InvalidQuery) as raised:
        await user_queries.users(MemoryIndex(), sort=user_queries.UserSort.NAME, after=cursor)
    assert (raised.value.code, raised.value.field) == ("BAD_USER_INPUT", "after")
    with pytest.raises(InvalidQuery):
        await product_queries.products(MemoryIndex(), product_queries.ProductFilter(),
                               sort=product_queries.ProductSort.NAME, after=cursor)


@pytest.mark.parametrize("value", [
    pytest.param("a" * (cursors.MAX_SORT_STRING + 1), id="more-characters-than-a-name-key"),
    pytest.param("🍎" * (cursors.MAX_SORT_STRING_BYTES // 4 + 1), id="more-bytes-than-a-name-key"),
    pytest.param("\ud800", id="a-lone-surrogate"),
])
def test_a_short_cursor_with_a_sort_string_no_name_key_can_be_is_refused(value: str) -> None:
    cursor = cursors.encode("NAME", (value, 1))
    assert len(cursor) <= cursors.MAX_CURSOR_LENGTH
    refused(lambda: cursors.decode("NAME", cursor))


@pytest.mark.parametrize("body", [
    '["RELEVANCE",[NaN,1]]',
    '["RELEVANCE",[Infinity,1]]',
    '["NAME",' + "[" * 1500 + "]" * 1500 + "]",  # json's recursion, within the length
    '["NAME",["a",1],"extra"]',
    '["NAME",["a"]]',
])
def test_a_forged_cursor_is_refused_as_bad_input(body: str) -> None:
    cursor = forged_cursor(body)
    assert len(cursor) <= cursors.MAX_CURSOR_LENGTH
    refused(lambda: cursors.decode(body.split('"')[1], cursor))


# Names of the longest kinds the write side accepts, and what a cursor after each one holds.
LONGEST_NAMES = [
    "🍎" * LONGEST_NAME_CHARS,  # four bytes a character, twelve in JSON
    "İ" * LONGEST_NAME_CHARS,  # lower-cases to two characters, "i̇"
    '"\\' * (LONGEST_NAME_CHARS // 2),  # escaped in JSON
    "\u00e9" * LONGEST_NAME_CHARS,
]


@pytest.mark.parametrize("name", LONGEST_NAMES, ids=lambda name: ascii(name[:2]))
def test_a_cursor_after_the_longest_name_the_write_side_accepts_is_accepted(name: str) -> None:
    key = name.lower()
    cursor = cursors.encode("NAME", (key, -(2**63)))
    assert len(cursor) <= cursors.MAX_CURSOR_LENGTH * 0.85  # headroom, as the bound promises
    assert cursors.decode("NAME", cursor) == (key, -(2**63))


def test_the_cursor_bounds_follow_the_write_sides_name_limits() -> None:
    assert cursors.LONGEST_NAME == max(NAME_MAX, PRODUCT_NAME_MAX) == LONGEST_NAME_CHARS
    lowered = [chr(c).lower() for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert max(map(len, lowered)) * cursors.LONGEST_NAME == cursors.MAX_SORT_STRING
    longest_bytes = max(len(s.encode()) for s in lowered)
    assert longest_bytes * cursors.LONGEST_NAME == cursors.MAX_SORT_STRING_BYTES
