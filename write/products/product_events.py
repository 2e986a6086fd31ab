"""The Product events: facts, named in the past tense. Their wire format is in docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from write.messages import DomainEvent


@dataclass(frozen=True)
class ProductAdded(DomainEvent):
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ProductPriceChanged(DomainEvent):
    price: Decimal


@dataclass(frozen=True)
class ProductRestocked(DomainEvent):
    quantity: int
    stock: int


@dataclass(frozen=True)
class ProductDescribed(DomainEvent):
    name: str
    description: str
    category: str


@dataclass(frozen=True)
class ProductSupplierAssigned(DomainEvent):
    """The supplier as it was when assigned (its version, name), like an order's customer."""

    supplier_id: str
    supplier_version: int
    supplier_name: str
    previous_supplier_id: str | None


@dataclass(frozen=True)
class ProductDiscontinued(DomainEvent):
    pass


@dataclass(frozen=True)
class ProductStockReserved(DomainEvent):
    order_id: str
    quantity: int
    stock: int


@dataclass(frozen=True)
class ProductStockReleased(DomainEvent):
    order_id: str
    quantity: int
    stock: int

