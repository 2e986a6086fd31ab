"""What a search-index request may ask, checked once against the document specs for every adapter.

A request names fields of `read/documents.py` and carries values the query layer took from a
client (its cursor above all), so each field must be indexed with a type that can do what is asked
and each value must be one the index can hold. Every adapter calls these checks before touching
its index and then only translates, so tantivy and Elasticsearch refuse exactly the same requests,
with `InvalidSearch`, or `InvalidCursor` for `after` values that do not fit the sort.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from read.documents import FieldType, IndexSpec
from read.index import (
    AnyOf,
    Filter,
    InvalidCursor,
    InvalidSearch,
    Range,
    SearchRequest,
    Sort,
    SortValues,
    Term,
)
from read.projection.projection_kinds import specs
from read.query.cursors import fits_a_sort_string

LONG = range(-(2**63), 2**63)  # what both indices store in an integer field (and tie-breakers)


def spec_of(kind: str) -> IndexSpec:
    spec = specs().get(kind)
    if spec is None:
        raise InvalidSearch(f"no document kind {kind!r}")
    return spec


def field_type(spec: IndexSpec, name: str) -> FieldType:
    field = spec.field(name)
    if field is None:
        raise InvalidSearch(f"{spec.kind} documents have no indexed field {name!r}")
    return field.type


def checked_search(spec: IndexSpec, request: SearchRequest) -> SearchRequest:
    """The request as the adapters take it (a relevance cursor's score as a float), once its
    facets, filters, sort and cursor all fit `spec`."""
    for name in request.facets:
        if field_type(spec, name) is not FieldType.KEYWORD:
            raise InvalidSearch(f"facets need a keyword field, not {name}")
    check_filters(spec, request.filters)
    if request.sort.field is not None and field_type(spec, request.sort.field) is FieldType.TEXT:
        raise InvalidSearch(f"cannot sort on text field {request.sort.field}")
    if request.after is None:
        return request
    return replace(request, after=checked_cursor(spec, request.sort, request.after))


def check_filters(spec: IndexSpec, filters: Sequence[Filter]) -> None:
    for condition in filters:
        check_filter(spec, condition)


def check_filter(spec: IndexSpec, condition: Filter) -> None:
    type_ = field_type(spec, condition.field)
    if isinstance(condition, AnyOf):
        if type_ is not FieldType.KEYWORD:
            raise InvalidSearch(f"any-of filters need a keyword field, not {condition.field}")
        if not all(_fits(value, str) for value in condition.values):
            raise InvalidSearch(f"{condition.field} takes keyword values")
    elif isinstance(condition, Term):
        if type_ is FieldType.TEXT:
            raise InvalidSearch(f"cannot filter on text field {condition.field}")
        if not _fits(condition.value, str if type_ is FieldType.KEYWORD else int):
            raise InvalidSearch(f"{condition.field} takes a {type_.value} value")
    else:
        _check_range(type_, condition)


def _check_range(type_: FieldType, condition: Range) -> None:
    if type_ is not FieldType.INTEGER:
        raise InvalidSearch(f"range filters need an integer field, not {condition.field}")
    bounds = (b for b in (condition.gte, condition.lte) if b is not None)
    if not all(_fits(b, int) for b in bounds):
        raise InvalidSearch(f"{condition.field} range bounds must be integers")


def checked_cursor(spec: IndexSpec, order: Sort, after: SortValues) -> SortValues:
    """`(sort value, tie-breaker)`, once both fit the sort the cursor claims to continue."""
    if len(after) != 2:
        raise InvalidCursor("a cursor holds a sort value and a tie-breaker")
    value, tie = after
    if order.field is None:
        expected: type = float
    else:
        expected = str if field_type(spec, order.field) is FieldType.KEYWORD else int
    # A keyword cursor costs the embedded index time in the value's length (regular expressions,
    # read/tantivy/tantivy_text.py): read/query/cursors.py's bound holds for every caller.
    too_long = expected is str and isinstance(value, str) and not fits_a_sort_string(value)
    if too_long or not _fits(value, expected) or not _fits(tie, int):
        raise InvalidCursor("the cursor does not belong to this sort order")
    return (float(value) if expected is float else value), tie


def _fits(value: Any, expected: type) -> bool:
    if isinstance(value, bool):  # an int to Python, never a value of either index
        return False
    if expected is int:
        return isinstance(value, int) and value in LONG
    if expected is float:  # a score; NaN or infinity compare as no score, nor serialise as JSON
        return isinstance(value, int | float) and math.isfinite(value)
    return isinstance(value, expected)
