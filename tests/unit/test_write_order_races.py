"""Orders racing for the same stock, with the fake's concurrency hook: a loser is retried on the
newer stock, so nothing is ever oversold, and a conflict on a product never counts against the
version a client pinned on the order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.fakes import FakeUnitOfWork, Writer
from write.command_errors import (
    ConcurrentUpdate,
    InsufficientStock,
    InvalidTransition,
    UserInactive,
    VersionConflict,
)
from write.handling import RETRIES, handle
from write.messages import Command
from write.orders.order import Order
from write.orders.order_commands import CancelOrder, PlaceOrder, RequestedLine, ShipOrder
from write.products.product import Product
from write.products.product_commands import AddProduct
from write.users.user_commands import DeactivateUser, RegisterUser


def order(user_id: str, product_id: str, quantity: int) -> PlaceOrder:
    return PlaceOrder(user_id, (RequestedLine(product_id, quantity),))


def concurrently(uow: FakeUnitOfWork, command: Command) -> Writer:
    """Another request running `command` on the same store, through its own unit of work."""

    async def write() -> object:
        return await handle(command, FakeUnitOfWork(uow.store))

    return write


async def shop(uow: FakeUnitOfWork, stock: int) -> tuple[str, str]:
    ada = (await handle(RegisterUser("Ada", "ada@example.com"), uow)).aggregate_id
    add = AddProduct("PEN", "Pen", "", "office", Decimal("1.25"), stock)
    return ada, (await handle(add, uow)).aggregate_id


def reservations(uow: FakeUnitOfWork, product_id: str) -> list[tuple[int, int, int]]:
    """(version, quantity, stock after) of each reservation or release of the product."""
    return [
        (e["aggregate_version"], e["payload"]["quantity"], e["payload"]["stock"])
        for e in uow.log
        if e["aggregate_id"] == product_id and e["type"].startswith("ProductStock")
    ]


async def test_an_order_that_lost_the_race_is_refused_on_the_stock_that_is_left() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=3)
    uow.before_next_commit(concurrently(uow, order(ada, pen, 2)))

    with pytest.raises(InsufficientStock) as short:
        await handle(order(ada, pen, 3), uow)

    assert (short.value.requested, short.value.available) == (3, 1)
    assert (uow.store.rows_of(Product)[pen].stock, len(uow.store.rows_of(Order))) == (1, 1)
    assert reservations(uow, pen) == [(2, 2, 1)]


async def test_an_order_that_lost_the_race_goes_through_when_enough_is_left() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=5)
    uow.before_next_commit(concurrently(uow, order(ada, pen, 2)))

    result = await handle(order(ada, pen, 3), uow)

    assert result.version == 1 and len(uow.store.rows_of(Order)) == 2
    assert reservations(uow, pen) == [(2, 2, 3), (3, 3, 0)]
    assert uow.log[-2]["aggregate_id"] == result.aggregate_id  # OrderPlaced, then its reservation


async def test_an_order_that_loses_every_race_gives_up_without_writing_anything() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=RETRIES + 10)
    for _ in range(RETRIES):
        uow.before_next_commit(concurrently(uow, order(ada, pen, 1)))

    with pytest.raises(ConcurrentUpdate) as conflict:
        await handle(order(ada, pen, 10), uow)

    assert conflict.value.id == pen
    assert uow.store.rows_of(Product)[pen].stock == 10
    assert [q for _, q, _ in reservations(uow, pen)] == [1] * RETRIES


async def test_a_cancel_pinned_to_the_orders_version_is_retried_when_only_stock_moved() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=10)
    placed = (await handle(order(ada, pen, 4), uow)).aggregate_id
    uow.before_next_commit(concurrently(uow, order(ada, pen, 1)))

    result = await handle(CancelOrder(placed, expected_version=1), uow)

    assert result.version == 2
    assert uow.store.rows_of(Product)[pen].stock == 9
    assert reservations(uow, pen) == [(2, 4, 6), (3, 1, 5), (4, 4, 9)]


async def test_a_cancel_pinned_to_the_orders_version_conflicts_with_a_concurrent_ship() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=10)
    placed = (await handle(order(ada, pen, 4), uow)).aggregate_id
    uow.before_next_commit(concurrently(uow, ShipOrder(placed)))

    with pytest.raises(VersionConflict) as conflict:
        await handle(CancelOrder(placed, expected_version=1), uow)

    assert (conflict.value.id, conflict.value.expected) == (placed, 1)
    store = uow.store
    assert (store.rows_of(Order)[placed].status, store.rows_of(Product)[pen].stock) == (
        "shipped", 6)


async def test_an_unpinned_cancel_after_a_concurrent_ship_is_refused_on_retry() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=10)
    placed = (await handle(order(ada, pen, 4), uow)).aggregate_id
    uow.before_next_commit(concurrently(uow, ShipOrder(placed)))

    with pytest.raises(InvalidTransition, match="shipped"):
        await handle(CancelOrder(placed), uow)

    assert uow.store.rows_of(Product)[pen].stock == 6


async def test_the_fake_refuses_stock_below_zero_like_the_check_constraint() -> None:
    uow = FakeUnitOfWork()
    _, pen = await shop(uow, stock=1)

    with pytest.raises(ConcurrentUpdate) as conflict:
        async with uow:
            loaded = await uow.repository(Product).get(pen)
            assert loaded is not None
            loaded.stock = -3  # as a decision on stale stock would leave it
            loaded.restock(1)
            await uow.commit()

    assert (conflict.value.id, uow.store.rows_of(Product)[pen].stock) == (pen, 1)


async def test_an_order_beside_a_concurrent_deactivation_is_refused() -> None:
    uow = FakeUnitOfWork()
    ada, pen = await shop(uow, stock=3)
    uow.before_next_commit(concurrently(uow, DeactivateUser(ada)))

    with pytest.raises(UserInactive):
        await handle(order(ada, pen, 1), uow)

    assert not uow.store.rows_of(Order)
    assert uow.store.rows_of(Product)[pen].stock == 3
