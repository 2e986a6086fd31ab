"""Domain events: facts, named in the past tense. Their wire format is in docs/events.md.

Changing an event's shape means bumping its SCHEMA_VERSION entry and teaching the read side an
upcaster; never a silent change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from write.order_events import OrderCancelled, OrderPlaced, OrderShipped


@dataclass(frozen=True)
class UserRegistered:
    name: str
    email: str


@dataclass(frozen=True)
class UserEmailChanged:
    email: str


@dataclass(frozen=True)
class UserRenamed:
    name: str


@dataclass(frozen=True)
class UserDeactivated:
    pass


@dataclass(frozen=True)
class ProductAdded:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ProductPriceChanged:
    price: Decimal


@dataclass(frozen=True)
class ProductRestocked:
    quantity: int
    stock: int


@dataclass(frozen=True)
class ProductDescribed:
    name: str
    description: str
    category: str


@dataclass(frozen=True)
class ProductDiscontinued:
    pass


@dataclass(frozen=True)
class ProductStockReserved:
    order_id: str
    quantity: int
    stock: int


@dataclass(frozen=True)
class ProductStockReleased:
    order_id: str
    quantity: int
    stock: int


Event = (
    UserRegistered
    | UserEmailChanged
    | UserRenamed
    | UserDeactivated
    | ProductAdded
    | ProductPriceChanged
    | ProductRestocked
    | ProductDescribed
    | ProductDiscontinued
    | ProductStockReserved
    | ProductStockReleased
    | OrderPlaced
    | OrderCancelled
    | OrderShipped
)

SCHEMA_VERSION: dict[type[Event], int] = {
    UserRegistered: 1,
    UserEmailChanged: 1,
    UserRenamed: 1,
    UserDeactivated: 1,
    ProductAdded: 1,
    ProductPriceChanged: 1,
    ProductRestocked: 1,
    ProductDescribed: 1,
    ProductDiscontinued: 1,
    ProductStockReserved: 1,
    ProductStockReleased: 1,
    OrderPlaced: 1,
    OrderCancelled: 1,
    OrderShipped: 1,
}


def type_name(event: Event) -> str:
    return type(event).__name__


def payload(event: Event) -> dict[str, Any]:
    """The event's fields as JSON values; decimals travel as strings ("12.50"), never floats."""
    fields: dict[str, Any] = _json(dataclasses.asdict(event))
    return fields


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {name: _json(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value
