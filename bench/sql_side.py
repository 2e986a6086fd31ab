"""The three questions (bench/questions.py) as a single-model CRUD service would ask them: plain
SQL over the write store's own tables (orders, order_lines, users, products), its indexes and
those a DBA adds, through the same SQLAlchemy async engine set-up as the service
(write/sqlalchemy/database.py).

Full text is ILIKE '%word%': what such a service writes first, on tables with no search column
(PostgreSQL's to_tsvector would have to be computed for every line at query time, for want of
one), served by the pg_trgm GIN indexes a DBA adds for it; the scenario adds those and composite
indexes for the filters and sorts (bench/dba_indexes.py) before the first question. Every word
must match a line's product name or SKU, or the customer's name or email, as on the read side;
bench/seed_data.py makes a word's substring matches its whole-word matches, so ILIKE and the
index find the same orders. A list is a COUNT and a page (ORDER BY ... LIMIT, which the placed_at
index can serve), then the page's lines in one query, as an ORM would load them. Sales use the
orders table's own total and units.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.questions import (
    PAGE,
    CategoryPage,
    DaySales,
    FoundOrder,
    Line,
    ListedProduct,
    Orders,
    OrderSearch,
    Products,
    Sales,
    SalesByDay,
)
from read.query.product_queries import PRICE_EDGES

WORD_MATCHES = """(u.name ILIKE :w{n} OR u.email ILIKE :w{n} OR EXISTS (
    SELECT 1 FROM order_lines l
    WHERE l.order_id = o.id AND (l.name ILIKE :w{n} OR l.sku ILIKE :w{n})))"""
ORDERS_FROM = "FROM orders o JOIN users u ON u.id = o.user_id WHERE {where}"
ORDER_COUNT = "SELECT count(*) " + ORDERS_FROM
ORDER_PAGE = ("SELECT o.id, o.version, o.status, o.user_id, u.name, u.email, o.placed_at, "
              "o.total, o.units " + ORDERS_FROM + " ORDER BY o.placed_at DESC LIMIT :first")
ORDER_LINES = text("""SELECT order_id, product_id, sku, name, category, unit_price, quantity
FROM order_lines WHERE order_id = ANY(:ids) ORDER BY order_id, line_no""")

SALES_BY_DAY = text("""SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day, o.status,
    sum(o.total) AS revenue, count(*) AS orders, sum(o.units) AS units
FROM orders o
WHERE o.placed_at >= :since AND o.placed_at < :until AND o.status IN ('placed', 'shipped')
GROUP BY 1, 2 ORDER BY 1, 2""")

PRODUCT_PAGE = """SELECT id, version, sku, name, category, price, stock, status
FROM products WHERE category = :category ORDER BY price {direction} LIMIT :first"""
PRODUCT_PAGES = {
    descending: text(PRODUCT_PAGE.format(direction="DESC" if descending else "ASC"))
    for descending in (False, True)
}
PER_CATEGORY = text("SELECT category, count(*) FROM products GROUP BY category")


def _price_ranges() -> TextClause:
    """One COUNT per range of PRICE_EDGES (read.query.product_queries, in cents): [low, high),
    either end open."""
    counts = []
    for low, high in itertools.pairwise((None, *PRICE_EDGES, None)):
        bounds = [f"price >= {Decimal(low).scaleb(-2)}"] if low is not None else []
        bounds += [f"price < {Decimal(high).scaleb(-2)}"] if high is not None else []
        counts.append(f"count(*) FILTER (WHERE {' AND '.join(bounds)})")
    return text(f"SELECT {', '.join(counts)} FROM products WHERE category = :category")


PER_PRICE_RANGE = _price_ranges()


async def search_orders(engine: AsyncEngine, question: OrderSearch) -> Orders:
    words = re.findall(r"[a-z0-9]+", question.words.lower())
    count, page = _order_queries(len(words), question.status is not None,
                                 question.min_total is not None)
    params: dict[str, object] = {f"w{n}": f"%{word}%" for n, word in enumerate(words)}
    params |= {"since": _midnight(question.placed_from),
               "until": _midnight(question.placed_to + timedelta(days=1)),
               "status": question.status, "min_total": question.min_total}
    async with engine.connect() as connection:
        total = (await connection.execute(count, params)).scalar_one()
        rows = (await connection.execute(page, params | {"first": PAGE})).all()
        lines: dict[str, list[Line]] = defaultdict(list)
        for line in await connection.execute(ORDER_LINES, {"ids": [row.id for row in rows]}):
            lines[line.order_id].append(Line(line.product_id, line.sku, line.name, line.category,
                                             line.unit_price, line.quantity))
    return Orders(total, tuple(
        FoundOrder(row.id, row.version, row.status, row.user_id, row.name, row.email,
                   row.placed_at, row.total, row.units, tuple(lines[row.id]))
        for row in rows
    ))


@functools.cache
def _order_queries(words: int, status: bool, min_total: bool) -> tuple[TextClause, TextClause]:
    """The COUNT and the page for this shape of question (so each is prepared once)."""
    conditions = ["o.placed_at >= :since", "o.placed_at < :until"]
    conditions += ["o.status = :status"] * status + ["o.total >= :min_total"] * min_total
    conditions += [WORD_MATCHES.format(n=n) for n in range(words)]
    where = "\n  AND ".join(conditions)
    return text(ORDER_COUNT.format(where=where)), text(ORDER_PAGE.format(where=where))


async def sales_by_day(engine: AsyncEngine, question: SalesByDay) -> tuple[DaySales, ...]:
    params = {"since": _midnight(question.first),
              "until": _midnight(question.last + timedelta(days=1))}
    async with engine.connect() as connection:
        rows = (await connection.execute(SALES_BY_DAY, params)).all()
    groups: dict[date, list[tuple[str, Sales]]] = defaultdict(list)
    for row in rows:
        groups[row.day].append((row.status, Sales(row.revenue, row.orders, row.units)))
    days = (question.last - question.first).days + 1
    return tuple(_day(question.first + timedelta(days=n), groups) for n in range(days))


def _day(day: date, groups: dict[date, list[tuple[str, Sales]]]) -> DaySales:
    found = groups.get(day, [])
    total = Sales(sum((s.revenue for _, s in found), Decimal("0.00")),
                  sum(s.orders for _, s in found), sum(s.units for _, s in found))
    return DaySales(day, total, tuple(found))


async def category_page(engine: AsyncEngine, question: CategoryPage) -> Products:
    params = {"category": question.category, "first": PAGE}
    async with engine.connect() as connection:
        rows = (await connection.execute(PRODUCT_PAGES[question.descending], params)).all()
        per_category = (await connection.execute(PER_CATEGORY)).tuples().all()
        ranges = (await connection.execute(PER_PRICE_RANGE, params)).one()
    counts: dict[str, int] = dict(per_category)
    return Products(
        total=counts.get(question.category, 0),
        products=tuple(ListedProduct(*row) for row in rows),
        per_category=tuple(sorted(counts.items())),
        per_price_range=tuple(ranges),
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
