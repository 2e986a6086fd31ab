"""The read side's questions: plain functions over the index port, answering with view models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar

from read import cursors
from read.documents import PRODUCT, USER
from read.errors import InvalidQuery
from read.index import (
    RELEVANCE,
    Document,
    Filter,
    InvalidCursor,
    Range,
    SearchIndex,
    SearchRequest,
    Sort,
    Term,
)
from read.views import Edge, Page, ProductView, UserView

T = TypeVar("T")
MAX_PAGE = 100
MAX_SEARCH_LENGTH = 200


class UserSort(Enum):
    RELEVANCE = RELEVANCE
    NAME = Sort("name_key")
    NEWEST = Sort("registered_ms", descending=True)


class ProductSort(Enum):
    RELEVANCE = RELEVANCE
    NAME = Sort("name_key")
    NEWEST = Sort("added_ms", descending=True)
    PRICE_ASC = Sort("price_cents")
    PRICE_DESC = Sort("price_cents", descending=True)


@dataclass(frozen=True)
class ProductFilter:
    search: str | None = None
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None


async def user(index: SearchIndex, id: str) -> UserView | None:
    doc = await index.get(USER, id)
    return UserView.from_document(doc) if doc else None


async def product(index: SearchIndex, id: str) -> ProductView | None:
    doc = await index.get(PRODUCT, id)
    return ProductView.from_document(doc) if doc else None


async def users(
    index: SearchIndex,
    search: str | None = None,
    sort: UserSort | None = None,
    first: int = 20,
    after: str | None = None,
) -> Page[UserView]:
    chosen = sort or (UserSort.RELEVANCE if _text(search) else UserSort.NAME)
    return await _page(
        index, USER, UserView.from_document, chosen.name, chosen.value, _text(search), (), (),
        first, after,
    )


async def products(
    index: SearchIndex,
    where: ProductFilter,
    sort: ProductSort | None = None,
    first: int = 20,
    after: str | None = None,
) -> Page[ProductView]:
    text = _text(where.search)
    chosen = sort or (ProductSort.RELEVANCE if text else ProductSort.NEWEST)
    filters: list[Filter] = []
    if where.category is not None:
        filters.append(Term("category", where.category))
    if where.min_price is not None or where.max_price is not None:
        low = _cents(where.min_price, "minPrice", ROUND_CEILING)
        high = _cents(where.max_price, "maxPrice", ROUND_FLOOR)
        if low is not None and high is not None and low > high:
            raise InvalidQuery("minPrice must not be greater than maxPrice", field="minPrice")
        filters.append(Range("price_cents", gte=low, lte=high))
    if where.in_stock is True:
        filters.append(Range("stock", gte=1))
    elif where.in_stock is False:
        filters.append(Term("stock", 0))
    return await _page(
        index, PRODUCT, ProductView.from_document, chosen.name, chosen.value, text,
        tuple(filters), ("category",), first, after,
    )


async def _page(
    index: SearchIndex,
    kind: str,
    view: Callable[[Document], T],
    sort_name: str,
    sort: Sort,
    text: str | None,
    filters: tuple[Filter, ...],
    facets: tuple[str, ...],
    first: int,
    after: str | None,
) -> Page[T]:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidQuery(f"first must be between 1 and {MAX_PAGE}", field="first")
    if sort.field is None and text is None:
        raise InvalidQuery("sort RELEVANCE needs a search text", field="sort")
    request = SearchRequest(
        text=text,
        filters=filters,
        sort=sort,
        first=first,
        after=cursors.decode(sort_name, after) if after else None,
        facets=facets,
    )
    try:
        result = await index.search(kind, request)
    except InvalidCursor as error:
        raise InvalidQuery(cursors.NOT_A_CURSOR, field="after") from error
    return Page(
        edges=[Edge(cursors.encode(sort_name, h.sort_values), view(h.document))
               for h in result.hits],
        has_next_page=result.has_next,
        total_count=result.total,
        facets={name: dict(counts) for name, counts in result.facets.items()},
    )


def _text(search: str | None) -> str | None:
    if search is None or not search.strip():
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise InvalidQuery(f"search is limited to {MAX_SEARCH_LENGTH} characters", field="search")
    return search.strip()


def _cents(price: Decimal | None, field: str, rounding: str) -> int | None:
    if price is None:
        return None
    try:
        if price < 0 or not price.is_finite():
            raise InvalidOperation
        return int(price.scaleb(2).to_integral_value(rounding=rounding))
    except InvalidOperation:
        raise InvalidQuery(f"{field} must be a non-negative amount", field=field) from None
