"""Searching the tantivy index: full text, filters, facets, and keyset pages in a total order.

Tantivy sorts by one fast field, so the order `(sort value, tie-breaker)` is assembled here: the
values that sort strictly after the cursor come from tantivy in order; documents that share one
value are put in tie-breaker order with a second, exact query. Relevance pages re-run the scored
query with a growing window until the page after the cursor is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tantivy
from tantivy import Occur, Order, Query

from read.documents import FieldType, IndexSpec
from read.index import (
    AnyOf,
    Filter,
    Hit,
    Range,
    SearchPage,
    SearchRequest,
    SortValues,
    Term,
)
from read.index_requests import field_type
from read.tantivy.tantivy_schema import KIND, LIVE, TIE, from_tantivy
from read.tantivy.tantivy_text import greater_than, less_than

Scored = tuple[Any, int, tantivy.DocAddress]  # (sort value or score, tie-breaker, address)


class Search:
    """One search against one searcher snapshot, so every sub-query sees the same documents.

    It takes requests as `read/index_requests.py` checked them: every field it is asked about is
    indexed with a type that can do it, and a cursor fits its sort."""

    def __init__(
        self,
        schema: tantivy.Schema,
        searcher: tantivy.Searcher,
        analyze: Callable[[str], list[str]],
        spec: IndexSpec,
    ) -> None:
        self.schema, self.searcher, self.analyze, self.spec = schema, searcher, analyze, spec
        self._whole: Query | None = None
        self._total: int | None = None

    def run(self, request: SearchRequest) -> SearchPage:
        query = self.query(request, request.filters)
        self._whole, self._total = query, None  # the first search of it counts it too
        need = request.first + 1
        if request.sort.field is None:
            hits = self.by_relevance(query, request.after, need)
        else:
            hits = self.by_field(query, request.sort.field, request.sort.descending,
                                 request.after, need)
        documents = []
        for value, tie, address in hits[: request.first]:
            document, _ = from_tantivy(self.searcher.doc(address))
            if document is not None:
                documents.append((document, (value, tie)))
        total: int = self._total if self._total is not None else self.searcher.search(
            query, 1, count=True).count  # type: ignore[attr-defined]
        return SearchPage(
            hits=[Hit(d, v) for d, v in documents],
            has_next=len(hits) > request.first,
            total=total,
            facets={f: self.facet(request, f) for f in request.facets},
        )

    # -- queries -------------------------------------------------------------------------------

    def query(self, request: SearchRequest, filters: Sequence[Filter]) -> Query:
        clauses = [self.term(KIND, self.spec.kind), self.term(LIVE, 1)]
        clauses += [self.filter(f) for f in filters]
        must = [(Occur.Must, Query.const_score_query(c, 0.0)) for c in clauses]
        if request.text is not None:
            must.append((Occur.Must, self.text(request.text)))
        return Query.boolean_query(must)

    def text(self, text: str) -> Query:
        """Every word must occur in some text field; relevance decides the order (BM25)."""
        words = self.analyze(text)
        fields = [f.name for f in self.spec.fields if f.type is FieldType.TEXT]
        if not words or not fields:
            return Query.empty_query()
        return Query.boolean_query([
            (Occur.Must, Query.boolean_query(
                [(Occur.Should, Query.term_query(self.schema, f, word)) for f in fields]
            ))
            for word in dict.fromkeys(words)
        ])

    def filter(self, condition: Filter) -> Query:
        if isinstance(condition, AnyOf):
            return Query.term_set_query(self.schema, condition.field, list(condition.values))
        if isinstance(condition, Term):
            return self.term(condition.field, condition.value)
        return self.range(condition)

    def range(self, condition: Range) -> Query:
        if condition.gte is None and condition.lte is None:
            return Query.all_query()
        return Query.range_query(
            self.schema, condition.field, tantivy.FieldType.Integer, condition.gte, condition.lte
        )

    def term(self, field: str, value: Any) -> Query:
        return Query.term_query(self.schema, field, value)

    # -- ordering ------------------------------------------------------------------------------

    def by_field(
        self, query: Query, field: str, descending: bool, after: SortValues | None, need: int
    ) -> list[Scored]:
        type_ = field_type(self.spec, field)
        hits: list[Scored] = []
        beyond = query
        if after is not None:
            value, tie = after
            ties = query.and_must_match(self.term(field, value), self.after_tie(tie))
            hits = self.in_tie_order(ties, value, need)
            beyond = query.and_must_match(self.beyond(field, type_, value, descending))
        if len(hits) < need:
            hits += self.ordered(beyond, field, descending, need - len(hits))
        return hits

    def ordered(self, query: Query, field: str, descending: bool, need: int) -> list[Scored]:
        """The first `need` hits by (field, tie-breaker). Tantivy's top-n by field holds every
        document of each value but possibly the last; that one is completed in tie order."""
        order = Order.Desc if descending else Order.Asc
        found = self.searcher.search(query, need, count=query is self._whole,
                                     order_by_field=field, order=order)
        if query is self._whole:
            self._total = found.count  # type: ignore[attr-defined]
        top = found.hits
        last = top[-1][0] if len(top) == need else None
        complete = [(v, a) for v, a in top if last is None or v != last]
        ties = self.searcher.fast_field_values(TIE, [a for _, a in complete])
        hits: list[Scored] = sorted(
            ((v, int(t or 0), a) for (v, a), t in zip(complete, ties, strict=True)),
            key=lambda hit: hit[1],
        )
        hits.sort(key=lambda hit: hit[0], reverse=descending)  # stable: ties stay in tie order
        if last is not None:
            hits += self.in_tie_order(query.and_must_match(self.term(field, last)), last,
                                      need - len(hits))
        return hits

    def in_tie_order(self, query: Query, value: Any, need: int) -> list[Scored]:
        if need <= 0:
            return []
        top = self.searcher.search(query, need, order_by_field=TIE, order=Order.Asc).hits
        return [(value, int(tie), address) for tie, address in top]

    def by_relevance(self, query: Query, after: SortValues | None, need: int) -> list[Scored]:
        window = max(need * 4, 64)
        while True:
            found = self.searcher.search(query, window, count=query is self._whole)
            if query is self._whole:
                self._total = found.count  # type: ignore[attr-defined]
            top = found.hits
            ties = self.searcher.fast_field_values(TIE, [a for _, a in top])
            hits = [(float(s), int(t or 0), a) for (s, a), t in zip(top, ties, strict=True)]
            truncated = len(top) == window
            if truncated:  # documents scoring like the last one may lie beyond the window
                hits = [h for h in hits if h[0] > hits[-1][0]]
            hits.sort(key=lambda hit: (-hit[0], hit[1]))
            if after is not None:
                score, tie = after
                hits = [h for h in hits if h[0] < score or (h[0] == score and h[1] > tie)]
            if len(hits) >= need or not truncated:
                return hits[:need]
            window *= 4

    def beyond(self, field: str, type_: FieldType, value: Any, descending: bool) -> Query:
        if type_ is FieldType.KEYWORD:
            terms = less_than(value) if descending else greater_than(value)
            if not terms.patterns:  # nothing sorts before ""
                return Query.empty_query()
            return Query.boolean_query(
                [(Occur.Should, Query.regex_query(self.schema, field, p)) for p in terms.patterns]
            )
        if descending:
            return Query.range_query(self.schema, field, tantivy.FieldType.Integer,
                                     upper_bound=value, include_upper=False)
        return Query.range_query(self.schema, field, tantivy.FieldType.Integer,
                                 lower_bound=value, include_lower=False)

    def after_tie(self, tie: int) -> Query:
        return Query.range_query(
            self.schema, TIE, tantivy.FieldType.Integer, lower_bound=tie, include_lower=False
        )

    # -- facets --------------------------------------------------------------------------------

    def facet(self, request: SearchRequest, field: str) -> dict[str, int]:
        """Counts per value, under every filter except those on the faceted field itself, so a
        client filtered to one category still sees how many products the others hold."""
        others = [f for f in request.filters if f.field != field]
        aggregation = {"facet": {"terms": {"field": field, "size": 1000}}}
        result = self.searcher.aggregate(self.query(request, others), aggregation)
        return {str(b["key"]): int(b["doc_count"]) for b in result["facet"]["buckets"]}

