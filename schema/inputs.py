"""Mutation inputs. Field names are the domain's; `id` names the aggregate a command acts on."""

from __future__ import annotations

from decimal import Decimal

import strawberry

EXPECTED_VERSION = "Fail with VersionConflict unless the aggregate is at this version."


@strawberry.input
class RegisterUserInput:
    name: str
    email: str


@strawberry.input
class ChangeUserEmailInput:
    id: strawberry.ID
    email: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class RenameUserInput:
    id: strawberry.ID
    name: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DeactivateUserInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class AddProductInput:
    sku: str
    name: str
    description: str = ""
    category: str
    price: Decimal
    stock: int = 0


@strawberry.input
class ChangeProductPriceInput:
    id: strawberry.ID
    price: Decimal
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class RestockProductInput:
    id: strawberry.ID
    quantity: int
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DescribeProductInput:
    id: strawberry.ID
    name: str
    description: str
    category: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DiscontinueProductInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


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
