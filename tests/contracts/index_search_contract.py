"""What a search finds: full text, filters, facets, totals and aggregations, live documents only.

Checked against every real adapter; the in-memory fake of the unit tests does not search.
"""

from __future__ import annotations

import pytest

from read.index import (
    AnyOf,
    Delete,
    Filter,
    InvalidSearch,
    Range,
    SearchIndex,
    SearchRequest,
    Sort,
    Term,
    WriteResult,
)
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from tests.contracts.index_fixtures import IndexUnderTest, ids, live, product, user


class IndexSearchContract(IndexUnderTest):
    async def test_a_delete_leaves_a_tombstone_that_hides_the_document(
        self, index: SearchIndex
    ) -> None:
        await index.write([product("p", "lamp", 1)])
        assert await index.write([Delete(PRODUCT, "p", 2)]) == WriteResult(applied=1, stale=0)
        assert await index.get(PRODUCT, "p") is None
        assert await index.version_of(PRODUCT, "p") == 2
        assert await ids(index, SearchRequest(text="lamp")) == []

    async def test_a_newer_upsert_brings_a_deleted_document_back(self, index: SearchIndex) -> None:
        await index.write([product("p", "old", 1), Delete(PRODUCT, "p", 2)])
        await index.write([product("p", "reborn", 4)])
        assert (await live(index, "p")).version == 4
        assert await ids(index, SearchRequest(text="reborn")) == ["p"]

    async def test_full_text_requires_every_word_in_any_text_field(
        self, index: SearchIndex
    ) -> None:
        await index.write([
            product("both-in-name", "red chair"),
            product("split", "chair", description="painted red"),
            product("sku", "chair", sku_text="RED-1"),
            product("only-red", "red table"),
            product("only-chair", "blue chair"),
        ])
        found = await ids(index, SearchRequest(text="Red CHAIR"))
        assert sorted(found) == ["both-in-name", "sku", "split"]

    async def test_full_text_orders_by_relevance(self, index: SearchIndex) -> None:
        await index.write([
            product("long", "desk lamp with brass arm and marble base"),
            product("short", "lamp"),
            product("none", "chair"),
        ])
        page = await index.search(PRODUCT, SearchRequest(text="lamp"))
        assert [h.document.id for h in page.hits] == ["short", "long"]
        assert page.hits[0].sort_values > page.hits[1].sort_values

    async def test_accents_and_case_are_folded_on_both_sides(self, index: SearchIndex) -> None:
        await index.write([user("u1", "José Núñez"), user("u2", "Zoe Jose")])
        assert await ids(index, SearchRequest(text="jose NUNEZ"), USER) == ["u1"]
        assert sorted(await ids(index, SearchRequest(text="JOSÉ"), USER)) == ["u1", "u2"]

    async def test_term_filters_match_keyword_and_integer_fields_exactly(
        self, index: SearchIndex
    ) -> None:
        await index.write([
            product("a", category="toys", stock=0), product("b", category="toys", stock=4),
            product("c", category="toys-extra", stock=0), product("d", category="Toys", stock=0),
        ])
        assert sorted(await ids(index, SearchRequest(filters=(Term("category", "toys"),)))) == [
            "a", "b"]
        out_of_stock = SearchRequest(filters=(Term("stock", 0),))
        assert sorted(await ids(index, out_of_stock)) == ["a", "c", "d"]
        both = SearchRequest(filters=(Term("category", "toys"), Term("stock", 0)))
        assert await ids(index, both) == ["a"]

    @pytest.mark.parametrize(("gte", "lte", "expected"), [
        (200, 300, ["p200", "p250", "p300"]),
        (300, None, ["p300", "p400"]),
        (None, 200, ["p100", "p200"]),
        (250, 250, ["p250"]),
    ])
    async def test_range_filters_have_inclusive_and_open_bounds(
        self, index: SearchIndex, gte: int | None, lte: int | None, expected: list[str]
    ) -> None:
        await index.write([product(f"p{c}", price_cents=c) for c in (100, 200, 250, 300, 400)])
        request = SearchRequest(filters=(Range("price_cents", gte, lte),), sort=Sort("price_cents"))
        assert await ids(index, request) == expected

    async def test_documents_of_different_kinds_never_mix_even_under_one_id(
        self, index: SearchIndex,
    ) -> None:
        await index.write(
            [user("1", "Ada Lovelace"), product("1", "Ada lamp"), product("2", "Ada")]
        )
        assert await ids(index, SearchRequest(text="ada"), USER) == ["1"]
        assert sorted(await ids(index, SearchRequest(text="ada"), PRODUCT)) == ["1", "2"]
        assert (await live(index, "1", USER)).body["name"] == "Ada Lovelace"
        assert (await live(index, "1", PRODUCT)).body["name"] == "Ada lamp"

    async def test_tombstoned_documents_never_appear_in_results_counts_or_facets(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product("a", "lamp"), product("b", "lamp"), product("c", "lamp")])
        await index.write([Delete(PRODUCT, "b", 2)])
        page = await index.search(PRODUCT, SearchRequest(text="lamp", facets=("category",)))
        assert sorted(h.document.id for h in page.hits) == ["a", "c"]
        assert page.total == 2
        assert page.facets == {"category": {"tools": 2}}

    async def test_the_total_counts_every_match_regardless_of_the_page(
        self, index: SearchIndex
    ) -> None:
        await index.write([product(str(i), "lamp") for i in range(5)] + [product("x", "chair")])
        page = await index.search(PRODUCT, SearchRequest(text="lamp", first=2))
        assert (len(page.hits), page.total, page.has_next) == (2, 5, True)

    async def test_facets_count_documents_per_keyword_value(self, index: SearchIndex) -> None:
        await index.write([product("1", category="tools"), product("2", category="tools"),
                           product("3", category="toys", status="discontinued")])
        page = await index.search(PRODUCT, SearchRequest(facets=("category", "status")))
        assert page.facets == {"category": {"tools": 2, "toys": 1},
                               "status": {"active": 2, "discontinued": 1}}

    async def test_facet_counts_ignore_filters_on_their_own_field_but_apply_the_others(
        self, index: SearchIndex,
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

    async def test_aggregations_take_elasticsearchs_request_shape_on_every_index(
        self, index: SearchIndex,
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
        either: list[Filter] = [AnyOf("category", ("input", "audio"))]
        result = await index.aggregate(PRODUCT, either, aggregations)
        by_category = {b["key"]: (b["doc_count"], b["stock"]["value"])
                       for b in result["by_category"]["buckets"]}
        assert by_category == {"input": (2, 1), "audio": (1, 2)}
        assert [b["doc_count"] for b in result["prices"]["buckets"]] == [1, 2]
        only_input = await index.aggregate(PRODUCT, [Term("category", "input")], aggregations)
        assert [b["key"] for b in only_input["by_category"]["buckets"]] == ["input"]

    @pytest.mark.parametrize("condition", [
        pytest.param(Term("stock", "4"), id="str-for-integer-term"),
        pytest.param(Term("stock", True), id="bool-for-integer-term"),
        pytest.param(Term("stock", 2**70), id="integer-term-beyond-64-bits"),
        pytest.param(Term("category", 4), id="int-for-keyword-term"),
        pytest.param(AnyOf("category", (4,)), id="int-among-keywords"),  # type: ignore[arg-type]
        pytest.param(Range("stock", gte=1.5), id="float-range-bound"),  # type: ignore[arg-type]
        pytest.param(Range("stock", lte=2**70), id="range-bound-beyond-64-bits"),
        pytest.param(Term("name", "lamp"), id="term-on-text"),
        pytest.param(Range("category", gte=1), id="range-on-keyword"),
        pytest.param(AnyOf("stock", ("4",)), id="any-of-on-integer"),
        pytest.param(Term("colour", "red"), id="unknown-field"),
    ])
    async def test_a_filter_the_field_cannot_answer_is_an_invalid_search_or_aggregation(
        self, index: SearchIndex, condition: Filter
    ) -> None:
        await index.write([product("p", stock=4)])
        with pytest.raises(InvalidSearch):
            await index.search(PRODUCT, SearchRequest(filters=(condition,)))
        with pytest.raises(InvalidSearch):
            await index.aggregate(PRODUCT, [condition], {"stock": {"sum": {"field": "stock"}}})

    @pytest.mark.parametrize("request_", [
        pytest.param(SearchRequest(facets=("name",)), id="facet-on-text"),
        pytest.param(SearchRequest(facets=("stock",)), id="facet-on-integer"),
        pytest.param(SearchRequest(sort=Sort("description")), id="sort-on-text"),
        pytest.param(SearchRequest(sort=Sort("colour")), id="sort-on-unknown-field"),
    ])
    async def test_a_facet_or_sort_the_field_cannot_answer_is_an_invalid_search(
        self, index: SearchIndex, request_: SearchRequest
    ) -> None:
        await index.write([product("p")])
        with pytest.raises(InvalidSearch):
            await index.search(PRODUCT, request_)
        with pytest.raises(InvalidSearch):
            await index.search("colour", SearchRequest())  # no such kind of document
