"""The contract of the search-index port (`read/index.py`), run against every adapter.

A new adapter joins by adding its name to `ADAPTERS` and a branch to `build`; the tests speak
only to the `SearchIndex` protocol. Elasticsearch runs against the real cluster at
DIPTYCH_TEST_ELASTICSEARCH_URL and is skipped without it: nothing imitates a cluster here. Each
test gets its own index prefix, and its indices are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from read.documents import PRODUCT, USER
from read.index import (
    RELEVANCE,
    AnyOf,
    Checkpoint,
    Delete,
    Document,
    Hit,
    InvalidSearch,
    Range,
    SearchIndex,
    SearchRequest,
    Sort,
    Term,
    Upsert,
    Write,
    WriteResult,
)
from read.ordering import tie_breaker
from read.query import cursors

ADAPTERS = ["tantivy", "elasticsearch"]
ALL = 1000  # a page size larger than any test's data


@dataclass(frozen=True)
class Cluster:
    """Where an Elasticsearch test's indices live: every index name starts with `prefix-`."""

    url: str
    prefix: str


def build(adapter: str, place: Path | Cluster) -> SearchIndex:
    if adapter == "tantivy" and isinstance(place, Path):
        from read.tantivy.tantivy_index import TantivyIndex

        return TantivyIndex(place)
    if adapter == "elasticsearch" and isinstance(place, Cluster):
        from read.elastic.elastic_index import ElasticIndex

        # The suite reads its writes through search at once, so it asks for refresh=wait_for.
        return ElasticIndex(place.url, prefix=place.prefix, refresh_on_write=True)
    raise ValueError(f"unknown adapter {adapter} for {place}")


async def drop_indices(cluster: Cluster) -> None:
    """Delete every index under the test's prefix, by name: Elasticsearch 8+ refuses wildcard
    deletes by default (`action.destructive_requires_name`)."""
    client = AsyncElasticsearch(cluster.url)
    try:
        found = await client.indices.get(index=f"{cluster.prefix}-*", allow_no_indices=True)
        if found.body:
            await client.indices.delete(index=list(found.body))
    finally:
        await client.close()


@pytest.fixture(params=ADAPTERS)
async def new_index(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], SearchIndex]]:
    """Builds an unopened adapter over this test's storage; every call sees the same data."""
    if request.param == "elasticsearch":
        url: str = request.getfixturevalue("elasticsearch_url")
        cluster = Cluster(url, f"diptych-test-{uuid.uuid4().hex[:12]}")
        try:
            yield partial(build, "elasticsearch", cluster)
        finally:
            await drop_indices(cluster)
    else:
        yield partial(build, request.param, tmp_path / "index")


@pytest.fixture
async def index(new_index: Callable[[], SearchIndex]) -> AsyncIterator[SearchIndex]:
    opened = new_index()
    await opened.open()
    yield opened
    await opened.close()


def product(id: str, name: str = "widget", version: int = 1, **fields: Any) -> Upsert:
    body = {"id": id, "name": name, "name_key": name.lower(), "description": "plain",
            "sku": f"SKU-{id}", "sku_text": f"SKU-{id}", "category": "tools", "status": "active",
            "price": "1.00", "price_cents": 100, "stock": 1, "sold": 0, "added_ms": 0} | fields
    return Upsert(PRODUCT, id, version, body)


def user(id: str, name: str, version: int = 1) -> Upsert:
    email = f"{id}@example.com"
    body = {"id": id, "name": name, "name_key": name.lower(), "email": email, "email_key": email,
            "status": "active", "registered_at": "2024-01-01T00:00:00+00:00", "registered_ms": 0,
            "order_count": 0, "spent_cents": 0}
    return Upsert(USER, id, version, body)


async def live(index: SearchIndex, id: str, kind: str = PRODUCT) -> Document:
    document = await index.get(kind, id)
    assert document is not None, f"{kind}/{id} should be live"
    return document


async def ids(
    index: SearchIndex, request: SearchRequest, kind: str = PRODUCT, first: int = ALL
) -> list[str]:
    page = await index.search(kind, replace(request, first=first))
    return [hit.document.id for hit in page.hits]


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


