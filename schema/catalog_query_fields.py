"""Queries: answered from the search index only, through read/ query functions."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from read.documents import USER
from read.query import catalog_queries as queries
from read.query.catalog_queries import ProductFilter
from schema import order_query_fields as order_queries
from schema.access.permissions import RoleMayAsk, read_model
from schema.access.rules import may_see
from schema.context import Info
from schema.freshness_types import ProjectionStatus
from schema.order_types import Order, OrderConnection, SalesBucket
from schema.subscriptions import current_status
from schema.types import (
    After,
    First,
    Product,
    ProductConnection,
    ProductSort,
    User,
    UserConnection,
    UserSort,
)


async def user(info: Info, id: strawberry.ID) -> User | None:
    if not may_see(info.context.principal, USER, None, id):
        return None  # someone else's user: as if there were none
    view = await queries.user(info.context.index, id)
    return User.from_view(view) if view else None


async def users(
    info: Info,
    search: str | None = None,
    sort: UserSort | None = None,  # type: ignore[valid-type]
    first: First = 20,
    after: After = None,
) -> UserConnection:
    page = await queries.users(info.context.index, search, sort, first, after)
    return UserConnection.from_page(page)


async def product(info: Info, id: strawberry.ID) -> Product | None:
    view = await queries.product(info.context.index, id)
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
    page = await queries.products(info.context.index, where, sort, first, after)
    return ProductConnection.from_page(page)


@strawberry.type
class Query:
    """Every field takes `consistency` (see schema/read_model.py) to read a write back."""

    user: User | None = strawberry.field(
        resolver=user, description="One user by id, or null.", extensions=read_model()
    )
    users: UserConnection = strawberry.field(
        resolver=users,
        description="Users, full-text searched over name and email.",
        extensions=read_model(),
    )
    product: Product | None = strawberry.field(
        resolver=product, description="One product by id, or null.", extensions=read_model()
    )
    products: ProductConnection = strawberry.field(
        resolver=products,
        description="Products, full-text searched over name, description and SKU.",
        extensions=read_model(),
    )
    order: Order | None = strawberry.field(
        resolver=order_queries.order, description="One order by id, or null.",
        extensions=read_model(),
    )
    orders: OrderConnection = strawberry.field(
        resolver=order_queries.orders,
        description="Orders, full-text searched over product names, SKUs and the customer.",
        extensions=read_model(),
    )
    projection_status: ProjectionStatus = strawberry.field(
        resolver=current_status,
        description="How far the read side trails the write side, now.",
        permission_classes=[RoleMayAsk],
    )
    sales_summary: list[SalesBucket] = strawberry.field(
        resolver=order_queries.sales_summary,
        description="Revenue, orders and units per day, week or month, grouped by order status "
        "or product category; cancelled orders only when asked for.",
        extensions=read_model(),
    )
