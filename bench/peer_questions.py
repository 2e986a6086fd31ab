"""The peers scenario's read questions as each side's clients ask them over GraphQL, and the one
shape both answers are put in to be compared (==).

The askings are crud-vs-cqrs' (bench/questions.py), same varied parameters:
- a category's products by price, first 20, with totalCount: Diptych's `products(category, sort)`,
  PostGraphile's generated `allProducts(condition: {category}, orderBy: PRICE_*)`;
- an order search (every word in a line's product name or SKU, or the customer's name or
  email; a period, maybe a status and a minimum total), newest 20 and the total: Diptych's
  `orders(search, ...)`, PostGraphile's `allOrders(filter: ...)` with connection-filter's
  `includesInsensitive` through the order's customer and lines (its relations filters);
- sales by day over a period, by status: Diptych's `salesSummary`, PostGraphile's `salesByDay`
  (a PostgreSQL function, bench/postgraphile_functions.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from bench import questions
from bench.peer_documents import (
    DIPTYCH_CATEGORY,
    DIPTYCH_ORDERS,
    DIPTYCH_SALES,
    PEER_CATEGORY,
    PEER_ORDERS,
    PEER_SALES,
)
from bench.questions import PAGE, CategoryPage, OrderSearch, SalesByDay
from bench.seed_data import Plan

Q = TypeVar("Q")
Request = tuple[str, dict[str, object]]  # a document and its variables
Data = dict[str, Any]

@dataclass(frozen=True)
class PeerQuestion:
    name: str
    count: int  # askings
    diptych: Callable[[int], Request]  # asking number -> Diptych's request
    peer: Callable[[int], Request]
    diptych_answer: Callable[[Data], object]  # its `data` -> the compared shape
    peer_answer: Callable[[Data], object]


def the_questions(plan: Plan, count: int) -> list[PeerQuestion]:
    """The three read questions, `count` askings each."""
    categories = sorted({product.category for product in plan.products})
    pages = questions.category_pages(count, categories)
    searches = questions.order_searches(count, plan.start, plan.end)
    periods = questions.sales_periods(count, plan.start, plan.end)
    return [
        PeerQuestion("products by category", count, _at(pages, _diptych_category),
                     _at(pages, _peer_category), _diptych_products, _peer_products),
        PeerQuestion("order search", count, _at(searches, _diptych_orders),
                     _at(searches, _peer_orders), _diptych_found, _peer_found),
        PeerQuestion("sales by day", count, _at(periods, _diptych_sales),
                     _at(periods, _peer_sales), _diptych_days, _peer_days),
    ]


def _at(askings: Sequence[Q], request: Callable[[Q], Request]) -> Callable[[int], Request]:
    return lambda number: request(askings[number % len(askings)])


def _diptych_category(q: CategoryPage) -> Request:
    sort = "PRICE_DESC" if q.descending else "PRICE_ASC"
    return DIPTYCH_CATEGORY, {"category": q.category, "sort": sort, "first": PAGE}


def _peer_category(q: CategoryPage) -> Request:
    order = "PRICE_DESC" if q.descending else "PRICE_ASC"
    return PEER_CATEGORY, {"category": q.category, "orderBy": [order], "first": PAGE}


def _diptych_products(data: Data) -> object:
    page = data["products"]
    return page["totalCount"], tuple(
        (n["id"], n["version"], n["sku"], n["name"], n["category"], Decimal(n["price"]),
         n["stock"], n["status"].lower())
        for n in (edge["node"] for edge in page["edges"]))


def _peer_products(data: Data) -> object:
    page = data["allProducts"]
    return page["totalCount"], tuple(
        (n["rowId"], n["version"], n["sku"], n["name"], n["category"], Decimal(n["price"]),
         n["stock"], n["status"])
        for n in page["nodes"])


def _diptych_orders(q: OrderSearch) -> Request:
    return DIPTYCH_ORDERS, {
        "search": q.words, "from": q.placed_from.isoformat(), "to": q.placed_to.isoformat(),
        "status": q.status.upper() if q.status else None,
        "minTotal": None if q.min_total is None else str(q.min_total), "first": PAGE,
    }


def _peer_orders(q: OrderSearch) -> Request:
    """connection-filter's input: the period, the status and total, and per word an `or` of its
    matches (ILIKE '%word%', which the trigram indexes serve)."""
    since, until = _midnight(q.placed_from), _midnight(q.placed_to + timedelta(days=1))
    where: dict[str, object] = {
        "placedAt": {"greaterThanOrEqualTo": since.isoformat(), "lessThan": until.isoformat()},
        "and": [_word(word) for word in re.findall(r"[a-z0-9]+", q.words.lower())],
    }
    if q.status is not None:
        where["status"] = {"equalTo": q.status}
    if q.min_total is not None:
        where["total"] = {"greaterThanOrEqualTo": str(q.min_total)}
    return PEER_ORDERS, {"filter": where, "first": PAGE}


def _word(word: str) -> dict[str, object]:
    has = {"includesInsensitive": word}
    return {"or": [
        {"userByUserId": {"or": [{"name": has}, {"email": has}]}},
        {"orderLinesByOrderId": {"some": {"or": [{"name": has}, {"sku": has}]}}},
    ]}


def _diptych_found(data: Data) -> object:
    page = data["orders"]
    return page["totalCount"], tuple(
        _order(n["id"], n, n["status"].lower(), n["customer"]["id"], n["customer"], n["lines"])
        for n in (edge["node"] for edge in page["edges"]))


def _peer_found(data: Data) -> object:
    page = data["allOrders"]
    return page["totalCount"], tuple(
        _order(n["rowId"], n, n["status"], n["userByUserId"]["rowId"], n["userByUserId"],
               n["orderLinesByOrderId"]["nodes"])
        for n in page["nodes"])


def _order(id_: str, n: Data, status: str, user_id: str, customer: Data,
           lines: list[Data]) -> tuple[object, ...]:
    return (id_, n["version"], status, user_id, customer["name"], customer["email"],
            datetime.fromisoformat(n["placedAt"]), Decimal(n["total"]), n["units"], tuple(
                (li["productId"], li["sku"], li["name"], li["category"],
                 Decimal(li["unitPrice"]), li["quantity"]) for li in lines))


def _diptych_sales(q: SalesByDay) -> Request:
    return DIPTYCH_SALES, {"from": q.first.isoformat(), "to": q.last.isoformat()}


def _peer_sales(q: SalesByDay) -> Request:
    return PEER_SALES, {"firstDay": q.first.isoformat(), "lastDay": q.last.isoformat()}


def _diptych_days(data: Data) -> object:
    """(day, status, revenue, orders, units) for every status with sales on a day, in order."""
    return tuple(sorted(
        (date.fromisoformat(b["start"]), g["key"], Decimal(g["revenue"]), g["orders"], g["units"])
        for b in data["salesSummary"] for g in b["groups"] if g["orders"]))


def _peer_days(data: Data) -> object:
    return tuple(sorted(
        (date.fromisoformat(n["day"]), n["status"], Decimal(n["revenue"]), int(n["orders"]),
         int(n["units"]))
        for n in data["salesByDay"]["nodes"]))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
