"""Read-side GraphQL types, built from read/ view models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from read import queries
from read.views import Page, ProductView, UserView


@strawberry.enum
class UserStatus(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


@strawberry.enum
class ProductStatus(Enum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"


UserSort = strawberry.enum(queries.UserSort, name="UserSort")
ProductSort = strawberry.enum(queries.ProductSort, name="ProductSort")


@strawberry.type
class User:
    id: strawberry.ID
    version: int
    name: str
    email: str
    status: UserStatus
    registered_at: datetime

    @classmethod
    def from_view(cls, v: UserView) -> User:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            name=v.name,
            email=v.email,
            status=UserStatus(v.status),
            registered_at=v.registered_at,
        )


@strawberry.type
class Product:
    id: strawberry.ID
    version: int
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int
    status: ProductStatus
    added_at: datetime

    @strawberry.field
    def in_stock(self) -> bool:
        return self.stock > 0

    @classmethod
    def from_view(cls, v: ProductView) -> Product:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            sku=v.sku,
            name=v.name,
            description=v.description,
            category=v.category,
            price=v.price,
            stock=v.stock,
            status=ProductStatus(v.status),
            added_at=v.added_at,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UserEdge:
    cursor: str
    node: User


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: Page[UserView]) -> UserConnection:
        return cls(
            edges=[UserEdge(cursor=e.cursor, node=User.from_view(e.node)) for e in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
        )


@strawberry.type
class FacetBucket:
    value: str
    count: int


@strawberry.type
class ProductFacets:
    category: list[FacetBucket] = strawberry.field(
        description="Matching products per category, most first."
    )


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int
    facets: ProductFacets

    @classmethod
    def from_page(cls, page: Page[ProductView]) -> ProductConnection:
        counts = page.facets.get("category", {})
        buckets = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls(
            edges=[
                ProductEdge(cursor=e.cursor, node=Product.from_view(e.node)) for e in page.edges
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
            facets=ProductFacets(category=[FacetBucket(value=k, count=n) for k, n in buckets]),
        )
