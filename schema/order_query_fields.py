"""Order and sales queries: answered from the search index only, through read/ functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from read.documents import ORDER
from read.query import order_queries
from read.query import sales_queries as sales
from read.query.order_queries import OrderFilter
from read.query.views import Page
from schema.access.authentication import Role
from schema.access.rules import may_see
from schema.context import Info
from schema.order_types import (
    GroupBy,
    Interval,
    Order,
    OrderConnection,
    OrderSort,
    OrderStatus,
    SalesBucket,
)
from schema.types import After, First


async def order(info: Info, id: strawberry.ID) -> Order | None:
    view = await order_queries.order(info.context.index, id)
    if view is None or not may_see(info.context.principal, ORDER, {"user_id": view.user_id}, id):
        return None  # someone else's order: as if there were none
    return Order.from_view(view)


async def orders(
    info: Info,
    user_id: strawberry.ID | None = None,
    status: OrderStatus | None = None,
    placed_from: Annotated[date | None, strawberry.argument(description="First day, UTC.")] = None,
    placed_to: Annotated[date | None, strawberry.argument(description="Last day, UTC.")] = None,
    min_total: Decimal | None = None,
    max_total: Decimal | None = None,
    search: str | None = None,
    sort: OrderSort | None = None,  # type: ignore[valid-type]
    first: First = 20,
    after: After = None,
) -> OrderConnection:
    principal = info.context.principal
    if principal.role is Role.CUSTOMER:  # scoped in the index query: only their own orders
        if user_id is not None and user_id != principal.user_id:
            return OrderConnection.from_page(Page(edges=[], has_next_page=False, total_count=0))
        user_id = strawberry.ID(principal.user_id or "")
    where = OrderFilter(
        user_id=user_id, status=status.value if status else None, placed_from=placed_from,
        placed_to=placed_to, min_total=min_total, max_total=max_total, search=search,
    )
    page = await order_queries.orders(info.context.index, where, sort, first, after)
    return OrderConnection.from_page(page)


async def sales_summary(
    info: Info,
    from_: Annotated[date, strawberry.argument(name="from", description="First day, UTC.")],
    to: Annotated[date, strawberry.argument(description="Last day, UTC (inclusive).")],
    interval: Interval,  # type: ignore[valid-type]
    group_by: GroupBy,  # type: ignore[valid-type]
    include_cancelled: bool = False,
) -> list[SalesBucket]:
    buckets = await sales.sales_summary(
        info.context.index, from_, to, interval, group_by, include_cancelled
    )
    return [SalesBucket.from_view(b) for b in buckets]
