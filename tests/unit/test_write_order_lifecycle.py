"""Orders after placement, through `handle` with the in-memory unit of work: cancelling gives the
stock back, shipping logs the order alone, and only a placed order may be either."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.order_commands_fixtures import UNKNOWN, logged, place, product, state, user
from write.command_errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    VersionConflict,
)
from write.handling import handle
from write.orders.order import Order
from write.orders.order_commands import CancelOrder, ShipOrder
from write.products.product import Product
from write.products.product_commands import DiscontinueProduct


async def test_cancelling_gives_the_stock_back_even_of_a_discontinued_product() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen, ink = await product(uow, "PEN", stock=10), await product(uow, "INK", stock=3)
    order = (await place(uow, ada, (ink, 3), (pen, 4))).aggregate_id
    await handle(DiscontinueProduct(ink), uow)
    before = len(uow.log)

    result = await handle(CancelOrder(order, expected_version=1), uow)

    assert (result.aggregate_type, result.aggregate_id, result.version) == ("Order", order, 2)
    assert result.position == len(uow.log)
    released = {pen: (4, 10, 3), ink: (3, 3, 4)}  # quantity, stock after, product version
    assert logged(uow, before) == [
        ("OrderCancelled", "Order", order, 2, {}),
        *[("ProductStockReleased", "Product", id, released[id][2],
           {"order_id": order, "quantity": released[id][0], "stock": released[id][1]})
          for id in sorted(released)],
    ]
    assert uow.store.rows_of(Order)[order].status == "cancelled"
    assert (uow.store.rows_of(Product)[pen].stock, uow.store.rows_of(Product)[ink].stock) == (10, 3)


async def test_shipping_logs_the_order_event_alone() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN", stock=10)
    order = (await place(uow, ada, (pen, 4))).aggregate_id
    before = len(uow.log)

    result = await handle(ShipOrder(order), uow)

    assert (result.version, result.position) == (2, before + 1)
    assert logged(uow, before) == [("OrderShipped", "Order", order, 2, {})]
    store = uow.store
    assert (store.rows_of(Order)[order].status, store.rows_of(Product)[pen].stock) == (
        "shipped", 6)


@pytest.mark.parametrize("first", [CancelOrder, ShipOrder])
@pytest.mark.parametrize("then", [CancelOrder, ShipOrder])
async def test_only_a_placed_order_may_be_cancelled_or_shipped(first: Any, then: Any) -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN", stock=10)
    order = (await place(uow, ada, (pen, 4))).aggregate_id
    await handle(first(order), uow)
    before = state(uow.store)

    with pytest.raises(InvalidTransition, match=r"Cannot (cancel|ship) an order that is") as no:
        await handle(then(order), uow)

    assert no.value.id == order
    assert state(uow.store) == before


@pytest.mark.parametrize("command", [CancelOrder, ShipOrder])
async def test_an_unknown_order_or_a_stale_or_bad_version_is_refused(command: Any) -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN", stock=10)
    order = (await place(uow, ada, (pen, 4))).aggregate_id
    before = state(uow.store)

    with pytest.raises(NotFound) as missing:
        await handle(command(UNKNOWN), uow)
    assert (missing.value.aggregate_type, missing.value.id) == ("Order", UNKNOWN)
    with pytest.raises(VersionConflict) as conflict:
        await handle(command(order, expected_version=2), uow)
    assert (conflict.value.expected, conflict.value.actual) == (2, 1)
    with pytest.raises(InvalidInput) as invalid:
        await handle(command(order, expected_version=0), uow)
    assert invalid.value.errors == {"expected_version": "must be 1 or more"}
    assert state(uow.store) == before


async def test_a_customer_may_cancel_their_own_order_and_not_anothers() -> None:
    uow = FakeUnitOfWork()
    ada, bob = await user(uow), await user(uow, "bob@example.com")
    pen = await product(uow, "PEN", stock=10)
    order = (await place(uow, ada, (pen, 4))).aggregate_id
    before = state(uow.store)

    with pytest.raises(Forbidden):
        await handle(CancelOrder(order, by_user=bob), uow)
    assert state(uow.store) == before  # decided from the store, and nothing changed

    result = await handle(CancelOrder(order, by_user=ada), uow)
    assert result.version == 2 and uow.store.rows_of(Order)[order].status == "cancelled"
