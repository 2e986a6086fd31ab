"""Domain events: facts, named in the past tense. Their wire format is in docs/events.md.

Changing an event's shape means bumping its SCHEMA_VERSION entry and teaching the read side an
upcaster; never a silent change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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
}


def type_name(event: Event) -> str:
    return type(event).__name__


def payload(event: Event) -> dict[str, Any]:
    """The event's fields as JSON values; decimals travel as strings ("12.50"), never floats."""
    return {
        name: format(value, "f") if isinstance(value, Decimal) else value
        for name, value in dataclasses.asdict(event).items()
    }
