"""Orders on the real unit of work, SQLite and PostgreSQL: an order, its lines, its stock and its
events commit together; concurrent orders never oversell and never deadlock into an unexpected
error; PostgreSQL's verdicts on racing transactions are conflicts to retry, not outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import Outcome, run, together
from tests.postgres import fresh_database
from write.command_errors import ConcurrentUpdate, InsufficientStock, VersionConflict
from write.command_results import CommandResult, OrderPlacedResult
from write.orders.order_commands import CancelOrder, PlaceOrder, RequestedLine, ShipOrder
from write.products.product import Product
from write.products.product_commands import AddProduct, RestockProduct
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.outbox import Envelope, read_log
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.sqlalchemy.tables import order_lines, orders, products
from write.users.user_commands import RegisterUser


@pytest.fixture
async def racing(engine: AsyncEngine, url: str) -> AsyncIterator[AsyncEngine]:
    """What racing commands run through: on SQLite an engine with a connection per command (the
    service's one pooled connection would make them take turns in Python, and the race tests
    could not fail), so they meet in SQLite itself, where BEGIN IMMEDIATE must serialise them;
    on PostgreSQL the store's engine."""
    if engine.dialect.name != "sqlite":
        yield engine
        return
    several = create_engine(url, pool_size=12, max_overflow=0)
    yield several
    await several.dispose()


def place(user_id: str, *lines: tuple[str, int]) -> PlaceOrder:
    return PlaceOrder(user_id, tuple(RequestedLine(p, q) for p, q in lines))


async def shop(engine: AsyncEngine, *stocks: int) -> tuple[str, list[str]]:
    """A user and one product per stock level, with ids in ascending order."""
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    ids = [
        (await run(engine, AddProduct(f"P{n}", "Pen", "", "office", Decimal("1.25"), s)))
        .aggregate_id
        for n, s in enumerate(stocks)
    ]
    return ada, sorted(ids)


async def stock(engine: AsyncEngine, id: str) -> int:
    async with engine.connect() as connection:
        level = await connection.scalar(select(products.c.stock).where(products.c.id == id))
        assert level is not None
        return int(level)


async def history(engine: AsyncEngine, id: str) -> list[Envelope]:
    return [e for e in await read_log(engine, 0, 10_000) if e["aggregate_id"] == id]


