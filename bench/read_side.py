"""The three questions (bench/questions.py) asked of the read side: the `read/` query functions the
GraphQL resolvers call, on the index the service itself uses, their answers put in the shared
shape. No HTTP: the SQL side has none either."""

from __future__ import annotations

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
from read.index import SearchIndex
from read.query.order_queries import OrderFilter, OrderSort, OrderView, orders
from read.query.product_queries import ProductFilter, ProductSort, ProductView, products
from read.query.sales_queries import GroupBy, Interval, sales_summary


async def search_orders(index: SearchIndex, question: OrderSearch) -> Orders:
    where = OrderFilter(
        status=question.status,
        placed_from=question.placed_from,
        placed_to=question.placed_to,
        min_total=question.min_total,
        search=question.words,
    )
    page = await orders(index, where, OrderSort.NEWEST, PAGE)
    return Orders(page.total_count, tuple(_order(edge.node) for edge in page.edges))


async def sales_by_day(index: SearchIndex, question: SalesByDay) -> tuple[DaySales, ...]:
    buckets = await sales_summary(index, question.first, question.last, Interval.DAY,
                                  GroupBy.STATUS)
    return tuple(
        DaySales(
            bucket.start,
            Sales(bucket.revenue, bucket.orders, bucket.units),
            tuple((g.key, Sales(g.revenue, g.orders, g.units)) for g in bucket.groups),
        )
        for bucket in buckets
    )


async def category_page(index: SearchIndex, question: CategoryPage) -> Products:
    sort = ProductSort.PRICE_DESC if question.descending else ProductSort.PRICE_ASC
    page = await products(index, ProductFilter(category=question.category), sort, PAGE)
    return Products(
        total=page.total_count,
        products=tuple(_product(edge.node) for edge in page.edges),
        per_category=tuple(sorted(page.facets["category"].items())),
        per_price_range=tuple(r.count for r in page.ranges["price"]),
    )


def _order(view: OrderView) -> FoundOrder:
    return FoundOrder(
        id=view.id,
        version=view.version,
        status=view.status,
        user_id=view.user_id,
        customer_name=view.customer_name,
        customer_email=view.customer_email,
        placed_at=view.placed_at,
        total=view.total,
        units=view.units,
        lines=tuple(
            Line(line.product_id, line.sku, line.name, line.category, line.unit_price,
                 line.quantity)
            for line in view.lines
        ),
    )


def _product(view: ProductView) -> ListedProduct:
    return ListedProduct(view.id, view.version, view.sku, view.name, view.category, view.price,
                         view.stock, view.status)
