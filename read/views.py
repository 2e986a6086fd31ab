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

    @classmethod
    def from_document(cls, doc: Document) -> UserView:
        b = doc.body
        return cls(
            id=doc.id,
            version=doc.version,
            name=b["name"],
            email=b["email"],
            status=b["status"],
            registered_at=datetime.fromisoformat(b["registered_at"]),
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
    status: str
    added_at: datetime

    @classmethod
    def from_document(cls, doc: Document) -> ProductView:
        b = doc.body
        return cls(
            id=doc.id,
            version=doc.version,
            sku=b["sku"],
            name=b["name"],
            description=b["description"],
            category=b["category"],
            price=Decimal(b["price"]),
            stock=b["stock"],
            status=b["status"],
            added_at=datetime.fromisoformat(b["added_at"]),
        )


@dataclass(frozen=True)
class Edge(Generic[T]):
    cursor: str
    node: T


@dataclass(frozen=True)
class Page(Generic[T]):
    edges: list[Edge[T]]
    has_next_page: bool
    total_count: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None
