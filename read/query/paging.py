"""What every list query shares: argument checks, and one keyset page from the index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from enum import Enum
from typing import TypeVar

from read.index import Document, Filter, InvalidCursor, Range, SearchIndex, SearchRequest, Sort
from read.query import cursors
from read.query.pages import Edge, Page
from read.query.query_errors import InvalidQuery

T = TypeVar("T")
MAX_PAGE = 100
MAX_SEARCH_LENGTH = 200
# The largest amount a range filter takes: above any price or order total the write side accepts,
# and its cents fit the index's 64-bit integers with room to spare.
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")
EXACT = Context(prec=28)  # decimal's default precision: 14 digits of cents fit with room to spare


@dataclass(frozen=True)
class Listing:
    """One list question: which documents, in which order, which page."""

    kind: str
    sort: Enum  # its name names the cursor's order, its value is a `Sort`
    text: str | None = None
    filters: tuple[Filter, ...] = ()
    facets: tuple[str, ...] = ()
    first: int = 20
    after: str | None = None


async def page(index: SearchIndex, listing: Listing, view: Callable[[Document], T]) -> Page[T]:
    if not 1 <= listing.first <= MAX_PAGE:
        raise InvalidQuery(f"first must be between 1 and {MAX_PAGE}", field="first")
    sort: Sort = listing.sort.value
    if sort.field is None and listing.text is None:
        raise InvalidQuery("sort RELEVANCE needs a search text", field="sort")
    name = listing.sort.name
    request = SearchRequest(
        text=listing.text,
        filters=listing.filters,
        sort=sort,
        first=listing.first,
        after=cursors.decode(name, listing.after) if listing.after else None,
        facets=listing.facets,
    )
    try:
        result = await index.search(listing.kind, request)
    except InvalidCursor as error:
        raise InvalidQuery(cursors.NOT_A_CURSOR, field="after") from error
    return Page(
        edges=[Edge(cursors.encode(name, h.sort_values), view(h.document)) for h in result.hits],
        has_next_page=result.has_next,
        total_count=result.total,
        facets={facet: dict(counts) for facet, counts in result.facets.items()},
    )


def text(search: str | None) -> str | None:
    if search is None or not search.strip():
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise InvalidQuery(f"search is limited to {MAX_SEARCH_LENGTH} characters", field="search")
    return search.strip()


def money_range(
    field: str, low: Decimal | None, high: Decimal | None, low_name: str, high_name: str
) -> Range | None:
    """An inclusive range of amounts as a range of cents, or None when both ends are open."""
    if low is None and high is None:
        return None
    low_cents = _cents(low, low_name, ROUND_CEILING)
    high_cents = _cents(high, high_name, ROUND_FLOOR)
    if low_cents is not None and high_cents is not None and low_cents > high_cents:
        raise InvalidQuery(f"{low_name} must not be greater than {high_name}", field=low_name)
    return Range(field, gte=low_cents, lte=high_cents)


def _cents(amount: Decimal | None, field: str, rounding: str) -> int | None:
    if amount is None:
        return None
    # Compared before any arithmetic: arithmetic overflows on a huge exponent (decimal.Overflow),
    # and a large one that does not overflow makes `int()` build a number of a million digits.
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise InvalidQuery(
            f"{field} must be a non-negative amount of at most {MAX_AMOUNT}", field=field
        )
    # `quantize` rounds even 1e-999999999 up to 0.01, exactly; in a context of its own, so that
    # a thread's decimal context (fewer digits, more traps) cannot make a valid amount raise.
    return int(amount.quantize(CENT, rounding=rounding, context=EXACT).scaleb(2, context=EXACT))
