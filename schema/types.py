"""Read-side GraphQL types for users and products, built from read/ view models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from read.query import catalog_queries as queries
from read.query.views import Page, ProductView, RangeCount, UserView


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
    order_count: int = strawberry.field(description="Orders placed and not cancelled.")
    total_spent: Decimal = strawberry.field(description="What those orders cost.")

    @classmethod
    def from_view(cls, v: UserView) -> User:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            name=v.name,
            email=v.email,
            status=UserStatus(v.status),
            registered_at=v.registered_at,
            order_count=v.order_count,
            total_spent=v.total_spent,
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
    sold: int = strawberry.field(description="Units in orders that were not cancelled.")
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
            sold=v.sold,
            status=ProductStatus(v.status),
            added_at=v.added_at,
        )


# The arguments every list field takes.
First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page.")
]


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


def buckets(counts: dict[str, int]) -> list[FacetBucket]:
    """Most first, then by value."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetBucket(value=value, count=count) for value, count in ordered]


@strawberry.type
class PriceRange:
    min: Decimal | None = strawberry.field(description="Inclusive; null: no lower bound.")
    max: Decimal | None = strawberry.field(description="Exclusive; null: no upper bound.")
    count: int


@strawberry.type
class ProductFacets:
    category: list[FacetBucket] = strawberry.field(
        description="Matching products per category, most first (ignoring the category filter)."
    )
    price_range: list[PriceRange] = strawberry.field(
        description="Matching products per price range (ignoring the price filters)."
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
        ranges: list[RangeCount] = page.ranges.get("price", [])
        return cls(
            edges=[
                ProductEdge(cursor=e.cursor, node=Product.from_view(e.node)) for e in page.edges
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
            facets=ProductFacets(
                category=buckets(page.facets.get("category", {})),
                price_range=[PriceRange(min=r.low, max=r.high, count=r.count) for r in ranges],
            ),
        )
