"""Suppliers in the real write store (SQLite and PostgreSQL): saved, named by products through a
foreign key, and refused when unknown, with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import run
from write.command_errors import NotFound
from write.products.product_commands import AddProduct, AssignProductSupplier
from write.sqlalchemy.tables import events, products, suppliers
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier


async def test_a_product_names_a_stored_supplier(engine: AsyncEngine) -> None:
    acme = (await run(engine, AddSupplier("Acme", "sales@acme.example"))).aggregate_id
    await run(engine, RenameSupplier(acme, "Acme Corp"))
    kb = (await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("9.99"), 1)))
    assigned = await run(engine, AssignProductSupplier(kb.aggregate_id, acme))
    async with engine.connect() as connection:
        supplier = (await connection.execute(select(suppliers))).one()
        product = (await connection.execute(select(products.c.supplier_id))).scalar_one()
    assert (supplier.name, supplier.version, product, assigned.version) == (
        "Acme Corp", 2, acme, 2)


async def test_an_unknown_supplier_is_refused_and_nothing_is_logged(engine: AsyncEngine) -> None:
    kb = await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("9.99"), 1))
    with pytest.raises(NotFound):
        await run(engine, AssignProductSupplier(kb.aggregate_id, kb.aggregate_id))
    async with engine.connect() as connection:
        logged = (await connection.execute(select(func.count()).select_from(events))).scalar()
    assert logged == 1
