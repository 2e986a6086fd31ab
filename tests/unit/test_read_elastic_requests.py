"""The requests the Elasticsearch adapter builds, checked as plain data (no network).

These tests pin down Diptych's translation of the port into Elasticsearch request bodies, bulk
actions and mappings, and its reading of response bodies shaped as the Elasticsearch reference
documents them. They do not test Elasticsearch: whether the cluster answers as documented is the
business of the contract suite (`tests/contracts/index_contract.py`, run by
`tests/integration/test_elastic_index.py`), which runs against a real cluster whenever
DIPTYCH_TEST_ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest
from elasticsearch.helpers import expand_action

from read.documents import FieldType
from read.elastic.elastic_client import redacted
from read.elastic.elastic_mappings import (
    ANALYZER,
    SETTINGS,
    Names,
    document,
    document_mappings,
    fingerprint,
    source,
)
from read.elastic.elastic_search import page, search_body
from read.elastic.elastic_writes import Tally, WriteRejected, action, plan
from read.index import (
    RELEVANCE,
    AnyOf,
    Delete,
    Document,
    Hit,
    InvalidCursor,
    InvalidSearch,
    Range,
    SearchRequest,
    Sort,
    Term,
    Upsert,
    Write,
)
from read.ordering import tie_breaker
from read.projection.product_documents import PRODUCT, PRODUCT_SPEC
from read.projection.user_documents import USER_SPEC

LIVE_ONLY = {"term": {"diptych_live": True}}
BY_TIE = {"diptych_tb": {"order": "asc"}}


def product(id: str = "p1", version: int = 3) -> Upsert:
    body = {"id": id, "name": "Desk lamp", "name_key": "desk lamp", "description": "brass",
            "sku": "SKU-1", "sku_text": "SKU-1", "category": "lights", "status": "active",
            "price": "12.50", "price_cents": 1250, "stock": 4, "sold": 0, "added_ms": 7}
    return Upsert(PRODUCT, id, version, body)


def test_a_filtered_faceted_page_after_a_cursor_puts_facet_field_filters_in_the_post_filter(
) -> None:
    request = SearchRequest(
        text="brass lamp",
        filters=(Term("category", "lights"), Range("price_cents", gte=100),
                 Term("status", "active")),
        sort=Sort("price_cents", descending=True),
        first=20,
        after=(1250, -42),
        facets=("category", "status"),
    )
    category, status = {"term": {"category": "lights"}}, {"term": {"status": "active"}}
    body = search_body(PRODUCT_SPEC, request)
    assert body.pop("preference").startswith("diptych-")
    assert body == {
        "query": {"bool": {
            "filter": [LIVE_ONLY, {"range": {"price_cents": {"gte": 100}}}],
            "must": [{"multi_match": {
                "query": "brass lamp", "type": "cross_fields", "operator": "and",
                "fields": ["name", "description", "sku_text"],
            }}],
        }},
        "post_filter": {"bool": {"filter": [category, status]}},
        "aggs": {
            "category": {"filter": {"bool": {"filter": [status]}},
                         "aggs": {"values": {"terms": {"field": "category", "size": 1000}}}},
            "status": {"filter": {"bool": {"filter": [category]}},
                       "aggs": {"values": {"terms": {"field": "status", "size": 1000}}}},
        },
        "sort": [{"price_cents": {"order": "desc"}}, BY_TIE],
        "search_after": [1250, -42],
        "size": 21,
        "track_total_hits": True,
        "version": True,
        "source_includes": ["body"],
    }


def test_every_page_of_a_listing_reads_the_same_shard_copies_and_other_listings_spread() -> None:
    first = SearchRequest(text="lamp")
    preference = search_body(PRODUCT_SPEC, first)["preference"]
    assert search_body(PRODUCT_SPEC, replace(first, after=(1.5, 3)))["preference"] == preference
    assert search_body(PRODUCT_SPEC, replace(first, text="desk"))["preference"] != preference


def test_a_facet_without_filters_on_other_facets_counts_everything_the_query_matches() -> None:
    body = search_body(PRODUCT_SPEC, SearchRequest(filters=(Term("stock", 0),),
                                                   facets=("category",)))
    assert body["query"]["bool"]["filter"] == [LIVE_ONLY, {"term": {"stock": 0}}]
    assert "post_filter" not in body
    assert body["aggs"]["category"]["filter"] == {"match_all": {}}


def test_relevance_orders_by_score_then_tie_breaker_and_takes_a_numeric_score_cursor() -> None:
    body = search_body(USER_SPEC, SearchRequest(text="ada", sort=RELEVANCE, after=(2, 7)))
    assert body["sort"] == [{"_score": {"order": "desc"}}, BY_TIE]
    assert body["search_after"] == [2.0, 7]
    assert body["query"]["bool"]["must"][0]["multi_match"]["fields"] == ["name", "email"]


def test_no_text_means_no_scoring_clause_and_an_open_range_means_no_clause() -> None:
    request = SearchRequest(filters=(Range("stock"),), sort=Sort("name_key"))
    body = search_body(PRODUCT_SPEC, request)
    assert body["query"] == {"bool": {"filter": [LIVE_ONLY], "must": []}}
    assert body["sort"] == [{"name_key": {"order": "asc"}}, BY_TIE]
    assert "search_after" not in body and "aggs" not in body


@pytest.mark.parametrize(("sort", "after"), [
    pytest.param(Sort("price_cents"), ("cheap", 1), id="str-for-int"),
    pytest.param(Sort("price_cents"), (150.5, 1), id="float-for-int"),
    pytest.param(Sort("price_cents"), (2**70, 1), id="int-beyond-64-bits"),
    pytest.param(Sort("price_cents"), (True, 1), id="bool-for-int"),
    pytest.param(Sort("price_cents"), (100, "tie"), id="str-tie-breaker"),
    pytest.param(Sort("price_cents"), (100,), id="too-few-values"),
    pytest.param(Sort("name_key"), (100, 1), id="int-for-keyword"),
    pytest.param(RELEVANCE, ("high", 1), id="str-for-score"),
    pytest.param(RELEVANCE, (float("nan"), 1), id="nan-score"),
    pytest.param(Sort("name_key"), ("a" * 401, 1), id="longer-than-any-name-key"),
])
def test_a_cursor_that_does_not_fit_the_sort_is_refused_before_any_request(
    sort: Sort, after: tuple[Any, ...]
) -> None:
    with pytest.raises(InvalidCursor):
        search_body(PRODUCT_SPEC, SearchRequest(text="lamp", sort=sort, after=after))


@pytest.mark.parametrize("request_", [
    pytest.param(SearchRequest(facets=("name",)), id="facet-on-text"),
    pytest.param(SearchRequest(facets=("stock",)), id="facet-on-integer"),
    pytest.param(SearchRequest(filters=(Term("name", "x"),)), id="term-on-text"),
    pytest.param(SearchRequest(filters=(Term("stock", "4"),)), id="str-for-integer-term"),
    pytest.param(SearchRequest(filters=(Term("category", 4),)), id="int-for-keyword-term"),
    pytest.param(SearchRequest(filters=(Term("stock", True),)), id="bool-for-integer-term"),
    pytest.param(SearchRequest(filters=(AnyOf("category", (4,)),)),  # type: ignore[arg-type]
                 id="int-among-keywords"),
    pytest.param(SearchRequest(filters=(Range("stock", lte=2**70),)), id="bound-beyond-64-bits"),
    pytest.param(SearchRequest(filters=(Range("category", gte=1),)), id="range-on-keyword"),
    pytest.param(SearchRequest(sort=Sort("description")), id="sort-on-text"),
    pytest.param(SearchRequest(filters=(Term("colour", "red"),)), id="unknown-field"),
])
def test_a_request_the_mapping_cannot_answer_is_an_invalid_search(request_: SearchRequest) -> None:
    with pytest.raises(InvalidSearch):
        search_body(PRODUCT_SPEC, request_)


def test_a_response_becomes_hits_with_their_sort_values_a_total_and_facet_counts() -> None:
    body = product().body
    response = {
        "hits": {"total": {"value": 7, "relation": "eq"}, "hits": [
            {"_id": "p1", "_version": 3, "_source": {"body": body}, "sort": ["desk lamp", -5]},
            {"_id": "p2", "_version": 1, "_source": {"body": body}, "sort": ["desk lamp", 9]},
        ]},
        "aggregations": {"category": {"doc_count": 7, "values": {"buckets": [
            {"key": "lights", "doc_count": 5}, {"key": "tools", "doc_count": 2}]}}},
    }
    request = SearchRequest(sort=Sort("name_key"), first=1, facets=("category",))
    result = page(PRODUCT, request, response)
    assert result.hits == [Hit(Document(PRODUCT, "p1", 3, body), ("desk lamp", -5))]
    assert (result.has_next, result.total) == (True, 7)
    assert result.facets == {"category": {"lights": 5, "tools": 2}}


def test_an_upsert_is_an_index_action_with_its_external_version_and_a_live_source() -> None:
    write = product(version=3)
    bulk = action(write, "diptych-product-vabc")
    assert {k: v for k, v in bulk.items() if k != "_source"} == {
        "_op_type": "index", "_index": "diptych-product-vabc", "_id": "p1",
        "version": 3, "version_type": "external",
    }
    assert bulk["_source"] == {
        "diptych_live": True, "diptych_tb": tie_breaker(PRODUCT, "p1"), "body": write.body,
        "name": "Desk lamp", "description": "brass", "sku_text": "SKU-1", "sku": "SKU-1",
        "category": "lights", "status": "active", "name_key": "desk lamp",
        "price_cents": 1250, "stock": 4, "sold": 0, "added_ms": 7,
    }
    # The client's own bulk helper puts version and version_type into the action line.
    header, data = expand_action(bulk)
    assert header == {"index": {"_index": "diptych-product-vabc", "_id": "p1", "version": 3,
                                "version_type": "external"}}
    assert data == bulk["_source"]


def test_a_delete_is_a_versioned_tombstone_not_an_elasticsearch_delete() -> None:
    bulk = action(Delete(PRODUCT, "p1", 4), "diptych-product-vabc")
    assert (bulk["_op_type"], bulk["version"], bulk["version_type"]) == ("index", 4, "external")
    assert bulk["_source"] == {"diptych_live": False, "diptych_tb": tie_breaker(PRODUCT, "p1")}
    assert document(PRODUCT, "p1", 4, bulk["_source"]) is None


def test_an_upsert_without_an_indexed_field_is_refused_before_sending() -> None:
    write = product()
    with pytest.raises(ValueError, match="price_cents"):
        source(Upsert(PRODUCT, "p1", 1, {k: v for k, v in write.body.items()
                                         if k != "price_cents"}))


def test_a_batch_sends_the_newest_write_per_document_and_counts_older_ones_stale() -> None:
    writes: list[Write] = [product("p", 1), product("p", 3), product("p", 2)]
    writes.append(Delete(PRODUCT, "q", 5))
    planned, stale = plan(writes)
    assert stale == 1
    assert [(p.write.id, p.write.version, p.versions) for p in planned] == [
        ("p", 3, (1, 3)), ("q", 5, (5,))]
    assert planned[0].newer_than(2) == 1 and planned[0].newer_than(0) == 2


def test_bulk_results_count_successes_as_applied_and_version_conflicts_as_stale() -> None:
    tally = Tally(stale=1)
    tally.record({"index": {"_index": "i", "_id": "a", "status": 201, "result": "created"}}, 2)
    tally.record({"index": {"_index": "i", "_id": "b", "status": 409, "error": {
        "type": "version_conflict_engine_exception", "reason": "version conflict"}}}, 1)
    assert (tally.applied, tally.stale) == (2, 2)
    tally.raise_failures()
    tally.record({"index": {"_index": "i", "_id": "c", "status": 400, "error": {
        "type": "document_parsing_exception", "reason": "strict mapping"}}}, 1)
    with pytest.raises(WriteRejected, match="c: 400 document_parsing_exception strict mapping"):
        tally.raise_failures()


def test_text_is_analysed_like_the_embedded_index_and_every_field_is_mapped_strictly() -> None:
    analysis = SETTINGS["analysis"]
    analyzer = analysis["analyzer"][ANALYZER]
    assert analysis["tokenizer"][analyzer["tokenizer"]] == {
        "type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}  # tantivy's simple tokenizer
    assert analyzer["filter"][-2:] == ["lowercase", "asciifolding"]
    mappings = document_mappings(PRODUCT_SPEC)
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    assert properties["body"] == {"type": "object", "enabled": False}
    assert (properties["diptych_live"], properties["diptych_tb"]) == (
        {"type": "boolean"}, {"type": "long"})
    expected = {FieldType.TEXT: {"type": "text", "analyzer": ANALYZER},
                FieldType.KEYWORD: {"type": "keyword"}, FieldType.INTEGER: {"type": "long"}}
    assert all(properties[f.name] == expected[f.type] for f in PRODUCT_SPEC.fields)


def test_index_names_carry_the_layout_fingerprint_and_aliases_do_not() -> None:
    names = Names("diptych-test-1")
    assert names.index(PRODUCT) == f"diptych-test-1-product-v{fingerprint()}"
    assert names.alias(PRODUCT) == "diptych-test-1-product"
    with pytest.raises(ValueError):
        Names("Diptych*")


def test_the_tie_breaker_is_the_one_the_embedded_index_already_stores() -> None:
    digest = hashlib.blake2b(b"product/p1", digest_size=8).digest()
    assert tie_breaker(PRODUCT, "p1") == int.from_bytes(digest, "big", signed=True)
    assert tie_breaker(PRODUCT, "p1") != tie_breaker("user", "p1")


@pytest.mark.parametrize(("url", "shown"), [
    ("http://elastic:s3cret@127.0.0.1:9200", "http://elastic:***@127.0.0.1:9200"),
    ("https://elastic:s3cret@es.example.com/prefix", "https://elastic:***@es.example.com/prefix"),
    ("http://elastic:s3cret@[::1]:9200", "http://elastic:***@[::1]:9200"),
    ("http://elastic:s3/cr?et@es:9200", "http://elastic:***@es:9200"),  # '/' and '?' in it
    ("http://es:9200", "http://es:9200"),
    ("https://es.example.com", "https://es.example.com"),
])
def test_a_cluster_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted(url) == shown


def test_a_cluster_url_that_does_not_parse_is_not_shown_at_all() -> None:
    assert "s3cret" not in redacted("http://elastic:s3cret@es:9200#fragment")
