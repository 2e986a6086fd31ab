"""Read-side GraphQL types for orders and sales summaries, built from read/ view models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from read.query import order_queries
from read.query import sales_queries as sales
from read.query.views import OrderLineView, OrderView, Page
from schema.context import Info
from schema.types import FacetBucket, PageInfo, User, buckets


@strawberry.enum
class OrderStatus(Enum):
    PLACED = "placed"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


OrderSort = strawberry.enum(order_queries.OrderSort, name="OrderSort")
Interval = strawberry.enum(sales.Interval, name="SalesInterval")
GroupBy = strawberry.enum(sales.GroupBy, name="SalesGroupBy")


@strawberry.type(description="A line as it was when the order was placed.")
class OrderLine:
    product_id: strawberry.ID
    sku: str
    name: str
    category: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal

    @classmethod
    def from_view(cls, v: OrderLineView) -> OrderLine:
        return cls(
            product_id=strawberry.ID(v.product_id), sku=v.sku, name=v.name,
            category=v.category, unit_price=v.unit_price, quantity=v.quantity,
            line_total=v.line_total,
        )


async def customer_user(root: Customer, info: Info) -> User | None:
    view = await info.context.users.load(str(root.id))  # one index request per GraphQL request
    return User.from_view(view) if view else None


@strawberry.type(description="Who placed the order, as the user is now.")
class Customer:
    id: strawberry.ID
    name: str
    email: str
    user: User | None = strawberry.field(
        resolver=customer_user, description="The customer's user document."
    )


@strawberry.type
class Order:
    id: strawberry.ID
    version: int
    status: OrderStatus
    placed_at: datetime
    total: Decimal
    units: int
    customer: Customer
    lines: list[OrderLine]

    @classmethod
    def from_view(cls, v: OrderView) -> Order:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            status=OrderStatus(v.status),
            placed_at=v.placed_at,
            total=v.total,
            units=v.units,
            customer=Customer(id=strawberry.ID(v.user_id), name=v.customer_name,
                              email=v.customer_email),
            lines=[OrderLine.from_view(line) for line in v.lines],
        )


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderFacets:
    status: list[FacetBucket]


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    total_count: int
    facets: OrderFacets

    @classmethod
    def from_page(cls, page: Page[OrderView]) -> OrderConnection:
        return cls(
            edges=[OrderEdge(cursor=e.cursor, node=Order.from_view(e.node)) for e in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
            facets=OrderFacets(status=buckets(page.facets.get("status", {}))),
        )


@strawberry.type
class SalesGroup:
    key: str = strawberry.field(description="The order status or product category.")
    revenue: Decimal
    orders: int
    units: int


@strawberry.type
class SalesBucket:
    start: date = strawberry.field(description="First day of the day, week (Monday) or month.")
    revenue: Decimal
    orders: int
    units: int
    groups: list[SalesGroup]

    @classmethod
    def from_view(cls, v: sales.SalesBucket) -> SalesBucket:
        return cls(
            start=v.start, revenue=v.revenue, orders=v.orders, units=v.units,
            groups=[SalesGroup(key=g.key, revenue=g.revenue, orders=g.orders, units=g.units)
                    for g in v.groups],
        )
