"""The Order's operations: its query fields, answered from the search index through read/
functions, and its mutations: place an order (reserving its stock), cancel it (releasing the
stock) or ship it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from read.projection.order_documents import ORDER
from read.query import order_queries
from read.query.order_queries import OrderFilter
from read.query.pages import Page
from schema.access.authentication import Role
from schema.access.permissions import read_model
from schema.access.rules import may_see
from schema.connection_types import After, First
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.order_types import (
    CancelOrderInput,
    CancelOrderResult,
    Order,
    OrderCancelled,
    OrderConnection,
    OrderPlaced,
    OrderShipped,
    OrderSort,
    OrderStatus,
    PlaceOrderInput,
    PlaceOrderResult,
    ShipOrderInput,
    ShipOrderResult,
)
from schema.outcomes import execute
from schema.selections import asks_for
from write.orders.order_commands import CancelOrder, PlaceOrder, RequestedLine, ShipOrder


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
    page = await order_queries.orders(info.context.index, where, sort, first, after,
                                      facets=asks_for(info, "facets"))
    return OrderConnection.from_page(page)


@strawberry.type
class OrderQueries:
    """Every field takes `consistency` (see schema/read_model.py) to read a write back."""

    order: Order | None = strawberry.field(
        resolver=order, description="One order by id, or null.", extensions=read_model(),
    )
    orders: OrderConnection = strawberry.field(
        resolver=orders,
        description="Orders, full-text searched over product names, SKUs and the customer.",
        extensions=read_model(),
    )


@strawberry.type
class OrderMutations:
    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> PlaceOrderResult:
        lines = tuple(RequestedLine(n.product_id, n.quantity) for n in input.lines)
        return await execute(info, PlaceOrder(input.user_id, lines), OrderPlaced)

    @strawberry.mutation
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> CancelOrderResult:
        command = CancelOrder(input.id, input.expected_version)
        return await execute(info, command, OrderCancelled)

    @strawberry.mutation
    async def ship_order(self, info: Info, input: ShipOrderInput) -> ShipOrderResult:
        command = ShipOrder(input.id, input.expected_version)
        return await execute(info, command, OrderShipped)


OPERATIONS = GraphKind(queries=OrderQueries, mutations=OrderMutations, documents={ORDER: Order})
