"""Queries: answered from the search index only, through read/ query functions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from read import queries
from read.queries import ProductFilter
from schema.context import Info
from schema.read_model import ReadModelField
from schema.types import Product, ProductConnection, ProductSort, User, UserConnection, UserSort

PAGE = "Page size, 1 to 100."
AFTER = "The endCursor of the previous page."


def read_field(description: str) -> object:
    return strawberry.field(description=description, extensions=[ReadModelField()])


@strawberry.type
class Query:
    @read_field("One user by id, or null.")  # type: ignore[misc]
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        view = await queries.user(info.context.index, id)
        return User.from_view(view) if view else None

    @read_field("Users, full-text searched over name and email.")  # type: ignore[misc]
    async def users(
        self,
        info: Info,
        search: str | None = None,
        sort: UserSort | None = None,  # type: ignore[valid-type]
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> UserConnection:
        page = await queries.users(info.context.index, search, sort, first, after)
        return UserConnection.from_page(page)

    @read_field("One product by id, or null.")  # type: ignore[misc]
    async def product(self, info: Info, id: strawberry.ID) -> Product | None:
        view = await queries.product(info.context.index, id)
        return Product.from_view(view) if view else None

    @read_field("Products, full-text searched over name, description and SKU.")  # type: ignore[misc]
    async def products(
        self,
        info: Info,
        search: str | None = None,
        category: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock: bool | None = None,
        sort: ProductSort | None = None,  # type: ignore[valid-type]
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> ProductConnection:
        where = ProductFilter(search, category, min_price, max_price, in_stock)
        page = await queries.products(info.context.index, where, sort, first, after)
        return ProductConnection.from_page(page)
