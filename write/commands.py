"""Commands: requests to change state, named in the imperative. Raw input; handlers validate it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RegisterUser:
    name: str
    email: str


@dataclass(frozen=True)
class ChangeUserEmail:
    id: str
    email: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RenameUser:
    id: str
    name: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeactivateUser:
    id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class AddProduct:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ChangeProductPrice:
    id: str
    price: Decimal
    expected_version: int | None = None


@dataclass(frozen=True)
class RestockProduct:
    id: str
    quantity: int
    expected_version: int | None = None


@dataclass(frozen=True)
class DescribeProduct:
    id: str
    name: str
    description: str
    category: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DiscontinueProduct:
    id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestedLine:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class PlaceOrder:
    user_id: str
    lines: tuple[RequestedLine, ...]


@dataclass(frozen=True)
class CancelOrder:
    id: str
    expected_version: int | None = None
    by_user: str | None = None  # a customer cancelling: only their own order; None: an operator


@dataclass(frozen=True)
class ShipOrder:
    id: str
    expected_version: int | None = None


Command = (
    RegisterUser
    | ChangeUserEmail
    | RenameUser
    | DeactivateUser
    | AddProduct
    | ChangeProductPrice
    | RestockProduct
    | DescribeProduct
    | DiscontinueProduct
    | PlaceOrder
    | CancelOrder
    | ShipOrder
)
