"""The sales summary's GraphQL types: revenue, orders and units per period, grouped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from read.query import sales_queries as sales

Interval = strawberry.enum(sales.Interval, name="SalesInterval")
GroupBy = strawberry.enum(sales.GroupBy, name="SalesGroupBy")


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
