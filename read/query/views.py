"""View models: what the read side answers with. Built from index documents, never from the ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from read.index import Document

T = TypeVar("T")


@dataclass(frozen=True)
class UserView:
    id: str
    version: int
    name: str
    email: str
    status: str
    registered_at: datetime
    order_count: int
    total_spent: Decimal

    @classmethod
    def from_document(cls, doc: Document) -> UserView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            name=b["name"],
            email=b["email"],
            status=b["status"],
            registered_at=datetime.fromisoformat(b["registered_at"]),
            order_count=b["order_count"],
            total_spent=Decimal(b["total_spent"]),
        )


@dataclass(frozen=True)
class ProductView:
    id: str
    version: int
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int
    sold: int
    status: str
    added_at: datetime
    supplier_id: str | None = None
    supplier_name: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> ProductView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            sku=b["sku"],
            name=b["name"],
            description=b["description"],
            category=b["category"],
            price=Decimal(b["price"]),
            stock=b["stock"],
            sold=b["sold"],
            status=b["status"],
            added_at=datetime.fromisoformat(b["added_at"]),
            supplier_id=b.get("supplier_id"),  # absent from documents projected before suppliers
            supplier_name=b.get("supplier_name"),
        )


@dataclass(frozen=True)
class OrderLineView:
    product_id: str
    sku: str
    name: str
    category: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class OrderView:
    id: str
    version: int
    status: str
    user_id: str
    customer_name: str
    customer_email: str
    placed_at: datetime
    total: Decimal
    units: int
    lines: list[OrderLineView]

    @classmethod
    def from_document(cls, doc: Document) -> OrderView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            status=b["status"],
            user_id=b["user_id"],
            customer_name=b["customer_name"],
            customer_email=b["customer_email"],
            placed_at=datetime.fromisoformat(b["placed_at"]),
            total=Decimal(b["total"]),
            units=b["units"],
            lines=[
                OrderLineView(
                    product_id=line["product_id"],
                    sku=line["sku"],
                    name=line["name"],
                    category=line["category"],
                    unit_price=Decimal(line["unit_price"]),
                    quantity=line["quantity"],
                    line_total=Decimal(line["line_total"]),
                )
                for line in b["lines"]
            ],
        )


@dataclass(frozen=True)
class Edge(Generic[T]):
    cursor: str
    node: T


@dataclass(frozen=True)
class RangeCount:
    """How many matches fall in [low, high) (either bound may be open)."""

    low: Decimal | None
    high: Decimal | None
    count: int


@dataclass(frozen=True)
class Page(Generic[T]):
    edges: list[Edge[T]]
    has_next_page: bool
    total_count: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    ranges: dict[str, list[RangeCount]] = field(default_factory=dict)

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None
