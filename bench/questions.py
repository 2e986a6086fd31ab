"""The crud-vs-cqrs scenario's three questions: their parameters, varied from one asking to the
next, and the one answer shape both ways of answering must give (compared with ==).

1. Orders whose products' names or SKUs, or whose customer's name or email, hold every search
   word; filtered by a placement period and maybe a status and a minimum total; newest first,
   the first 20, and how many match in all.
2. Sales by day over a period: revenue, orders and units per day, and the same per order status
   (cancelled orders excluded, as the read side counts sales).
3. One category's products by price, the first 20, with the products per category and the
   category's products per price range.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.seed_data import ADJECTIVES, NOUNS, search_words

PAGE = 20
PERIODS = (7, 30, 90, 180, 365)  # days


@dataclass(frozen=True)
class OrderSearch:
    words: str
    placed_from: date
    placed_to: date  # inclusive
    status: str | None
    min_total: Decimal | None


@dataclass(frozen=True)
class SalesByDay:
    first: date
    last: date  # inclusive


@dataclass(frozen=True)
class CategoryPage:
    category: str
    descending: bool  # by price, highest first


@dataclass(frozen=True)
class Line:
    product_id: str
    sku: str
    name: str
    category: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class FoundOrder:
    id: str
    version: int
    status: str
    user_id: str
    customer_name: str
    customer_email: str
    placed_at: datetime
    total: Decimal
    units: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Orders:
    total: int
    orders: tuple[FoundOrder, ...]


@dataclass(frozen=True)
class Sales:
    revenue: Decimal
    orders: int
    units: int


@dataclass(frozen=True)
class DaySales:
    day: date
    sales: Sales
    by_status: tuple[tuple[str, Sales], ...]  # by status name


@dataclass(frozen=True)
class ListedProduct:
    id: str
    version: int
    sku: str
    name: str
    category: str
    price: Decimal
    stock: int
    status: str


@dataclass(frozen=True)
class Products:
    total: int
    products: tuple[ListedProduct, ...]
    per_category: tuple[tuple[str, int], ...]  # by category name
    per_price_range: tuple[int, ...]  # as PRICE_EDGES' ranges (read.query)


def order_searches(count: int, start: datetime, end: datetime) -> list[OrderSearch]:
    """A broad search first (a noun over the whole period, so the check before timing compares
    orders), then varied ones."""
    rng = random.Random("orders")
    words = search_words()
    nouns = [noun for group in NOUNS.values() for noun in group]
    last_day = (end - timedelta(days=1)).date()
    searches = [OrderSearch(rng.choice(nouns), start.date(), last_day, None, None)]
    while len(searches) < count:
        first, last = _period(rng, start, end)
        searches.append(OrderSearch(
            words=(f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)}" if rng.random() < 0.25
                   else rng.choice(words)),
            placed_from=first,
            placed_to=last,
            status=rng.choices((None, "placed", "shipped", "cancelled"), (4, 3, 2, 1))[0],
            min_total=rng.choice((None, None, Decimal(25), Decimal(100), Decimal(400))),
        ))
    return searches[:count]


def sales_periods(count: int, start: datetime, end: datetime) -> list[SalesByDay]:
    """The whole period first (so the check before timing compares sales), then varied ones."""
    rng = random.Random("sales")
    whole = SalesByDay(start.date(), (end - timedelta(days=1)).date())
    return [whole, *(SalesByDay(*_period(rng, start, end)) for _ in range(count - 1))]


def category_pages(count: int, categories: Sequence[str]) -> list[CategoryPage]:
    return [CategoryPage(categories[n % len(categories)], descending=n % 3 == 2)
            for n in range(count)]


def _period(rng: random.Random, start: datetime, end: datetime) -> tuple[date, date]:
    """Whole days within [start, end): a period of one of PERIODS' lengths, anywhere in it."""
    days = (end - start).days
    length = min(rng.choice(PERIODS), days)
    first = start.date() + timedelta(days=rng.randrange(days - length + 1))
    return first, first + timedelta(days=length - 1)


def empty(answer: object) -> bool:
    """Whether an answer holds nothing (no order, no sale, no product): two empty answers agree
    whatever each side would have returned."""
    if isinstance(answer, Orders | Products):
        return answer.total == 0
    return isinstance(answer, tuple) and all(day.sales.orders == 0 for day in answer)
