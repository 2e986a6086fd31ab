from __future__ import annotations

import asyncio

import pytest

from read import cursors
from read.consistency import ConsistencyToken
from read.errors import InvalidQuery
from read.feed import VisibilityFeed


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


async def test_an_announcement_wakes_every_waiter_that_looked_before_it() -> None:
    feed = VisibilityFeed()
    before = feed.next_change()
    waiters = [asyncio.create_task(before.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    feed.announce()
    await asyncio.wait_for(asyncio.gather(*waiters), 1)
    assert not feed.next_change().is_set()
