"""The Product commands: requests to change a product, in the imperative; handlers validate them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from write.messages import Command


@dataclass(frozen=True)
class AddProduct(Command):
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ChangeProductPrice(Command):
    id: str
    price: Decimal
    expected_version: int | None = None


@dataclass(frozen=True)
class RestockProduct(Command):
    id: str
    quantity: int
    expected_version: int | None = None


@dataclass(frozen=True)
class DescribeProduct(Command):
    id: str
    name: str
    description: str
    category: str
    expected_version: int | None = None


@dataclass(frozen=True)
class AssignProductSupplier(Command):
    id: str
    supplier_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DiscontinueProduct(Command):
    id: str
    expected_version: int | None = None

