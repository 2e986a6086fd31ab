"""Handlers of the Product commands: validate, load, decide, commit."""

from __future__ import annotations

import uuid

from write import input_checks as v
from write.command_results import CommandResult
from write.domain_limits import CATEGORY_MAX, DESCRIPTION_MAX, PRODUCT_NAME_MAX
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
    AssignProductSupplier,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.suppliers.supplier import Supplier
from write.unit_of_work import UnitOfWork


async def add_product(cmd: AddProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        sku = check.sku("sku", cmd.sku)
        name = check.text("name", cmd.name, PRODUCT_NAME_MAX)
        description = check.text("description", cmd.description, DESCRIPTION_MAX, False)
        category = check.text("category", cmd.category, CATEGORY_MAX)
        price = check.price("price", cmd.price)
        stock = check.count("stock", cmd.stock, 0)
    async with uow:
        product = Product.add(str(uuid.uuid4()), sku, name, description, category, price, stock)
        uow.repository(Product).add(product)
        return CommandResult.of(product, await uow.commit())


async def change_product_price(cmd: ChangeProductPrice, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        price = check.price("price", cmd.price)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.repository(Product).load(cmd.id, cmd.expected_version)
        product.change_price(price)
        return CommandResult.of(product, await uow.commit())


async def restock_product(cmd: RestockProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        quantity = check.count("quantity", cmd.quantity, 1)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.repository(Product).load(cmd.id, cmd.expected_version)
        product.restock(quantity)
        return CommandResult.of(product, await uow.commit())


async def describe_product(cmd: DescribeProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, PRODUCT_NAME_MAX)
        description = check.text("description", cmd.description, DESCRIPTION_MAX, False)
        category = check.text("category", cmd.category, CATEGORY_MAX)
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.repository(Product).load(cmd.id, cmd.expected_version)
        product.describe(name, description, category)
        return CommandResult.of(product, await uow.commit())


async def assign_product_supplier(cmd: AssignProductSupplier, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.repository(Product).load(cmd.id, cmd.expected_version)
        product.assign_supplier(await uow.repository(Supplier).load(cmd.supplier_id))
        return CommandResult.of(product, await uow.commit())


async def discontinue_product(cmd: DiscontinueProduct, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        product = await uow.repository(Product).load(cmd.id, cmd.expected_version)
        product.discontinue()
        return CommandResult.of(product, await uow.commit())

