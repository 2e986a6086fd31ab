"""What the user and product handler tests share: a user, a product, the store's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.unit.fakes import FakeStore, FakeUnitOfWork
from write.command_results import CommandResult
from write.handling import handle
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
)
from write.users.user import User
from write.users.user_commands import RegisterUser

UNKNOWN = "00000000-0000-4000-8000-000000000001"


async def register(uow: FakeUnitOfWork, email: str = "ada@example.com") -> CommandResult:
    return await handle(RegisterUser(name="Ada Lovelace", email=email), uow)


async def add(uow: FakeUnitOfWork, sku: str = "kb-1", stock: int = 3) -> CommandResult:
    command = AddProduct(sku, "Keyboard", "Clicky", "input", Decimal("12.50"), stock)
    return await handle(command, uow)


def state(store: FakeStore) -> tuple[object, ...]:
    """Everything the store holds, as plain values, to show that a refused command changed none."""
    users = {i: (u.name, u.email, u.status, u.version) for i, u in store.rows_of(User).items()}
    products = {
        i: (p.sku, p.name, p.description, p.category, p.price, p.stock, p.status, p.version)
        for i, p in store.rows_of(Product).items()
    }
    return users, products, [dict(event) for event in store.log]


def last_event(uow: FakeUnitOfWork) -> tuple[str, int, dict[str, Any]]:
    event = uow.log[-1]
    return event["type"], event["aggregate_version"], event["payload"]
