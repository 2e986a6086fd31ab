"""The Order mutations: place an order (reserving its stock), cancel it (releasing the stock) or
ship it. `schema.mutations.Mutation` inherits them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.error_types import (
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ProductUnavailable,
    Refused,
    UserInactive,
    VersionConflict,
)
from schema.inputs import CancelOrderInput, PlaceOrderInput, ShipOrderInput
from schema.outcomes import execute
from schema.payloads import OrderCancelled, OrderPlaced, OrderShipped
from write import commands

PlaceOrderResult = Annotated[
    OrderPlaced
    | InvalidInput
    | NotFound
    | UserInactive
    | ProductUnavailable
    | InsufficientStock
    | VersionConflict  # only when concurrent orders kept winning every retry
    | Refused,
    strawberry.union("PlaceOrderResult"),
]
CancelOrderResult = Annotated[
    OrderCancelled | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("CancelOrderResult"),
]
ShipOrderResult = Annotated[
    OrderShipped | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("ShipOrderResult"),
]


@strawberry.type
class OrderMutation:
    @strawberry.mutation
    async def place_order(self, info: Info, input: PlaceOrderInput) -> PlaceOrderResult:
        lines = tuple(commands.RequestedLine(n.product_id, n.quantity) for n in input.lines)
        return await execute(info, commands.PlaceOrder(input.user_id, lines), OrderPlaced)

    @strawberry.mutation
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> CancelOrderResult:
        command = commands.CancelOrder(input.id, input.expected_version)
        return await execute(info, command, OrderCancelled)

    @strawberry.mutation
    async def ship_order(self, info: Info, input: ShipOrderInput) -> ShipOrderResult:
        command = commands.ShipOrder(input.id, input.expected_version)
        return await execute(info, command, OrderShipped)