def winners(outcomes: list[Outcome]) -> list[CommandResult]:
    """The successes. A loser may only have run out of stock or of retries; anything else fails
    the test with its own traceback."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(
            outcome, InsufficientStock | VersionConflict
        ):
            raise outcome
    return [o for o in outcomes if isinstance(o, CommandResult)]


async def test_an_order_commits_its_row_its_lines_its_stock_and_its_events_together(
    engine: AsyncEngine,
) -> None:
    ada, (first, second) = await shop(engine, 5, 5)

    result = await run(engine, place(ada, (second, 2), (first, 3)))

    assert isinstance(result, OrderPlacedResult)
    assert (result.aggregate_type, result.version, result.total) == ("Order", 1, Decimal("6.25"))
    async with engine.connect() as connection:
        row = (await connection.execute(select(orders))).one()
        lines = (await connection.execute(select(order_lines).order_by("line_no"))).all()
    assert (row.id, row.user_id, row.status, row.total, row.units, row.version) == (
        result.aggregate_id, ada, "placed", Decimal("6.25"), 5, 1
    )
    assert [(n.line_no, n.product_id, n.quantity, n.unit_price) for n in lines] == [
        (1, second, 2, Decimal("1.25")), (2, first, 3, Decimal("1.25"))
    ]
    log = (await read_log(engine, 0, 100))[-3:]
    assert [(e["type"], e["aggregate_id"], e["aggregate_version"]) for e in log] == [
        ("OrderPlaced", result.aggregate_id, 1),
        ("ProductStockReserved", first, 2),
        ("ProductStockReserved", second, 2),
    ]
    assert log[0]["payload"]["lines"][0] == {
        "product_id": second, "sku": lines[0].sku, "name": "Pen", "category": "office",
        "unit_price": "1.25", "quantity": 2, "line_total": "2.50",
    }
    assert (log[0]["payload"]["total"], log[0]["payload"]["units"]) == ("6.25", 5)
    assert log[1]["payload"] == {"order_id": result.aggregate_id, "quantity": 3, "stock": 2}
    assert result.position == log[-1]["position"]
    assert (await stock(engine, first), await stock(engine, second)) == (2, 3)


async def test_concurrent_orders_never_sell_more_than_the_stock(
    engine: AsyncEngine, racing: AsyncEngine
) -> None:
    ada, [pen] = await shop(engine, 5)

    outcomes = await together(racing, [place(ada, (pen, 1)) for _ in range(12)])

    assert len(winners(outcomes)) == 5
    assert await stock(engine, pen) == 0
    reserved = [e for e in await history(engine, pen) if e["type"] == "ProductStockReserved"]
    assert [e["aggregate_version"] for e in reserved] == [2, 3, 4, 5, 6]
    assert [e["payload"]["stock"] for e in reserved] == [4, 3, 2, 1, 0]
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(orders)) == 5
        assert await connection.scalar(select(func.sum(order_lines.c.quantity))) == 5


async def test_orders_over_the_same_products_in_opposite_line_order_never_deadlock(
    engine: AsyncEngine, racing: AsyncEngine
) -> None:
    ada, (first, second) = await shop(engine, 100, 100)
    placed: list[CommandResult] = []

    for _ in range(5):
        outcomes = await together(
            racing, [place(ada, (first, 1), (second, 2)), place(ada, (second, 2), (first, 1))]
        )
        placed += winners(outcomes)

    assert len(placed) >= 5  # each round lets at least one through
    assert await stock(engine, first) == 100 - len(placed)
    assert await stock(engine, second) == 100 - 2 * len(placed)
    for id in (first, second):
        versions = [e["aggregate_version"] for e in await history(engine, id)]
        assert versions == list(range(1, len(placed) + 2))


async def test_cancelling_releases_the_stock_and_racing_cancels_release_it_once(
    engine: AsyncEngine, racing: AsyncEngine
) -> None:
    ada, (first, second) = await shop(engine, 5, 5)
    order = (await run(engine, place(ada, (first, 2), (second, 5)))).aggregate_id

    outcomes = await together(racing, [CancelOrder(order), CancelOrder(order)])

    [won] = [o for o in outcomes if isinstance(o, CommandResult)]
    assert (won.aggregate_id, won.version) == (order, 2)
    assert (await stock(engine, first), await stock(engine, second)) == (5, 5)
    log = (await read_log(engine, 0, 100))[-3:]
    assert [(e["type"], e["aggregate_id"], e["payload"]) for e in log] == [
        ("OrderCancelled", order, {}),
        ("ProductStockReleased", first, {"order_id": order, "quantity": 2, "stock": 5}),
        ("ProductStockReleased", second, {"order_id": order, "quantity": 5, "stock": 5}),
    ]
    shipped = (await run(engine, place(ada, (first, 1)))).aggregate_id
    assert (await run(engine, ShipOrder(shipped, expected_version=1))).version == 2
    async with engine.connect() as connection:
        statuses = dict((await connection.execute(select(orders.c.id, orders.c.status))).all())
    assert statuses == {order: "cancelled", shipped: "shipped"}


async def test_stock_below_zero_is_refused_by_the_store_and_is_a_conflict_to_retry(
    engine: AsyncEngine,
) -> None:
    _, [pen] = await shop(engine, 1)
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(update(products).values(stock=-1))

    with pytest.raises(ConcurrentUpdate) as conflict:
        async with SqlAlchemyUnitOfWork(engine, None) as uow:
            loaded = await uow.repository(Product).get(pen)
            assert loaded is not None
            loaded.stock = -3  # as a decision taken on stale stock would leave it
            loaded.restock(1)
            await uow.commit()

    assert (conflict.value.id, conflict.value.expected) == (pen, 1)
    assert (await stock(engine, pen), len(await history(engine, pen))) == (1, 1)


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of the database error behind `error`."""
    cause = error.__cause__
    return getattr(getattr(cause, "orig", None), "sqlstate", None)


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url, "races") as url:
        await upgrade(url)
        yield url


@pytest.mark.postgres
async def test_a_deadlock_is_a_concurrent_update_not_an_outage(postgres: str) -> None:
    engine = create_engine(postgres)
    try:
        _, (first, second) = await shop(engine, 5, 5)
        async with engine.connect() as rival:
            # The rival never gives up first: PostgreSQL aborts the unit of work.
            await rival.execute(text("SET deadlock_timeout = '30s'"))
            await rival.execute(update(products).where(products.c.id == second).values(name="X"))
            uow = SqlAlchemyUnitOfWork(engine, None)

            async def reserve_both() -> None:
                async with uow:
                    for id in (first, second):  # UPDATE first, then wait for the rival's row
                        product = await uow.repository(Product).get(id)
                        assert product is not None
                        product.reserve("an order", 1)
                    await uow.commit()

            attempt = asyncio.create_task(reserve_both())
            await asyncio.sleep(0.3)
            rival_waits = asyncio.create_task(
                rival.execute(update(products).where(products.c.id == first).values(name="Y"))
            )
            with pytest.raises(ConcurrentUpdate) as conflict:
                await attempt
            await rival_waits
            await rival.rollback()
        assert sqlstate(conflict.value) == "40P01" and conflict.value.id == first
        assert (await stock(engine, first), await stock(engine, second)) == (5, 5)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_serialization_failure_is_a_concurrent_update(postgres: str) -> None:
    engine = create_engine(postgres)
    strict = create_engine(postgres, isolation_level="REPEATABLE READ")
    try:
        _, [pen] = await shop(engine, 5)
        with pytest.raises(ConcurrentUpdate) as conflict:
            async with SqlAlchemyUnitOfWork(strict, None) as uow:
                loaded = await uow.repository(Product).get(pen)
                assert loaded is not None
                await run(engine, RestockProduct(pen, 1))  # commits after our snapshot
                loaded.reserve("an order", 2)
                await uow.commit()
        assert sqlstate(conflict.value) == "40001" and conflict.value.id == pen
        assert await stock(engine, pen) == 6
    finally:
        await strict.dispose()
        await engine.dispose()
