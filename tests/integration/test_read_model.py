"""The read model that earns the split, on a real tantivy index: order search and filters,
best sellers and price-range facets, and sales summaries checked against sums done by hand.

The shop, fed to the projector as events:
    products  KB keyboard (input, 100.00)  MS mouse (input, 20.00)  HP headphones (audio, 50.00)
    o1  Mon 2026-01-05  ada  KB x1 + HP x2 = 200.00  placed
    o2  Wed 2026-01-07  bob  MS x3         =  60.00  shipped
    o3  Mon 2026-01-12  ada  HP x1         =  50.00  cancelled
    o4  Mon 2026-02-02  bob  KB x1 + MS x1 = 120.00  placed
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from read.event_envelope import parse
from read.projection.batches import project
from read.query import order_queries, product_queries, user_queries
from read.query import sales_queries as sales
from read.query.order_queries import OrderFilter, OrderSort
from read.query.product_queries import ProductFilter, ProductSort
from read.query.sales_queries import GroupBy, Interval
from read.query.user_queries import UserSort
from read.tantivy.tantivy_index import TantivyIndex

IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_DNS, name)) for name in
       ("ada", "bob", "KB", "MS", "HP", "o1", "o2", "o3", "o4")}
PRODUCTS = {"KB": ("Mechanical keyboard", "input", "100.00"),
            "MS": ("Wireless mouse", "input", "20.00"),
            "HP": ("Studio headphones", "audio", "50.00")}
positions = itertools.count(1)
versions: dict[str, int] = {}


def event(aggregate: str, who: str, type_: str, day: date, **payload: Any) -> dict[str, Any]:
    versions[who] = versions.get(who, 0) + 1
    return {
        "position": next(positions), "event_id": str(uuid.uuid4()), "type": type_,
        "schema_version": 1, "aggregate_type": aggregate, "aggregate_id": IDS[who],
        "aggregate_version": versions[who],
        "occurred_at": datetime(day.year, day.month, day.day, 10, tzinfo=UTC).isoformat(),
        "payload": payload,
    }


STOCK = {"KB": 10, "MS": 10, "HP": 10}


def order(name: str, day: date, user: str, lines: dict[str, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for product, quantity in lines.items():
        title, category, price = PRODUCTS[product]
        rows.append({"product_id": IDS[product], "sku": product, "name": title,
                     "category": category, "unit_price": price, "quantity": quantity,
                     "line_total": str(Decimal(price) * quantity)})
    total = sum((Decimal(r["line_total"]) for r in rows), Decimal(0))
    placed = event("Order", name, "OrderPlaced", day, user_id=IDS[user], customer_version=1,
                   customer_name=user.title(), customer_email=f"{user}@example.com", lines=rows,
                   total=f"{total:.2f}", units=sum(lines.values()))
    reserved = []
    for product, quantity in lines.items():
        STOCK[product] -= quantity
        reserved.append(event("Product", product, "ProductStockReserved", day,
                              order_id=IDS[name], quantity=quantity, stock=STOCK[product]))
    return [placed, *reserved]


def history() -> list[dict[str, Any]]:
    start = date(2026, 1, 1)
    events = [event("User", u, "UserRegistered", start, name=u.title(), email=f"{u}@example.com")
              for u in ("ada", "bob")]
    events += [event("Product", p, "ProductAdded", start, sku=p, name=title, description="",
                     category=category, price=price, stock=10)
               for p, (title, category, price) in PRODUCTS.items()]
    events += order("o1", date(2026, 1, 5), "ada", {"KB": 1, "HP": 2})
    events += order("o2", date(2026, 1, 7), "bob", {"MS": 3})
    events.append(event("Order", "o2", "OrderShipped", date(2026, 1, 8)))
    events += order("o3", date(2026, 1, 12), "ada", {"HP": 1})
    STOCK["HP"] += 1
    events.append(event("Order", "o3", "OrderCancelled", date(2026, 1, 13)))
    events.append(event("Product", "HP", "ProductStockReleased", date(2026, 1, 13),
                        order_id=IDS["o3"], quantity=1, stock=STOCK["HP"]))
    events += order("o4", date(2026, 2, 2), "bob", {"KB": 1, "MS": 1})
    return events


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def index(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path_factory.mktemp("read-model"))
    await index.open()
    await project(index, [parse(e) for e in history()])
    yield index
    await index.close()


def names(ids: list[str]) -> list[str]:
    by_id = {v: k for k, v in IDS.items()}
    return [by_id[i] for i in ids]


async def found(index: TantivyIndex, **where: Any) -> list[str]:
    sort = where.pop("sort", None)
    page = await order_queries.orders(index, OrderFilter(**where), sort, first=100)
    return names([e.node.id for e in page.edges])


@pytest.mark.asyncio(loop_scope="module")
async def test_orders_are_found_by_customer_product_status_period_and_total(
    index: TantivyIndex,
) -> None:
    assert await found(index, user_id=IDS["ada"]) == ["o3", "o1"]
    assert sorted(await found(index, search="mouse")) == ["o2", "o4"]
    assert sorted(await found(index, search="bob")) == ["o2", "o4"]
    assert await found(index, search="bob keyboard") == ["o4"]
    assert sorted(await found(index, search="KB")) == ["o1", "o4"]
    assert await found(index, status="placed") == ["o4", "o1"]
    assert await found(index, placed_from=date(2026, 1, 6), placed_to=date(2026, 1, 31)) == [
        "o3", "o2"]
    assert await found(index, min_total=Decimal("100")) == ["o4", "o1"]
    assert await found(index, sort=OrderSort.TOTAL_DESC) == ["o1", "o4", "o2", "o3"]


@pytest.mark.asyncio(loop_scope="module")
async def test_an_order_shows_its_lines_as_placed_and_its_customer(index: TantivyIndex) -> None:
    view = await order_queries.order(index, IDS["o1"])
    assert view is not None
    assert (view.status, view.total, view.units, view.customer_name) == (
        "placed", Decimal("200.00"), 3, "Ada")
    assert [(line.sku, line.quantity, line.line_total) for line in view.lines] == [
        ("KB", 1, Decimal("100.00")), ("HP", 2, Decimal("100.00"))]


@pytest.mark.asyncio(loop_scope="module")
async def test_order_lists_count_statuses_as_facets(index: TantivyIndex) -> None:
    page = await order_queries.orders(index, OrderFilter(), first=1)
    assert page.total_count == 4
    assert page.facets["status"] == {"placed": 2, "shipped": 1, "cancelled": 1}


@pytest.mark.asyncio(loop_scope="module")
async def test_customers_carry_their_order_count_and_spend_without_cancelled_orders(
    index: TantivyIndex,
) -> None:
    page = await user_queries.users(index, sort=UserSort.MOST_SPENT)
    assert [(u.name, u.order_count, u.total_spent) for u in (e.node for e in page.edges)] == [
        ("Ada", 1, Decimal("200.00")), ("Bob", 2, Decimal("180.00"))]


@pytest.mark.asyncio(loop_scope="module")
async def test_best_sellers_count_reserved_units_and_not_released_ones(
    index: TantivyIndex,
) -> None:
    page = await product_queries.products(index, ProductFilter(), ProductSort.BEST_SELLING)
    sold = [(e.node.sku, e.node.sold, e.node.stock) for e in page.edges]
    assert sold[0] == ("MS", 4, 6)
    assert sorted(sold[1:]) == [("HP", 2, 8), ("KB", 2, 8)]


@pytest.mark.asyncio(loop_scope="module")
async def test_price_range_facets_count_matches_and_follow_the_search(
    index: TantivyIndex,
) -> None:
    everything = await product_queries.products(index, ProductFilter())
    assert [r.count for r in everything.ranges["price"]] == [0, 1, 1, 1, 0]
    assert [(r.low, r.high) for r in everything.ranges["price"]][:2] == [
        (None, Decimal("10.00")), (Decimal("10.00"), Decimal("50.00"))]
    keyboards = await product_queries.products(index, ProductFilter(search="keyboard"))
    assert [r.count for r in keyboards.ranges["price"]] == [0, 0, 0, 1, 0]
    cheap = await product_queries.products(index, ProductFilter(max_price=Decimal("30")))
    assert [e.node.sku for e in cheap.edges] == ["MS"]
    assert [r.count for r in cheap.ranges["price"]] == [0, 1, 1, 1, 0]  # ignores its own filter


def summary(buckets: list[sales.SalesBucket]) -> list[tuple[Any, ...]]:
    return [(b.start.isoformat(), str(b.revenue), b.orders, b.units,
             [(g.key, str(g.revenue), g.orders, g.units) for g in b.groups]) for b in buckets]


@pytest.mark.asyncio(loop_scope="module")
async def test_monthly_sales_by_status_leave_cancelled_orders_out_unless_asked(
    index: TantivyIndex,
) -> None:
    first, last = date(2026, 1, 1), date(2026, 2, 28)
    by_status = await sales.sales_summary(index, first, last, Interval.MONTH, GroupBy.STATUS)
    assert summary(by_status) == [
        ("2026-01-01", "260.00", 2, 6, [("placed", "200.00", 1, 3), ("shipped", "60.00", 1, 3)]),
        ("2026-02-01", "120.00", 1, 2, [("placed", "120.00", 1, 2)]),
    ]
    everything = await sales.sales_summary(index, first, last, Interval.MONTH, GroupBy.STATUS,
                                           include_cancelled=True)
    assert summary(everything)[0][:4] == ("2026-01-01", "310.00", 3, 7)
    assert ("cancelled", "50.00", 1, 1) in summary(everything)[0][4]


@pytest.mark.asyncio(loop_scope="module")
async def test_monthly_sales_by_category_split_orders_across_their_categories(
    index: TantivyIndex,
) -> None:
    by_category = await sales.sales_summary(
        index, date(2026, 1, 1), date(2026, 2, 28), Interval.MONTH, GroupBy.CATEGORY
    )
    assert summary(by_category) == [
        ("2026-01-01", "260.00", 2, 6, [("audio", "100.00", 1, 2), ("input", "160.00", 2, 4)]),
        ("2026-02-01", "120.00", 1, 2, [("input", "120.00", 1, 2)]),
    ]


@pytest.mark.asyncio(loop_scope="module")
async def test_weekly_and_daily_buckets_cover_the_period_including_empty_ones(
    index: TantivyIndex,
) -> None:
    weeks = await sales.sales_summary(
        index, date(2026, 1, 1), date(2026, 1, 18), Interval.WEEK, GroupBy.STATUS
    )
    assert [(b.start.isoformat(), str(b.revenue), b.orders) for b in weeks] == [
        ("2025-12-29", "0.00", 0), ("2026-01-05", "260.00", 2), ("2026-01-12", "0.00", 0)]
    days = await sales.sales_summary(
        index, date(2026, 1, 5), date(2026, 1, 7), Interval.DAY, GroupBy.STATUS
    )
    assert [(b.start.isoformat(), str(b.revenue), b.units) for b in days] == [
        ("2026-01-05", "200.00", 3), ("2026-01-06", "0.00", 0), ("2026-01-07", "60.00", 3)]
