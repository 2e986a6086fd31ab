"""What the real unit of work and outbox do beyond the port's contract (which
test_sqlalchemy_unit_of_work.py runs on them): a taken event slot, nothing left of a refusal in
any table, publishing, and migrating an up-to-date store."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import run
from write.command_errors import ConcurrentUpdate, EmailTaken, SkuTaken
from write.products.product import Product
from write.products.product_commands import AddProduct, RestockProduct
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.outbox import Envelope, mark_published, read_log, unpublished
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.sqlalchemy.tables import events, products, users
from write.users.user_commands import RegisterUser


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def history(engine: AsyncEngine, id: str) -> list[Envelope]:
    return [e for e in await read_log(engine, 0, 10_000) if e["aggregate_id"] == id]


async def stored_product(engine: AsyncEngine, id: str) -> Product:
    async with SqlAlchemyUnitOfWork(engine, None) as uow:
        product = await uow.repository(Product).get(id)
        assert product is not None
        return product


async def add_product(engine: AsyncEngine, sku: str = "KB-1", stock: int = 0) -> str:
    command = AddProduct(sku, "Keyboard", "Clicky", "input", Decimal("12.5"), stock)
    return (await run(engine, command)).aggregate_id


async def test_a_command_whose_events_cannot_be_appended_leaves_its_row_unchanged(
    engine: AsyncEngine,
) -> None:
    id = await add_product(engine, stock=3)
    squatter = (await read_log(engine, 0, 1))[0] | {"event_id": str(uuid.uuid4())}
    squatter |= {"aggregate_version": 2, "occurred_at": datetime.now(UTC)}
    del squatter["position"]
    async with engine.begin() as connection:  # the slot the next event needs is already taken
        await connection.execute(insert(events).values(squatter))

    with pytest.raises(ConcurrentUpdate):
        await run(engine, RestockProduct(id, 4))

    product = await stored_product(engine, id)
    assert (product.stock, product.version, await count(engine, events)) == (3, 1, 2)


async def test_a_refused_command_leaves_no_row_behind(engine: AsyncEngine) -> None:
    """Beyond the port's contract (tests/contracts/unit_of_work_contract.py): no table of the
    store holds anything of a refused command."""
    await run(engine, RegisterUser("Ada", "ada@example.com"))
    await add_product(engine, "KB-1")
    written = [await count(engine, t) for t in (users, products, events)]
    with pytest.raises(EmailTaken):
        await run(engine, RegisterUser("Ada Again", "ADA@example.com"))
    with pytest.raises(SkuTaken):
        await add_product(engine, "kb-1")
    assert [await count(engine, t) for t in (users, products, events)] == written


async def test_marking_events_published_removes_them_from_the_unpublished_ones(
    engine: AsyncEngine,
) -> None:
    id = await add_product(engine, stock=0)
    await run(engine, RestockProduct(id, 1))
    await run(engine, RestockProduct(id, 2))
    first, second, third = await unpublished(engine, 10)

    await mark_published(engine, [first["position"], second["position"]])

    assert await unpublished(engine, 10) == [third]
    assert await read_log(engine, 0, 10) == [first, second, third]
    assert await read_log(engine, first["position"], 10) == [second, third]


async def test_upgrading_an_up_to_date_store_again_is_harmless(
    engine: AsyncEngine, url: str
) -> None:
    id = await add_product(engine, stock=2)

    await upgrade(url)
    await asyncio.gather(upgrade(url), upgrade(url))  # replicas starting together

    assert (await stored_product(engine, id)).stock == 2
    assert (await run(engine, RestockProduct(id, 1))).version == 2
    assert [e["aggregate_version"] for e in await history(engine, id)] == [1, 2]
