"""The Order events: facts, named in the past tense. Their wire format is in docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from write.messages import DomainEvent


@dataclass(frozen=True)
class PlacedLine:
    """One line of `OrderPlaced`: the product as it was described and priced at placement."""

    product_id: str
    sku: str
    name: str
    category: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    user_id: str
    customer_version: int
    customer_name: str
    customer_email: str
    lines: tuple[PlacedLine, ...]
    total: Decimal
    units: int


@dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    pass


@dataclass(frozen=True)
class OrderShipped(DomainEvent):
    pass

