"""What the order handler tests share: a user, products, placing an order, the store's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.unit.fakes import FakeStore, FakeUnitOfWork
from write.command_results import OrderPlacedResult
from write.handling import handle
from write.orders.order import Order
from write.orders.order_commands import PlaceOrder, RequestedLine
from write.products.product import Product
from write.products.product_commands import AddProduct
from write.users.user import User
from write.users.user_commands import RegisterUser

UNKNOWN = "00000000-0000-4000-8000-000000000001"


async def user(uow: FakeUnitOfWork, email: str = "ada@example.com") -> str:
    return (await handle(RegisterUser("Ada Lovelace", email), uow)).aggregate_id


async def product(uow: FakeUnitOfWork, sku: str, price: str = "12.50", stock: int = 10) -> str:
    command = AddProduct(sku, f"Item {sku}", "", "office", Decimal(price), stock)
    return (await handle(command, uow)).aggregate_id


async def place(uow: FakeUnitOfWork, user_id: str, *lines: tuple[str, int]) -> OrderPlacedResult:
    command = PlaceOrder(user_id, tuple(RequestedLine(p, q) for p, q in lines))
    result = await handle(command, uow)
    assert isinstance(result, OrderPlacedResult)
    return result


def state(store: FakeStore) -> tuple[object, ...]:
    """Everything the store holds, as plain values, to show that a refused command changed none."""
    products = {i: (p.stock, p.status, p.version) for i, p in store.rows_of(Product).items()}
    orders = {i: (o.status, o.version, len(o.lines)) for i, o in store.rows_of(Order).items()}
    users = {i: (u.status, u.version) for i, u in store.rows_of(User).items()}
    return users, products, orders, [dict(event) for event in store.log]


def logged(uow: FakeUnitOfWork, after: int) -> list[tuple[str, str, str, int, dict[str, Any]]]:
    return [
        (e["type"], e["aggregate_type"], e["aggregate_id"], e["aggregate_version"], e["payload"])
        for e in uow.log[after:]
    ]
