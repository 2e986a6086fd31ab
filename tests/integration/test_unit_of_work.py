"""The real unit of work on SQLite and on PostgreSQL: rows and events commit together or not at
all, concurrent commands never lose an update, and the outbox reads back the event contract."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import Outcome, run, together
from write import commands as c
from write.command_errors import ConcurrentUpdate, EmailTaken, SkuTaken, VersionConflict
from write.command_results import CommandResult
from write.products import Product
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.outbox import Envelope, mark_published, read_log, unpublished
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.sqlalchemy.tables import events, products, users

CONTRACT = {
    "position", "event_id", "type", "schema_version", "aggregate_type", "aggregate_id",
    "aggregate_version", "occurred_at", "payload",
}


def split(
    outcomes: list[Outcome], expected: type[BaseException]
) -> tuple[list[CommandResult], list[BaseException]]:
    """Successes and expected failures; anything else fails the test with its own traceback."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, expected):
            raise outcome
    return (
        [o for o in outcomes if isinstance(o, CommandResult)],
        [o for o in outcomes if isinstance(o, BaseException)],
    )


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def history(engine: AsyncEngine, id: str) -> list[Envelope]:
    return [e for e in await read_log(engine, 0, 10_000) if e["aggregate_id"] == id]


async def stored_product(engine: AsyncEngine, id: str) -> Product:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        product = await uow.products.get(id)
        assert product is not None
        return product


async def add_product(engine: AsyncEngine, sku: str = "KB-1", stock: int = 0) -> str:
    command = c.AddProduct(sku, "Keyboard", "Clicky", "input", Decimal("12.5"), stock)
    return (await run(engine, command)).aggregate_id


async def test_a_command_commits_its_row_and_its_event_with_every_contract_field(
    engine: AsyncEngine,
) -> None:
    before = datetime.now(UTC)
    id = await add_product(engine, "kb-1", stock=3)
    result = await run(engine, c.ChangeProductPrice(id, Decimal("9.9")))

    product = await stored_product(engine, id)
    assert (product.sku, product.price, product.stock, product.version) == (
        "KB-1", Decimal("9.90"), 3, 2
    )
    added, changed = await read_log(engine, 0, 100)
    assert set(added) == set(changed) == CONTRACT
    assert changed["position"] == result.position and added["position"] < changed["position"]
    for event in (added, changed):  # canonical, distinct UUIDs
        assert event["event_id"] == str(uuid.UUID(event["event_id"]))
    assert added["event_id"] != changed["event_id"]
    assert (added["type"], added["aggregate_type"], added["aggregate_id"]) == (
        "ProductAdded", "Product", id
    )
    assert (added["schema_version"], added["aggregate_version"]) == (1, 1)
    assert (changed["type"], changed["aggregate_type"], changed["aggregate_id"]) == (
        "ProductPriceChanged", "Product", id
    )
    assert (changed["schema_version"], changed["aggregate_version"]) == (1, 2)
    assert added["payload"] == {
        "sku": "KB-1", "name": "Keyboard", "description": "Clicky", "category": "input",
        "price": "12.50", "stock": 3,
    }
    assert changed["payload"] == {"price": "9.90"}
    occurred = datetime.fromisoformat(changed["occurred_at"])
    assert occurred.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= occurred <= datetime.now(UTC) + timedelta(seconds=1)
    assert await unpublished(engine, 100) == [added, changed]


async def test_a_refused_command_writes_neither_its_row_nor_its_events(
    engine: AsyncEngine,
) -> None:
    ada = (await run(engine, c.RegisterUser("Ada", "ada@example.com"))).aggregate_id
    bob = (await run(engine, c.RegisterUser("Bob", "bob@example.com"))).aggregate_id
    await add_product(engine, "KB-1")
    written = [await count(engine, t) for t in (users, products, events)]

    with pytest.raises(EmailTaken) as taken:
        await run(engine, c.RegisterUser("Ada Again", "ADA@example.com"))
    assert taken.value.email == "ADA@example.com"
    with pytest.raises(EmailTaken):
        await run(engine, c.ChangeUserEmail(bob, "Ada@Example.com"))
    with pytest.raises(SkuTaken):
        await add_product(engine, "kb-1")
    with pytest.raises(VersionConflict) as conflict:
        await run(engine, c.RenameUser(ada, "Ada King", expected_version=2))
    assert (conflict.value.expected, conflict.value.actual) == (2, 1)

    assert [await count(engine, t) for t in (users, products, events)] == written
    async with SqlAlchemyUnitOfWork(engine) as uow:
        user = await uow.users.get(bob)
        assert user is not None and (user.email, user.version) == ("bob@example.com", 1)


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
        await run(engine, c.RestockProduct(id, 4))

    product = await stored_product(engine, id)
    assert (product.stock, product.version, await count(engine, events)) == (3, 1, 2)


