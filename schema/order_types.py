"""The Order's GraphQL types: the order as the read side shows it (with its customer, as the user
is now), its connection and facets, and its mutations' inputs, payloads and result unions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Self

import strawberry

from read.index import Document
from read.query import order_queries
from read.query.order_queries import OrderLineView, OrderView
from read.query.pages import Page
from schema.connection_types import Connection, FacetBucket, buckets
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
from schema.mutation_types import EXPECTED_VERSION, Accepted
from schema.user_types import User
from write.command_results import CommandResult, OrderPlacedResult


@strawberry.enum
class OrderStatus(Enum):
    PLACED = "placed"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


OrderSort = strawberry.enum(order_queries.OrderSort, name="OrderSort")


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
            id=strawberry.ID(v.id), version=v.version, status=OrderStatus(v.status),
            placed_at=v.placed_at, total=v.total, units=v.units,
            customer=Customer(id=strawberry.ID(v.user_id), name=v.customer_name,
                              email=v.customer_email),
            lines=[OrderLine.from_view(line) for line in v.lines],
        )

    @classmethod
    def from_document(cls, document: Document) -> Order:
        return cls.from_view(OrderView.from_document(document))


@strawberry.type
class OrderFacets:
    status: list[FacetBucket]


@strawberry.type
class OrderConnection(Connection[Order]):
    facets: OrderFacets

    @classmethod
    def from_page(cls, page: Page[OrderView]) -> OrderConnection:
        facets = OrderFacets(status=buckets(page.facets.get("status", {})))
        return cls.of(page, Order.from_view, facets=facets)


@strawberry.input
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.input
class PlaceOrderInput:
    user_id: strawberry.ID
    lines: list[OrderLineInput] = strawberry.field(
        description="1 to 50 lines, each product at most once; the order keeps them in this order."
    )


@strawberry.input
class CancelOrderInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class ShipOrderInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.type
class OrderPlaced(Accepted):
    total: Decimal = strawberry.field(description="The order's total at the prices of placement.")

    @classmethod
    def of(cls, result: CommandResult, token: str) -> Self:
        if not isinstance(result, OrderPlacedResult):
            raise TypeError(f"placing an order reported {result!r}")
        return cls(id=strawberry.ID(result.aggregate_id), version=result.version,
                   consistency_token=token, total=result.total)


@strawberry.type
class OrderCancelled(Accepted):
    pass


@strawberry.type
class OrderShipped(Accepted):
    pass


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