async def test_an_upserted_document_is_returned_with_its_body_and_version(
    index: SearchIndex,
) -> None:
    write = product("p1", "Kettle", version=3, price_cents=2599)
    assert await index.write([write]) == WriteResult(applied=1, stale=0)
    assert await index.get(PRODUCT, "p1") == Document(PRODUCT, "p1", 3, write.body)
    assert await index.version_of(PRODUCT, "p1") == 3
    assert await index.get(PRODUCT, "nope") is None
    assert await index.version_of(PRODUCT, "nope") is None


async def test_get_many_returns_only_the_live_documents_asked_for(index: SearchIndex) -> None:
    await index.write([product("a"), product("b"), product("c")])
    await index.write([Delete(PRODUCT, "c", 2)])
    found = await index.get_many(PRODUCT, ["a", "c", "missing"])
    assert list(found) == ["a"] and found["a"].id == "a"
    assert await index.get_many(PRODUCT, []) == {}


async def test_a_write_not_newer_than_the_stored_version_is_ignored_and_counted_stale(
    index: SearchIndex,
) -> None:
    await index.write([product("p", "second", version=2)])
    late: list[Write] = [product("p", "first", 1), product("p", "v2", 2), Delete(PRODUCT, "p", 1)]
    assert await index.write(late) == WriteResult(applied=0, stale=3, rejected=((PRODUCT, "p"),))
    assert await live(index, "p") == Document(PRODUCT, "p", 2, product("p", "second").body)


async def test_within_one_batch_the_last_newer_write_wins_and_older_ones_are_stale(
    index: SearchIndex,
) -> None:
    writes = [product("p", "v1", 1), product("p", "v3", 3), product("p", "v2", 2)]
    assert (await index.write(writes)).stale == 1
    assert (await live(index, "p")).body["name"] == "v3"
    assert await index.write([product("q", "v1", 1), product("q", "v2", 2)]) == WriteResult(2, 0)
    assert (await live(index, "q")).body["name"] == "v2"


async def test_a_delete_leaves_a_tombstone_that_hides_the_document(index: SearchIndex) -> None:
    await index.write([product("p", "lamp", 1)])
    assert await index.write([Delete(PRODUCT, "p", 2)]) == WriteResult(applied=1, stale=0)
    assert await index.get(PRODUCT, "p") is None
    assert await index.version_of(PRODUCT, "p") == 2
    assert await ids(index, SearchRequest(text="lamp")) == []


async def test_an_older_upsert_does_not_resurrect_a_deleted_document(index: SearchIndex) -> None:
    await index.write([Delete(PRODUCT, "p", 3)])
    result = await index.write([product("p", "late", 2), product("p", "same", 3)])
    assert result == WriteResult(applied=0, stale=2, rejected=((PRODUCT, "p"),))
    assert await index.get(PRODUCT, "p") is None
    assert await index.version_of(PRODUCT, "p") == 3


async def test_a_newer_upsert_brings_a_deleted_document_back(index: SearchIndex) -> None:
    await index.write([product("p", "old", 1), Delete(PRODUCT, "p", 2)])
    await index.write([product("p", "reborn", 4)])
    assert (await live(index, "p")).version == 4
    assert await ids(index, SearchRequest(text="reborn")) == ["p"]


async def test_a_checkpoint_never_written_is_zero(index: SearchIndex) -> None:
    assert await index.checkpoint("projector") == 0


async def test_a_checkpoint_is_written_together_with_its_batch(index: SearchIndex) -> None:
    await index.write([product("p")], Checkpoint("projector", 7))
    assert await index.checkpoint("projector") == 7
    assert await index.get(PRODUCT, "p") is not None
    assert await index.checkpoint("other") == 0


async def test_a_checkpoint_never_moves_backwards(index: SearchIndex) -> None:
    await index.write([], Checkpoint("projector", 7))
    await index.write([product("p")], Checkpoint("projector", 3))
    assert await index.checkpoint("projector") == 7
    await index.write([product("p", version=1)], Checkpoint("projector", 9))  # a stale batch
    assert await index.checkpoint("projector") == 9


