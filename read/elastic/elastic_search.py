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
import math
from collections.abc import Sequence
from typing import Any

from read.documents import FieldType, IndexSpec
from read.elastic.elastic_mappings import BODY, LIVE, TIE
from read.index import (
    JSON,
    AnyOf,
    Document,
    Filter,
    Hit,
    InvalidCursor,
    InvalidSearch,
    SearchPage,
    SearchRequest,
    Sort,
    SortValues,
    Term,
)

FACET_SIZE = 1000
VALUES = "values"  # the terms aggregation under each facet's filter aggregation
LONG = range(-(2**63), 2**63)


def search_body(spec: IndexSpec, request: SearchRequest) -> JSON:
    """The keyword arguments of `AsyncElasticsearch.search` for one page (plus one hit, which
    only tells whether a next page exists)."""
    for name in request.facets:
        if _type_of(spec, name) is not FieldType.KEYWORD:
            raise InvalidSearch(f"facets need a keyword field, not {name}")
    faceted: list[tuple[str, JSON]] = []  # (field, clause) of filters on faceted fields
    plain: list[JSON] = []
    for condition in request.filters:
        found = clause(spec, condition)
        if found is not None and condition.field in request.facets:
            faceted.append((condition.field, found))
        elif found is not None:
            plain.append(found)
    must = [text_query(spec, request.text)] if request.text is not None else []
    body: JSON = {
        "query": {"bool": {"filter": [{"term": {LIVE: True}}, *plain], "must": must}},
        "sort": sort(spec, request.sort),
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
        body["search_after"] = cursor(spec, request.sort, request.after)
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
    clauses = [c for c in (clause(spec, f) for f in filters) if c is not None]
    must = [text_query(spec, text)] if text is not None else []
    return {"bool": {"filter": [{"term": {LIVE: True}}, *clauses], "must": must}}


def clause(spec: IndexSpec, condition: Filter) -> JSON | None:
    """The filter clause, or None for a range open at both ends (it matches everything)."""
    type_ = _type_of(spec, condition.field)
    if isinstance(condition, AnyOf):
        if type_ is not FieldType.KEYWORD:
            raise InvalidSearch(f"any-of filters need a keyword field, not {condition.field}")
        return {"terms": {condition.field: list(condition.values)}}
    if isinstance(condition, Term):
        if type_ is FieldType.TEXT:
            raise InvalidSearch(f"cannot filter on text field {condition.field}")
        expected = str if type_ is FieldType.KEYWORD else int
        if not _fits(condition.value, expected):
            raise InvalidSearch(f"{condition.field} takes a {type_.value} value")
        return {"term": {condition.field: condition.value}}
    if type_ is not FieldType.INTEGER:
        raise InvalidSearch(f"range filters need an integer field, not {condition.field}")
    bounds = {k: v for k, v in (("gte", condition.gte), ("lte", condition.lte)) if v is not None}
    if not all(_fits(v, int) for v in bounds.values()):
        raise InvalidSearch(f"{condition.field} range bounds must be integers")
    return {"range": {condition.field: bounds}} if bounds else None


def sort(spec: IndexSpec, order: Sort) -> list[JSON]:
    tie = {TIE: {"order": "asc"}}
    if order.field is None:  # relevance: highest score first, whatever `descending` says
        return [{"_score": {"order": "desc"}}, tie]
    if _type_of(spec, order.field) is FieldType.TEXT:
        raise InvalidSearch(f"cannot sort on text field {order.field}")
    return [{order.field: {"order": "desc" if order.descending else "asc"}}, tie]


def cursor(spec: IndexSpec, order: Sort, after: SortValues) -> list[Any]:
    """The `search_after` values, once checked against the sort they claim to continue."""
    if len(after) != 2:
        raise InvalidCursor("a cursor holds a sort value and a tie-breaker")
    value, tie = after
    if order.field is None:
        expected: type = float
    else:
        expected = str if _type_of(spec, order.field) is FieldType.KEYWORD else int
    if not _fits(value, expected) or not _fits(tie, int):
        raise InvalidCursor("the cursor does not belong to this sort order")
    return [float(value) if expected is float else value, tie]


def _all_of(clauses: list[JSON]) -> JSON:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def _type_of(spec: IndexSpec, name: str) -> FieldType:
    field = spec.field(name)
    if field is None:
        raise InvalidSearch(f"{spec.kind} documents have no indexed field {name!r}")
    return field.type


def _fits(value: Any, expected: type) -> bool:
    if isinstance(value, bool):
        return False
    if expected is int:
        return isinstance(value, int) and value in LONG
    if expected is float:  # a score; NaN or infinity would not even serialise as JSON
        return isinstance(value, int | float) and math.isfinite(value)
    return isinstance(value, expected)
