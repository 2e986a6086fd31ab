"""One handler per command: validate, load, decide, commit. The table at the end routes commands."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from write import input_checks as v
from write.command_errors import ConcurrentUpdate
from write.command_results import CommandResult
from write.commands import (
    AddProduct,
    CancelOrder,
    ChangeProductPrice,
    ChangeUserEmail,
    Command,
    DeactivateUser,
    DescribeProduct,
    DiscontinueProduct,
    PlaceOrder,
    RegisterUser,
    RenameUser,
    RestockProduct,
    ShipOrder,
)
from write.order_handlers import cancel_order, place_order, ship_order
from write.products import Product
from write.unit_of_work import UnitOfWork
from write.users import User

RETRIES = 5  # a command is tried this often against concurrent updates (see `handle`)
BACKOFF = 0.005  # seconds; attempt n waits up to n times this, at random, so rivals spread out


async def register_user(cmd: RegisterUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, v.NAME_MAX)
        email = check.email("email", cmd.email)
    async with uow:
        user = User.register(str(uuid.uuid4()), name, email)
        uow.users.add(user)
        return CommandResult.of(user, await uow.commit())


async def change_user_email(cmd: ChangeUserEmail, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        email = check.email("email", cmd.email)
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.users.load(cmd.id, cmd.expected_version)
        user.change_email(email)
        return CommandResult.of(user, await uow.commit())


async def rename_user(cmd: RenameUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, v.NAME_MAX)
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.users.load(cmd.id, cmd.expected_version)
        user.rename(name)
        return CommandResult.of(user, await uow.commit())


async def deactivate_user(cmd: DeactivateUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.users.load(cmd.id, cmd.expected_version)
        user.deactivate()
        return CommandResult.of(user, await uow.commit())


async def add_product(cmd: AddProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        sku = check.sku("sku", cmd.sku)
        name = check.text("name", cmd.name, v.PRODUCT_NAME_MAX)
        description = check.text("description", cmd.description, v.DESCRIPTION_MAX, False)
        category = check.text("category", cmd.category, v.CATEGORY_MAX)
        price = check.price("price", cmd.price)
        stock = check.count("stock", cmd.stock, 0)
    async with uow:
        product = Product.add(str(uuid.uuid4()), sku, name, description, category, price, stock)
        uow.products.add(product)
        return CommandResult.of(product, await uow.commit())


async def change_product_price(cmd: ChangeProductPrice, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        price = check.price("price", cmd.price)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.products.load(cmd.id, cmd.expected_version)
        product.change_price(price)
        return CommandResult.of(product, await uow.commit())


async def restock_product(cmd: RestockProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        quantity = check.count("quantity", cmd.quantity, 1)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.products.load(cmd.id, cmd.expected_version)
        product.restock(quantity)
        return CommandResult.of(product, await uow.commit())


async def describe_product(cmd: DescribeProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, v.PRODUCT_NAME_MAX)
        description = check.text("description", cmd.description, v.DESCRIPTION_MAX, False)
        category = check.text("category", cmd.category, v.CATEGORY_MAX)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.products.load(cmd.id, cmd.expected_version)
        product.describe(name, description, category)
        return CommandResult.of(product, await uow.commit())


async def discontinue_product(cmd: DiscontinueProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.products.load(cmd.id, cmd.expected_version)
        product.discontinue()
        return CommandResult.of(product, await uow.commit())


Handler = Callable[[Any, UnitOfWork], Awaitable[CommandResult]]

HANDLERS: dict[type[Command], Handler] = {
    RegisterUser: register_user,
    ChangeUserEmail: change_user_email,
    RenameUser: rename_user,
    DeactivateUser: deactivate_user,
    AddProduct: add_product,
    ChangeProductPrice: change_product_price,
    RestockProduct: restock_product,
    DescribeProduct: describe_product,
    DiscontinueProduct: discontinue_product,
    PlaceOrder: place_order,
    CancelOrder: cancel_order,
    ShipOrder: ship_order,
}


async def handle(command: Command, uow: UnitOfWork) -> CommandResult:
    """Run the command's handler. A concurrent update is retried (the command then applies to the
    newer state) unless the client pinned `expectedVersion` of the aggregate that moved, in which
    case it is the answer."""
    handler = HANDLERS[type(command)]
    for attempt in range(1, RETRIES + 1):
        try:
            return await handler(command, uow)
        except ConcurrentUpdate as conflict:
            if _pinned(command, conflict) or attempt == RETRIES:
                raise
            await asyncio.sleep(random.uniform(0, BACKOFF * attempt))
    raise AssertionError("unreachable")


def _pinned(command: Command, conflict: ConcurrentUpdate) -> bool:
    """Whether the client fixed the version of the aggregate that moved. Another aggregate the
    command touches (a product whose stock a cancelled order gives back) may move freely: the
    retry checks the pinned version again."""
    if getattr(command, "expected_version", None) is None:
        return False
    return v.aggregate_id(getattr(command, "id", "")) == conflict.id
