"""The Product's operations: its query fields, answered from the search index through read/
functions, and its mutations, each building a command for the write side."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from read.projection.product_documents import PRODUCT
from read.query import product_queries
from read.query.product_queries import ProductFilter
from schema.access.permissions import read_model
from schema.connection_types import After, First
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.outcomes import execute
from schema.product_types import (
    AddProductInput,
    AddProductResult,
    AssignProductSupplierInput,
    AssignProductSupplierResult,
    ChangeProductPriceInput,
    ChangeProductPriceResult,
    DescribeProductInput,
    DescribeProductResult,
    DiscontinueProductInput,
    DiscontinueProductResult,
    Product,
    ProductAdded,
    ProductConnection,
    ProductDescribed,
    ProductDiscontinued,
    ProductPriceChanged,
    ProductRestocked,
    ProductSort,
    ProductSupplierAssigned,
    RestockProductInput,
    RestockProductResult,
)
from schema.selections import asks_for
from write.products.product_commands import (
    AddProduct,
    AssignProductSupplier,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)


async def product(info: Info, id: strawberry.ID) -> Product | None:
    view = await product_queries.product(info.context.index, id)
    return Product.from_view(view) if view else None


async def products(
    info: Info,
    search: str | None = None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    sort: ProductSort | None = None,  # type: ignore[valid-type]
    first: First = 20,
    after: After = None,
) -> ProductConnection:
    where = ProductFilter(search, category, min_price, max_price, in_stock)
    page = await product_queries.products(info.context.index, where, sort, first, after,
                                          facets=asks_for(info, "facets"))
    return ProductConnection.from_page(page)


@strawberry.type
class ProductQueries:
    """Every field takes `consistency` (see schema/read_model.py) to read a write back."""

    product: Product | None = strawberry.field(
        resolver=product, description="One product by id, or null.", extensions=read_model()
    )
    products: ProductConnection = strawberry.field(
        resolver=products,
        description="Products, full-text searched over name, description and SKU.",
        extensions=read_model(),
    )


@strawberry.type
class ProductMutations:
    @strawberry.mutation
    async def add_product(self, info: Info, input: AddProductInput) -> AddProductResult:
        command = AddProduct(
            input.sku, input.name, input.description, input.category, input.price, input.stock
        )
        return await execute(info, command, ProductAdded)

    @strawberry.mutation
    async def change_product_price(
        self, info: Info, input: ChangeProductPriceInput
    ) -> ChangeProductPriceResult:
        command = ChangeProductPrice(input.id, input.price, input.expected_version)
        return await execute(info, command, ProductPriceChanged)

    @strawberry.mutation
    async def restock_product(
        self, info: Info, input: RestockProductInput
    ) -> RestockProductResult:
        command = RestockProduct(input.id, input.quantity, input.expected_version)
        return await execute(info, command, ProductRestocked)

    @strawberry.mutation
    async def describe_product(
        self, info: Info, input: DescribeProductInput
    ) -> DescribeProductResult:
        command = DescribeProduct(
            input.id, input.name, input.description, input.category, input.expected_version
        )
        return await execute(info, command, ProductDescribed)

    @strawberry.mutation
    async def discontinue_product(
        self, info: Info, input: DiscontinueProductInput
    ) -> DiscontinueProductResult:
        command = DiscontinueProduct(input.id, input.expected_version)
        return await execute(info, command, ProductDiscontinued)

    @strawberry.mutation
    async def assign_product_supplier(
        self, info: Info, input: AssignProductSupplierInput
    ) -> AssignProductSupplierResult:
        command = AssignProductSupplier(input.id, input.supplier_id, input.expected_version)
        return await execute(info, command, ProductSupplierAssigned)


OPERATIONS = GraphKind(
    queries=ProductQueries, mutations=ProductMutations, documents={PRODUCT: Product}
)
