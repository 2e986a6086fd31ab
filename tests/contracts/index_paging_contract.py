"""Pages in the total order `(sort value, tie-breaker)`: keyset pages that hold every document once,
and cursors checked against the sort they claim to continue.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from read.index import RELEVANCE, Hit, InvalidCursor, SearchIndex, SearchRequest, Sort
from read.ordering import tie_breaker
from read.projection.product_documents import PRODUCT
from read.query import cursors
from tests.contracts.index_fixtures import ALL, IndexUnderTest, ids, product


async def assert_pages_equal_one_big_page(
    index: SearchIndex, request: SearchRequest, size: int, expected: int
) -> list[Hit]:
    """Pages of `size` hold the hits of one big page, in order; only the last has no next."""
    whole = list((await index.search(PRODUCT, replace(request, first=ALL))).hits)
    assert len({h.document.id for h in whole}) == len(whole) == expected
    paged: list[Hit] = []
    has_next = [True]
    while has_next[-1] and len(has_next) <= expected + 1:  # a bound, should has_next lie
        after = paged[-1].sort_values if paged else None
        page = await index.search(PRODUCT, replace(request, first=size, after=after))
        paged += page.hits
        has_next.append(page.has_next)
    assert [h.document.id for h in paged] == [h.document.id for h in whole]
    assert len(has_next) - 1 == math.ceil(expected / size)
    return whole


PRICES = [300, 100, 200, 100, 300, 200, 100, 300, 100, 200]
NAMES = ["äpfel", "apple", "apple pie", "Apple", "b", "zeta", "b", "apple pie à la mode", "🍎",
         "zéta", "", "apple\x00"]
PREFIX = "a product name as long as the write side allows, " * 4  # 200 characters
LONG_NAMES = [PREFIX, PREFIX[:199] + "b", PREFIX[:199] + "ä", PREFIX[:190], "b", "a"]
SORTED_BY = {
    "price-ties": ("price_cents", [product(f"p{i}", price_cents=c) for i, c in enumerate(PRICES)]),
    "names": ("name_key", [product(f"p{i}", name) for i, name in enumerate(NAMES)]),
    "long-names": ("name_key", [product(f"p{i}", name) for i, name in enumerate(LONG_NAMES)]),
}


def longest_key(character: str) -> str:
    """The longest sort string of one character that a cursor may carry (read/query/cursors.py)."""
    bound = min(cursors.MAX_SORT_STRING, cursors.MAX_SORT_STRING_BYTES // len(character.encode()))
    return character * bound


def around(key: str) -> list[str]:
    """Names sorting just before, at and after `key`, differing from it near its end and start."""
    head, last = key[:-1], ord(key[-1])
    near = [chr(c) for c in (last - 1, last + 1) if c <= 0x10FFFF]
    return [key, key, key, head, key + "a", "", "b", key[:1], *(head + c for c in near),
            *(key[:-2] + c + key[-1] for c in near), *(key[: len(key) // 2] + c for c in near)]


PRICE = Sort("price_cents")


class IndexPagingContract(IndexUnderTest):
    @pytest.mark.parametrize("size", [2, 3])
    @pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
    @pytest.mark.parametrize("data", SORTED_BY)
    async def test_pages_sorted_by_a_field_hold_every_document_once_in_the_order_of_one_page(
        self, index: SearchIndex, data: str, descending: bool, size: int
    ) -> None:
        field, writes = SORTED_BY[data]
        await index.write(writes)
        request = SearchRequest(sort=Sort(field, descending))
        hits = await assert_pages_equal_one_big_page(index, request, size, len(writes))
        values = [h.document.body[field] for h in hits]
        assert values == sorted((w.body[field] for w in writes), reverse=descending)

    @pytest.mark.parametrize("size", [2, 3])
    @pytest.mark.parametrize("count", [9, 100])
    async def test_pages_by_relevance_with_tied_scores_hold_every_document_once_in_order(
        self, index: SearchIndex, count: int, size: int
    ) -> None:
        names = ["chair", "old chair", "chair with a long and winding name"]
        await index.write([product(f"p{i}", names[i % 3]) for i in range(count)] + [product("x")])
        request = SearchRequest(text="chair", sort=RELEVANCE)
        hits = await assert_pages_equal_one_big_page(index, request, size, count)
        scores = [h.sort_values[0] for h in hits]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3

    @pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
    @pytest.mark.parametrize("character", ["a", "é", "\uffff", "🍎", "\U0010ffff"], ids=ascii)
    async def test_a_cursor_of_the_longest_accepted_sort_string_continues_exactly_after_it(
        self, index: SearchIndex, character: str, descending: bool
    ) -> None:
        key = longest_key(character)
        names = around(key)
        assert all(name.lower() == name for name in names)  # so that each name is its own key
        await index.write([product(f"p{i}", name) for i, name in enumerate(names)])
        # The order is (name_key, tie-breaker), the name descending or not, the tie-breaker
        # ascending.
        order = sorted(((n, tie_breaker(PRODUCT, f"p{i}")), f"p{i}") for i, n in enumerate(names))
        order.sort(key=lambda hit: hit[0][0], reverse=descending)
        request = SearchRequest(sort=Sort("name_key", descending), first=3)
        assert len(key) == cursors.MAX_SORT_STRING or len((key + character).encode()) > (
            cursors.MAX_SORT_STRING_BYTES)
        first_of_three = min(sort for sort, _ in order if sort[0] == key)  # then 2 ties, 1 beyond
        forged = key[:-3] + chr(ord(key[-1]) - 1) + key[-2:]  # as long, yet no document's
        for after in [first_of_three, (key, 0), (forged, 7)]:
            cursor = cursors.encode("NAME", after)
            assert len(cursor) <= cursors.MAX_CURSOR_LENGTH
            assert cursors.decode("NAME", cursor) == after  # accepted at the bound
            beyond = [id for (name, tie), id in order
                      if (name < after[0] if descending else name > after[0])
                      or (name == after[0] and tie > after[1])]
            assert await ids(index, replace(request, after=after), first=3) == beyond[:3]

    async def test_a_document_inserted_before_the_cursor_does_not_shift_the_next_page(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product(f"p{c}", price_cents=c) for c in (100, 200, 300, 400, 500)])
        request = SearchRequest(sort=Sort("price_cents"))
        after = (await index.search(PRODUCT, replace(request, first=2))).hits[-1].sort_values
        assert await ids(index, replace(request, after=after), first=2) == ["p300", "p400"]
        await index.write([product("cheap", price_cents=50), product("p150", price_cents=150)])
        assert await ids(index, replace(request, after=after), first=2) == ["p300", "p400"]

    @pytest.mark.parametrize(("sort", "after"), [
        pytest.param(PRICE, ("cheap", 1), id="str-for-int"),
        pytest.param(PRICE, (150.5, 1), id="float-for-int"),
        pytest.param(PRICE, (2**70, 1), id="int-beyond-64-bits"),
        pytest.param(PRICE, (100, "tie"), id="str-tie-breaker"),
        pytest.param(PRICE, (100,), id="too-few-values"),
        pytest.param(Sort("name_key"), (100, 1), id="int-for-keyword"),
        pytest.param(RELEVANCE, ("high", 1), id="str-for-score"),
        pytest.param(RELEVANCE, (math.nan, 1), id="nan-score"),
        pytest.param(RELEVANCE, (math.inf, 1), id="infinite-score"),
        pytest.param(PRICE, (True, 1), id="bool-for-int"),
        pytest.param(PRICE, (100, 1, 2), id="too-many-values"),
        pytest.param(Sort("name_key"), (longest_key("a") + "a", 1), id="longer-than-any-name-key"),
    ])
    async def test_a_cursor_that_does_not_fit_the_sort_is_an_invalid_search(
        self, index: SearchIndex, sort: Sort, after: tuple[Any, ...]
    ) -> None:
        """`InvalidCursor`, an `InvalidSearch` the query layer answers as a foreign cursor."""
        await index.write([product("p", price_cents=100)])
        with pytest.raises(InvalidCursor):
            await index.search(PRODUCT, SearchRequest(sort=sort, after=after))
