"""Handlers of the Order commands. An order and the stock it takes or gives back change in one
transaction: the Order records its event, each Product its reservation or release."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from write import input_checks as v
from write.command_errors import Forbidden
from write.command_results import CommandResult, OrderPlacedResult
from write.orders.order import Order
from write.orders.order_commands import CancelOrder, PlaceOrder, ShipOrder
from write.products.product import Product
from write.unit_of_work import UnitOfWork
from write.users.user import User


async def place_order(cmd: PlaceOrder, uow: UnitOfWork) -> OrderPlacedResult:
    with v.Checks() as check:
        lines = check.order_lines(cmd.lines)
    quantities = dict(lines)
    async with uow:
        # Held: a concurrent deactivation must not commit beside an order it would have refused.
        customer = await uow.repository(User).load(cmd.user_id, hold=True)
        # Products are loaded, hence logged, in id order. Their UPDATEs run in that order too
        # (SQLAlchemy flushes rows by primary key), so two orders over the same products lock
        # them in the same order and do not deadlock; the loser's stale UPDATE is retried.
        products = {id: await uow.repository(Product).load(id) for id in sorted(quantities)}
        items = [(products[id], quantity) for id, quantity in lines]
        order = Order.place(str(uuid.uuid4()), customer, items, datetime.now(UTC))
        for id, product in products.items():
            product.reserve(order.id, quantities[id])
        uow.repository(Order).add(order)
        position = await uow.commit()
        return OrderPlacedResult(order.TYPE, order.id, order.version, position, order.total)


async def cancel_order(cmd: CancelOrder, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        order = await uow.repository(Order).load(cmd.id, cmd.expected_version)
        if cmd.by_user is not None and order.user_id != cmd.by_user:
            raise Forbidden("Order", cmd.id)  # decided from the write store, not the index
        order.cancel()
        quantities = order.quantities()
        for id in sorted(quantities):
            product = await uow.repository(Product).load(id)
            product.release(order.id, quantities[id])
        return CommandResult.of(order, await uow.commit())


async def ship_order(cmd: ShipOrder, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        order = await uow.repository(Order).load(cmd.id, cmd.expected_version)
        order.ship()
        return CommandResult.of(order, await uow.commit())