async def test_full_text_requires_every_word_in_any_text_field(index: SearchIndex) -> None:
    await index.write([
        product("both-in-name", "red chair"),
        product("split", "chair", description="painted red"),
        product("sku", "chair", sku_text="RED-1"),
        product("only-red", "red table"),
        product("only-chair", "blue chair"),
    ])
    found = await ids(index, SearchRequest(text="Red CHAIR"))
    assert sorted(found) == ["both-in-name", "sku", "split"]


async def test_full_text_orders_by_relevance(index: SearchIndex) -> None:
    await index.write([
        product("long", "desk lamp with brass arm and marble base"),
        product("short", "lamp"),
        product("none", "chair"),
    ])
    page = await index.search(PRODUCT, SearchRequest(text="lamp"))
    assert [h.document.id for h in page.hits] == ["short", "long"]
    assert page.hits[0].sort_values > page.hits[1].sort_values


async def test_accents_and_case_are_folded_on_both_sides(index: SearchIndex) -> None:
    await index.write([user("u1", "José Núñez"), user("u2", "Zoe Jose")])
    assert await ids(index, SearchRequest(text="jose NUNEZ"), USER) == ["u1"]
    assert sorted(await ids(index, SearchRequest(text="JOSÉ"), USER)) == ["u1", "u2"]


async def test_term_filters_match_keyword_and_integer_fields_exactly(index: SearchIndex) -> None:
    await index.write([
        product("a", category="toys", stock=0), product("b", category="toys", stock=4),
        product("c", category="toys-extra", stock=0), product("d", category="Toys", stock=0),
    ])
    assert sorted(await ids(index, SearchRequest(filters=(Term("category", "toys"),)))) == [
        "a", "b"]
    assert sorted(await ids(index, SearchRequest(filters=(Term("stock", 0),)))) == ["a", "c", "d"]
    both = SearchRequest(filters=(Term("category", "toys"), Term("stock", 0)))
    assert await ids(index, both) == ["a"]


@pytest.mark.parametrize(("gte", "lte", "expected"), [
    (200, 300, ["p200", "p250", "p300"]),
    (300, None, ["p300", "p400"]),
    (None, 200, ["p100", "p200"]),
    (250, 250, ["p250"]),
])
async def test_range_filters_have_inclusive_and_open_bounds(
    index: SearchIndex, gte: int | None, lte: int | None, expected: list[str]
) -> None:
    await index.write([product(f"p{c}", price_cents=c) for c in (100, 200, 250, 300, 400)])
    request = SearchRequest(filters=(Range("price_cents", gte, lte),), sort=Sort("price_cents"))
    assert await ids(index, request) == expected


async def test_documents_of_different_kinds_never_mix_even_under_one_id(
    index: SearchIndex,
) -> None:
    await index.write([user("1", "Ada Lovelace"), product("1", "Ada lamp"), product("2", "Ada")])
    assert await ids(index, SearchRequest(text="ada"), USER) == ["1"]
    assert sorted(await ids(index, SearchRequest(text="ada"), PRODUCT)) == ["1", "2"]
    assert (await live(index, "1", USER)).body["name"] == "Ada Lovelace"
    assert (await live(index, "1", PRODUCT)).body["name"] == "Ada lamp"


async def test_tombstoned_documents_never_appear_in_results_counts_or_facets(
    index: SearchIndex,
) -> None:
    await index.write([product("a", "lamp"), product("b", "lamp"), product("c", "lamp")])
    await index.write([Delete(PRODUCT, "b", 2)])
    page = await index.search(PRODUCT, SearchRequest(text="lamp", facets=("category",)))
    assert sorted(h.document.id for h in page.hits) == ["a", "c"]
    assert page.total == 2
    assert page.facets == {"category": {"tools": 2}}


async def test_the_total_counts_every_match_regardless_of_the_page(index: SearchIndex) -> None:
    await index.write([product(str(i), "lamp") for i in range(5)] + [product("x", "chair")])
    page = await index.search(PRODUCT, SearchRequest(text="lamp", first=2))
    assert (len(page.hits), page.total, page.has_next) == (2, 5, True)