@pytest.mark.parametrize("kind", ["restock", "price"])
async def test_concurrent_commands_without_expected_version_never_lose_an_update(
    engine: AsyncEngine, kind: str
) -> None:
    id = await add_product(engine, stock=0)
    restocks = [c.RestockProduct(id, quantity) for quantity in range(1, 9)]
    prices = [c.ChangeProductPrice(id, Decimal(f"{20 + i}.00")) for i in range(8)]
    commands: Sequence[c.Command] = restocks if kind == "restock" else prices

    outcomes = await together(engine, commands)

    won, _ = split(outcomes, ConcurrentUpdate)
    assert won, "every command lost; the retry never let one through"
    applied = [
        cmd for cmd, o in zip(commands, outcomes, strict=True) if isinstance(o, CommandResult)
    ]
    log = (await history(engine, id))[1:]
    assert [e["aggregate_version"] for e in log] == list(range(2, len(won) + 2))
    assert sorted(r.version for r in won) == list(range(2, len(won) + 2))
    product = await stored_product(engine, id)
    assert product.version == len(won) + 1
    if kind == "restock":
        quantities = [e["payload"]["quantity"] for e in log]
        assert sorted(quantities) == sorted(
            cmd.quantity for cmd in applied if isinstance(cmd, c.RestockProduct)
        )
        assert product.stock == sum(quantities)
        assert [e["payload"]["stock"] for e in log] == [
            sum(quantities[: i + 1]) for i in range(len(quantities))
        ]
    else:
        assert sorted(e["payload"]["price"] for e in log) == sorted(
            format(cmd.price, "f") for cmd in applied if isinstance(cmd, c.ChangeProductPrice)
        )
        assert format(product.price, "f") == log[-1]["payload"]["price"]


async def test_of_two_commands_pinned_to_the_same_version_exactly_one_wins(
    engine: AsyncEngine,
) -> None:
    id = await add_product(engine, stock=0)
    pinned = [c.RestockProduct(id, q, expected_version=1) for q in (5, 7)]

    outcomes = await together(engine, pinned)

    [winner], [loser] = split(outcomes, VersionConflict)
    assert isinstance(loser, VersionConflict) and (loser.id, loser.expected) == (id, 1)
    assert loser.actual in (None, 2)  # None: it lost at the write, 2: it loaded the winner's row
    product = await stored_product(engine, id)
    assert (winner.version, product.version) == (2, 2)
    assert product.stock == pinned[outcomes.index(winner)].quantity
    assert [e["aggregate_version"] for e in await history(engine, id)] == [1, 2]


async def test_of_two_registrations_with_the_same_email_exactly_one_wins(
    engine: AsyncEngine,
) -> None:
    emails = ["ada@example.com", "ADA@example.com"]

    outcomes = await together(engine, [c.RegisterUser("Ada", email) for email in emails])

    [winner], [loser] = split(outcomes, EmailTaken)
    assert isinstance(loser, EmailTaken)
    assert loser.email == emails[outcomes.index(loser)]
    assert (await count(engine, users), await count(engine, events)) == (1, 1)
    [event] = await read_log(engine, 0, 10)
    assert event["aggregate_id"] == winner.aggregate_id


async def test_marking_events_published_removes_them_from_the_unpublished_ones(
    engine: AsyncEngine,
) -> None:
    id = await add_product(engine, stock=0)
    await run(engine, c.RestockProduct(id, 1))
    await run(engine, c.RestockProduct(id, 2))
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
    assert (await run(engine, c.RestockProduct(id, 1))).version == 2
    assert [e["aggregate_version"] for e in await history(engine, id)] == [1, 2]
