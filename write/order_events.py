"""The Order aggregate's events; write/events.py lists them with the others (the `Event` union)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


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
class OrderPlaced:
    user_id: str
    customer_version: int
    customer_name: str
    customer_email: str
    lines: tuple[PlacedLine, ...]
    total: Decimal
    units: int


@dataclass(frozen=True)
class OrderCancelled:
    pass


@dataclass(frozen=True)
class OrderShipped:
    pass
