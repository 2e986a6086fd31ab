"""The Product's GraphQL types: the product as the read side shows it, its connection and
facets, and its mutations' inputs, payloads and result unions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from read.index import Document
from read.query import product_queries
from read.query.pages import Page
from read.query.product_queries import ProductView
from schema.connection_types import Connection, FacetBucket, buckets
from schema.error_types import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    Refused,
    SkuTaken,
    VersionConflict,
)
from schema.mutation_types import EXPECTED_VERSION, Accepted


@strawberry.enum
class ProductStatus(Enum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"


ProductSort = strawberry.enum(product_queries.ProductSort, name="ProductSort")


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
    supplier_id: strawberry.ID | None = strawberry.field(
        default=None, description="The supplier the product names, if any."
    )
    supplier_name: str | None = strawberry.field(
        default=None, description="That supplier's current name."
    )

    @strawberry.field
    def in_stock(self) -> bool:
        return self.stock > 0

    @classmethod
    def from_view(cls, v: ProductView) -> Product:
        return cls(
            id=strawberry.ID(v.id), version=v.version, sku=v.sku, name=v.name,
            description=v.description, category=v.category, price=v.price, stock=v.stock,
            sold=v.sold, status=ProductStatus(v.status), added_at=v.added_at,
            supplier_id=strawberry.ID(v.supplier_id) if v.supplier_id else None,
            supplier_name=v.supplier_name,
        )

    @classmethod
    def from_document(cls, document: Document) -> Product:
        return cls.from_view(ProductView.from_document(document))


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
class ProductConnection(Connection[Product]):
    facets: ProductFacets

    @classmethod
    def from_page(cls, page: Page[ProductView]) -> ProductConnection:
        facets = ProductFacets(
            category=buckets(page.facets.get("category", {})),
            price_range=[PriceRange(min=r.low, max=r.high, count=r.count)
                         for r in page.ranges.get("price", [])],
        )
        return cls.of(page, Product.from_view, facets=facets)


@strawberry.input
class AddProductInput:
    sku: str
    name: str
    description: str = ""
    category: str
    price: Decimal
    stock: int = 0


@strawberry.input
class ChangeProductPriceInput:
    id: strawberry.ID
    price: Decimal
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class RestockProductInput:
    id: strawberry.ID
    quantity: int
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DescribeProductInput:
    id: strawberry.ID
    name: str
    description: str
    category: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DiscontinueProductInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class AssignProductSupplierInput:
    id: strawberry.ID
    supplier_id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.type
class ProductSupplierAssigned(Accepted):
    pass


@strawberry.type
class ProductAdded(Accepted):
    pass


@strawberry.type
class ProductPriceChanged(Accepted):
    pass


@strawberry.type
class ProductRestocked(Accepted):
    pass


@strawberry.type
class ProductDescribed(Accepted):
    pass


@strawberry.type
class ProductDiscontinued(Accepted):
    pass


# How a command that changes an existing product may fail.
Changed = InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused

AddProductResult = Annotated[
    ProductAdded | InvalidInput | SkuTaken | Refused, strawberry.union("AddProductResult")
]
ChangeProductPriceResult = Annotated[
    ProductPriceChanged | Changed, strawberry.union("ChangeProductPriceResult")
]
RestockProductResult = Annotated[
    ProductRestocked | Changed, strawberry.union("RestockProductResult")
]
DescribeProductResult = Annotated[
    ProductDescribed | Changed, strawberry.union("DescribeProductResult")
]
AssignProductSupplierResult = Annotated[
    ProductSupplierAssigned | Changed, strawberry.union("AssignProductSupplierResult")
]
DiscontinueProductResult = Annotated[
    ProductDiscontinued | Changed, strawberry.union("DiscontinueProductResult")
]