async def test_facets_count_documents_per_keyword_value(index: SearchIndex) -> None:
    await index.write([product("1", category="tools"), product("2", category="tools"),
                       product("3", category="toys", status="discontinued")])
    page = await index.search(PRODUCT, SearchRequest(facets=("category", "status")))
    assert page.facets == {"category": {"tools": 2, "toys": 1},
                           "status": {"active": 2, "discontinued": 1}}


async def test_facet_counts_ignore_filters_on_their_own_field_but_apply_the_others(
    index: SearchIndex,
) -> None:
    await index.write([
        product("1", category="tools"), product("2", category="tools"),
        product("3", category="tools", status="discontinued"),
        product("4", category="toys"), product("5", category="toys", status="discontinued"),
        product("6", category="food"),
    ])
    filters = (Term("category", "tools"), Term("status", "active"))
    request = SearchRequest(filters=filters, facets=("category", "status"))
    page = await index.search(PRODUCT, request)
    assert sorted(h.document.id for h in page.hits) == ["1", "2"]
    assert page.facets == {"category": {"tools": 2, "toys": 1, "food": 1},
                           "status": {"active": 2, "discontinued": 1}}


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


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("data", SORTED_BY)
async def test_pages_sorted_by_a_field_hold_every_document_once_in_the_order_of_one_page(
    index: SearchIndex, data: str, descending: bool, size: int
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
    index: SearchIndex, count: int, size: int
) -> None:
    names = ["chair", "old chair", "chair with a long and winding name"]
    await index.write([product(f"p{i}", names[i % 3]) for i in range(count)] + [product("x")])
    request = SearchRequest(text="chair", sort=RELEVANCE)
    hits = await assert_pages_equal_one_big_page(index, request, size, count)
    scores = [h.sort_values[0] for h in hits]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


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


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("character", ["a", "é", "\uffff", "🍎", "\U0010ffff"], ids=ascii)
async def test_a_cursor_of_the_longest_accepted_sort_string_continues_exactly_after_it(
    index: SearchIndex, character: str, descending: bool
) -> None:
    key = longest_key(character)
    names = around(key)
    assert all(name.lower() == name for name in names)  # so that each name is its own key
    await index.write([product(f"p{i}", name) for i, name in enumerate(names)])
    # The order is (name_key, tie-breaker), the name descending or not, the tie-breaker ascending.
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
    index: SearchIndex,
) -> None:
    await index.write([product(f"p{c}", price_cents=c) for c in (100, 200, 300, 400, 500)])
    request = SearchRequest(sort=Sort("price_cents"))
    after = (await index.search(PRODUCT, replace(request, first=2))).hits[-1].sort_values
    assert await ids(index, replace(request, after=after), first=2) == ["p300", "p400"]
    await index.write([product("cheap", price_cents=50), product("p150", price_cents=150)])
    assert await ids(index, replace(request, after=after), first=2) == ["p300", "p400"]


async def test_clear_removes_documents_tombstones_and_checkpoints(index: SearchIndex) -> None:
    await index.write([product("a"), Delete(PRODUCT, "b", 3)], Checkpoint("projector", 5))
    await index.clear()
    assert await index.get(PRODUCT, "a") is None
    assert await index.version_of(PRODUCT, "a") is None
    assert await index.version_of(PRODUCT, "b") is None
    assert await index.checkpoint("projector") == 0
    assert (await index.search(PRODUCT, SearchRequest())).total == 0
    assert await index.write([product("b", version=1)]) == WriteResult(applied=1, stale=0)


async def test_a_reopened_index_keeps_its_documents_tombstones_and_checkpoint(
    new_index: Callable[[], SearchIndex],
) -> None:
    first = new_index()
    await first.open()
    await first.write([product("a", "lamp", 2), Delete(PRODUCT, "b", 4)], Checkpoint("proj", 9))
    await first.close()
    again = new_index()
    await again.open()
    try:
        assert await live(again, "a") == Document(PRODUCT, "a", 2, product("a", "lamp").body)
        assert await again.version_of(PRODUCT, "b") == 4
        assert await again.checkpoint("proj") == 9
        assert await ids(again, SearchRequest(text="lamp")) == ["a"]
    finally:
        await again.close()


