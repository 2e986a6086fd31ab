"""The read side's questions about orders: one order, and lists of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

from read.index import RELEVANCE, Document, Filter, Range, SearchIndex, Sort, Term
from read.projection.order_documents import ORDER
from read.query.pages import Page
from read.query.paging import Listing, money_range, page, text
from read.query.query_errors import InvalidQuery


@dataclass(frozen=True)
class OrderLineView:
    product_id: str
    sku: str
    name: str
    category: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class OrderView:
    id: str
    version: int
    status: str
    user_id: str
    customer_name: str
    customer_email: str
    placed_at: datetime
    total: Decimal
    units: int
    lines: list[OrderLineView]

    @classmethod
    def from_document(cls, doc: Document) -> OrderView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            status=b["status"],
            user_id=b["user_id"],
            customer_name=b["customer_name"],
            customer_email=b["customer_email"],
            placed_at=datetime.fromisoformat(b["placed_at"]),
            total=Decimal(b["total"]),
            units=b["units"],
            lines=[
                OrderLineView(
                    product_id=line["product_id"],
                    sku=line["sku"],
                    name=line["name"],
                    category=line["category"],
                    unit_price=Decimal(line["unit_price"]),
                    quantity=line["quantity"],
                    line_total=Decimal(line["line_total"]),
                )
                for line in b["lines"]
            ],
        )


STATUSES = ("placed", "cancelled", "shipped")
# A month short of date.max: the day, week or month after any day a query takes still exists, so
# day ranges and sales buckets never overflow (OverflowError would be masked as a bug).
LAST_DAY = date.max - timedelta(days=31)
DAYS = f"must be a day from {date.min} to {LAST_DAY}"


class OrderSort(Enum):
    RELEVANCE = RELEVANCE
    NEWEST = Sort("placed_ms", descending=True)
    OLDEST = Sort("placed_ms")
    TOTAL_DESC = Sort("total_cents", descending=True)
    TOTAL_ASC = Sort("total_cents")


@dataclass(frozen=True)
class OrderFilter:
    user_id: str | None = None
    status: str | None = None
    placed_from: date | None = None
    placed_to: date | None = None  # inclusive: the whole day
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    search: str | None = None


async def order(index: SearchIndex, id: str) -> OrderView | None:
    doc = await index.get(ORDER, id)
    return OrderView.from_document(doc) if doc else None


async def orders(
    index: SearchIndex,
    where: OrderFilter,
    sort: OrderSort | None = None,
    first: int = 20,
    after: str | None = None,
    facets: bool = True,
) -> Page[OrderView]:
    """Orders matching every given filter; `search` is full text over the ordered products'
    names and SKUs and the customer's name and email."""
    words = text(where.search)
    chosen = sort or (OrderSort.RELEVANCE if words else OrderSort.NEWEST)
    filters: list[Filter] = []
    if where.user_id is not None:
        filters.append(Term("user_id", where.user_id))
    if where.status is not None:
        if where.status not in STATUSES:
            raise InvalidQuery(f"status must be one of {', '.join(STATUSES)}", field="status")
        filters.append(Term("status", where.status))
    placed = day_range("placed_ms", where.placed_from, where.placed_to, "placedFrom", "placedTo")
    if placed is not None:
        filters.append(placed)
    total = money_range("total_cents", where.min_total, where.max_total, "minTotal", "maxTotal")
    if total is not None:
        filters.append(total)
    listing = Listing(ORDER, chosen, words, tuple(filters), ("status",) if facets else (),
                      first, after)
    return await page(index, listing, OrderView.from_document)


def day_range(
    field: str, first: date | None, last: date | None, first_name: str, last_name: str
) -> Range | None:
    """Whole UTC days from `first` through `last`, as an inclusive range of epoch milliseconds."""
    if first is None and last is None:
        return None
    check_day(first, first_name)
    check_day(last, last_name)
    if first is not None and last is not None and first > last:
        raise InvalidQuery(f"{first_name} must not be after {last_name}", field=first_name)
    low = _ms(datetime.combine(first, time(), UTC)) if first else None
    high = _ms(datetime.combine(last + timedelta(days=1), time(), UTC)) - 1 if last else None
    return Range(field, gte=low, lte=high)


def check_day(day: date | None, field: str) -> None:
    """Refuse a day so late that the day, week or month after it would overflow `date`."""
    if day is not None and day > LAST_DAY:
        raise InvalidQuery(f"{field} {DAYS}", field=field)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
