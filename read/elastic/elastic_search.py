"""A `SearchRequest` as an Elasticsearch search, and the `SearchPage` from its response.

- Tombstones (`diptych_live: false`) are filtered out of hits, totals and facets alike.
- Every word of the text must occur in some text field: `multi_match` of type `cross_fields`
  with `operator: and` over fields sharing one analyzer is `+(a:w1 b:w1) +(a:w2 b:w2)`.
- Facet counts ignore the filters on their own field and apply the others: filters on faceted
  fields go to `post_filter` (applied to hits and the total, after aggregations), and each facet's
  aggregation is wrapped in a `filter` of the faceted filters on other fields. Filters on fields
  that are not faceted stay in the query, so they narrow hits and facets alike.
- Pages are keyset pages: `sort` is `[sort field or _score, diptych_tb]` and `search_after` takes
  the previous page's last `sort` values, which `Hit.sort_values` carries unchanged; every page of
  one listing asks for the same shard copies (`preference`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from read.documents import FieldType, IndexSpec
from read.elastic.elastic_mappings import BODY, LIVE, TIE
from read.index import (
    JSON,
    AnyOf,
    Document,
    Filter,
    Hit,
    SearchPage,
    SearchRequest,
    Sort,
    Term,
)
from read.index_requests import check_filters, checked_search

FACET_SIZE = 1000
VALUES = "values"  # the terms aggregation under each facet's filter aggregation


def search_body(spec: IndexSpec, request: SearchRequest) -> JSON:
    """The keyword arguments of `AsyncElasticsearch.search` for one page (plus one hit, which
    only tells whether a next page exists). InvalidSearch / InvalidCursor before any request."""
    request = checked_search(spec, request)
    faceted: list[tuple[str, JSON]] = []  # (field, clause) of filters on faceted fields
    plain: list[JSON] = []
    for condition in request.filters:
        found = clause(condition)
        if found is not None and condition.field in request.facets:
            faceted.append((condition.field, found))
        elif found is not None:
            plain.append(found)
    must = [text_query(spec, request.text)] if request.text is not None else []
    body: JSON = {
        "query": {"bool": {"filter": [{"term": {LIVE: True}}, *plain], "must": must}},
        "sort": sort(request.sort),
        "size": request.first + 1,
        "track_total_hits": True,
        "version": True,
        "source_includes": [BODY],
    }
    if faceted:
        body["post_filter"] = _all_of([c for _, c in faceted])
    if request.facets:
        body["aggs"] = {
            name: {
                "filter": _all_of([c for field, c in faceted if field != name]),
                "aggs": {VALUES: {"terms": {"field": name, "size": FACET_SIZE}}},
            }
            for name in request.facets
        }
    body["preference"] = listing(body)
    if request.after is not None:
        body["search_after"] = list(request.after)
    return body


def listing(body: JSON) -> str:
    """A name for one listing, the same on each of its pages: as `preference`, it sends them all
    to the same shard copies. Copies merge segments on their own, so their scores can differ, and
    a relevance cursor is only exact against the copy that scored it."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return f"diptych-{digest[:16]}"


def page(kind: str, request: SearchRequest, response: JSON) -> SearchPage:
    hits = response["hits"]["hits"]
    aggregations = response.get("aggregations", {})
    return SearchPage(
        hits=[
            Hit(Document(kind, h["_id"], int(h["_version"]), h["_source"][BODY]), tuple(h["sort"]))
            for h in hits[: request.first]  # live documents only: the query said so
        ],
        has_next=len(hits) > request.first,
        total=int(response["hits"]["total"]["value"]),
        facets={
            name: {str(b["key"]): int(b["doc_count"])
                   for b in aggregations[name][VALUES]["buckets"]}
            for name in request.facets
        },
    )


def text_query(spec: IndexSpec, text: str) -> JSON:
    fields = [f.name for f in spec.fields if f.type is FieldType.TEXT]
    if not fields:
        return {"match_none": {}}
    return {"multi_match": {
        "query": text, "type": "cross_fields", "fields": fields, "operator": "and",
    }}


def filter_query(spec: IndexSpec, filters: Sequence[Filter], text: str | None = None) -> JSON:
    """Live documents matching every filter and the text (for aggregations)."""
    check_filters(spec, filters)
    clauses = [c for c in (clause(f) for f in filters) if c is not None]
    must = [text_query(spec, text)] if text is not None else []
    return {"bool": {"filter": [{"term": {LIVE: True}}, *clauses], "must": must}}


def clause(condition: Filter) -> JSON | None:
    """The filter clause, or None for a range open at both ends (it matches everything)."""
    if isinstance(condition, AnyOf):
        return {"terms": {condition.field: list(condition.values)}}
    if isinstance(condition, Term):
        return {"term": {condition.field: condition.value}}
    bounds = {k: v for k, v in (("gte", condition.gte), ("lte", condition.lte)) if v is not None}
    return {"range": {condition.field: bounds}} if bounds else None


def sort(order: Sort) -> list[JSON]:
    tie = {TIE: {"order": "asc"}}
    if order.field is None:  # relevance: highest score first, whatever `descending` says
        return [{"_score": {"order": "desc"}}, tie]
    return [{order.field: {"order": "desc" if order.descending else "asc"}}, tie]


def _all_of(clauses: list[JSON]) -> JSON:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}