PRICE = Sort("price_cents")


@pytest.mark.parametrize(("sort", "after"), [
    pytest.param(PRICE, ("cheap", 1), id="str-for-int"),
    pytest.param(PRICE, (150.5, 1), id="float-for-int"),
    pytest.param(PRICE, (2**70, 1), id="int-beyond-64-bits"),
    pytest.param(PRICE, (100, "tie"), id="str-tie-breaker"),
    pytest.param(PRICE, (100,), id="too-few-values"),
    pytest.param(Sort("name_key"), (100, 1), id="int-for-keyword"),
    pytest.param(RELEVANCE, ("high", 1), id="str-for-score"),
    pytest.param(RELEVANCE, (math.nan, 1), id="nan-score"),
])
async def test_a_cursor_that_does_not_fit_the_sort_is_an_invalid_search(
    index: SearchIndex, sort: Sort, after: tuple[Any, ...]
) -> None:
    await index.write([product("p", price_cents=100)])
    with pytest.raises(InvalidSearch):
        await index.search(PRODUCT, SearchRequest(sort=sort, after=after))


async def test_a_written_version_becomes_visible_to_readers_waiting_on_it(
    index: SearchIndex,
) -> None:
    await index.write([product("seen")])
    await index.write([Delete(PRODUCT, "gone", 4)])

    seen = await eventually(lambda: index.visible(PRODUCT, "seen"))
    assert seen is not None and (seen.version, seen.body) == (1, product("seen").body)
    await asyncio.sleep(0.2)
    assert await index.visible(PRODUCT, "gone") is None  # a tombstone hides the document
    assert await index.visible(PRODUCT, "never") is None
    assert await index.visible(USER, "seen") is None


async def test_a_refused_write_names_the_document_so_its_writer_can_reread_it(
    index: SearchIndex,
) -> None:
    await index.write([product("p", version=3)])
    result = await index.write([product("p", version=3), product("q", version=1)])
    assert result.rejected == ((PRODUCT, "p"),)


async def test_aggregations_take_elasticsearchs_request_shape_on_every_index(
    index: SearchIndex,
) -> None:
    await index.write([
        product("a", category="input", price_cents=1000, stock=1),
        product("b", category="input", price_cents=3000, stock=0),
        product("c", category="audio", price_cents=5000, stock=2),
    ])
    aggregations = {
        "by_category": {
            "terms": {"field": "category", "size": 10},
            "aggs": {"stock": {"sum": {"field": "stock"}}},
        },
        "prices": {"range": {"field": "price_cents", "ranges": [{"to": 2000}, {"from": 2000}]}},
    }
    result = await index.aggregate(PRODUCT, [AnyOf("category", ("input", "audio"))], aggregations)
    by_category = {b["key"]: (b["doc_count"], b["stock"]["value"])
                   for b in result["by_category"]["buckets"]}
    assert by_category == {"input": (2, 1), "audio": (1, 2)}
    assert [b["doc_count"] for b in result["prices"]["buckets"]] == [1, 2]
    only_input = await index.aggregate(PRODUCT, [Term("category", "input")], aggregations)
    assert [b["key"] for b in only_input["by_category"]["buckets"]] == ["input"]


async def eventually(
    read: Callable[[], Awaitable[Document | None]], within: float = 5
) -> Document | None:
    """Poll `read` until it answers something; search-side visibility may trail a write."""
    deadline = asyncio.get_running_loop().time() + within
    while (value := await read()) is None and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return value


async def test_concurrent_writers_are_applied_as_if_one_after_the_other(
    index: SearchIndex,
) -> None:
    await index.write([product("shared", version=1)])
    results = await asyncio.gather(
        index.write([product("shared", "left", version=2), product("a", version=1)]),
        index.write([product("shared", "right", version=2), product("b", version=1)]),
    )
    assert sorted(len(r.rejected) for r in results) == [0, 1]  # one lost the compare-and-set
    winner = "left" if not results[0].rejected else "right"
    assert (await live(index, "shared")).body["name"] == winner
    assert {(await live(index, i)).version for i in ("a", "b")} == {1}
