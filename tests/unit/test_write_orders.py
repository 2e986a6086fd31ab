"""Placing orders through `handle` with the in-memory unit of work: placing one reserves its stock
in the same commit, and every refusal leaves the store as it was. Cancelling and shipping are in
test_write_order_lifecycle.py.

Concurrent orders over the same stock are in test_write_order_races.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.order_commands_fixtures import UNKNOWN, logged, place, product, state, user
from write.command_errors import (
    InsufficientStock,
    InvalidInput,
    NotFound,
    ProductUnavailable,
    UserInactive,
)
from write.handling import handle
from write.orders.order import Order
from write.orders.order_commands import PlaceOrder, RequestedLine
from write.products.product import Product
from write.products.product_commands import ChangeProductPrice, DiscontinueProduct
from write.users.user_commands import DeactivateUser, RenameUser


async def test_placing_an_order_logs_it_then_each_reservation_in_product_id_order() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    await handle(RenameUser(ada, "Ada King"), uow)  # the order names the user's version 2
    pen = await product(uow, "PEN", "1.25", stock=10)
    ink = await product(uow, "INK", "12.50", stock=3)
    before = len(uow.log)

    result = await place(uow, ada, (pen, 4), (ink, 3))

    assert (result.aggregate_type, result.version, result.total) == ("Order", 1, Decimal("42.50"))
    assert result.position == len(uow.log) == before + 3
    first, second = sorted([pen, ink])
    placed = {
        "user_id": ada, "customer_version": 2, "customer_name": "Ada King",
        "customer_email": "ada@example.com",
        "lines": [
            {"product_id": pen, "sku": "PEN", "name": "Item PEN", "category": "office",
             "unit_price": "1.25", "quantity": 4, "line_total": "5.00"},
            {"product_id": ink, "sku": "INK", "name": "Item INK", "category": "office",
             "unit_price": "12.50", "quantity": 3, "line_total": "37.50"},
        ],
        "total": "42.50", "units": 7,
    }
    stock_after = {pen: 6, ink: 0}
    assert logged(uow, before) == [
        ("OrderPlaced", "Order", result.aggregate_id, 1, placed),
        *[("ProductStockReserved", "Product", id, 2,
           {"order_id": result.aggregate_id, "quantity": {pen: 4, ink: 3}[id],
            "stock": stock_after[id]})
          for id in (first, second)],
    ]
    assert all(e["schema_version"] == 1 for e in uow.log)
    assert {id: (p.stock, p.version) for id, p in uow.store.rows_of(Product).items()} == {
        pen: (6, 2), ink: (0, 2)
    }


async def test_a_placed_order_is_stored_with_its_lines_in_the_clients_order() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    ids = [await product(uow, sku) for sku in ("A", "B", "C")]

    result = await place(uow, ada, (ids[2], 1), (ids[0], 2), (ids[1], 3))

    order = uow.store.rows_of(Order)[result.aggregate_id]
    assert (order.user_id, order.status, order.version, order.units) == (ada, "placed", 1, 6)
    assert order.total == Decimal("75.00") and isinstance(order.placed_at, datetime)
    assert [(n.line_no, n.product_id, n.quantity) for n in order.lines] == [
        (1, ids[2], 1), (2, ids[0], 2), (3, ids[1], 3)
    ]


async def test_an_order_may_take_the_last_unit_and_product_ids_in_any_case() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN", stock=2)

    result = await place(uow, ada.upper(), (pen.upper(), 2))

    assert uow.store.rows_of(Order)[result.aggregate_id].user_id == ada
    assert uow.store.rows_of(Product)[pen].stock == 0


async def test_prices_are_those_of_the_moment_of_placement() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN", "1.25")
    first = await place(uow, ada, (pen, 2))

    await handle(ChangeProductPrice(pen, Decimal("2")), uow)
    second = await place(uow, ada, (pen, 2))

    assert (first.total, second.total) == (Decimal("2.50"), Decimal("4.00"))
    assert uow.store.rows_of(Order)[first.aggregate_id].lines[0].unit_price == Decimal("1.25")
    assert uow.log[-2]["payload"]["lines"][0]["unit_price"] == "2.00"


BAD_LINES: list[tuple[list[tuple[str, int]], dict[str, str]]] = [
    ([], {"lines": "must hold from 1 to 50 lines"}),
    ([(f"00000000-0000-4000-8000-{n:012}", 1) for n in range(51)],
     {"lines": "must hold from 1 to 50 lines"}),
    ([(UNKNOWN, 0)], {"quantity": "line 1: must be a whole number from 1 to 1000"}),
    ([(UNKNOWN, 1), ("00000000-0000-4000-8000-000000000002", 1001)],
     {"quantity": "line 2: must be a whole number from 1 to 1000"}),
    ([(UNKNOWN, 1), (UNKNOWN.upper(), 2)],
     {"lines": "line 2: the product is already on line 1; list each product once"}),
    ([(UNKNOWN, -1), (UNKNOWN, 1)],
     {"quantity": "line 1: must be a whole number from 1 to 1000",
      "lines": "line 2: the product is already on line 1; list each product once"}),
]


@pytest.mark.parametrize(("lines", "errors"), BAD_LINES)
async def test_bad_lines_are_refused_field_by_field_before_anything_is_loaded(
    lines: list[tuple[str, int]], errors: dict[str, str]
) -> None:
    uow = FakeUnitOfWork()
    command = PlaceOrder(UNKNOWN, tuple(RequestedLine(p, q) for p, q in lines))

    with pytest.raises(InvalidInput) as invalid:
        await handle(command, uow)

    assert invalid.value.errors == errors
    assert uow.log == []


async def test_an_order_whose_total_the_store_cannot_hold_is_invalid() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    ids = [await product(uow, f"P{n}", "1000000", stock=1000) for n in range(10)]
    before = state(uow.store)

    with pytest.raises(InvalidInput) as invalid:
        await place(uow, ada, *((id, 1000) for id in ids))

    assert invalid.value.errors == {"lines": "the order's total must be at most 9999999999.99"}
    assert state(uow.store) == before


@pytest.mark.parametrize("customer", [UNKNOWN, "not-a-uuid"])
async def test_an_unknown_user_is_not_found(customer: str) -> None:
    uow = FakeUnitOfWork()
    pen = await product(uow, "PEN")
    before = state(uow.store)

    with pytest.raises(NotFound) as missing:
        await place(uow, customer, (pen, 1))

    assert (missing.value.aggregate_type, missing.value.id) == ("User", customer)
    assert state(uow.store) == before


async def test_a_deactivated_user_cannot_place_an_order() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    await handle(DeactivateUser(ada), uow)
    pen = await product(uow, "PEN")
    before = state(uow.store)

    with pytest.raises(UserInactive) as inactive:
        await place(uow, ada, (pen, 1))

    assert inactive.value.user_id == ada
    assert state(uow.store) == before


async def test_an_unknown_product_is_not_found_and_nothing_is_reserved() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen = await product(uow, "PEN")
    before = state(uow.store)

    with pytest.raises(NotFound) as missing:
        await place(uow, ada, (pen, 1), (UNKNOWN, 1))

    assert (missing.value.aggregate_type, missing.value.id) == ("Product", UNKNOWN)
    assert state(uow.store) == before


async def test_a_discontinued_product_is_unavailable_and_nothing_is_reserved() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen, ink = await product(uow, "PEN"), await product(uow, "INK")
    await handle(DiscontinueProduct(ink), uow)
    before = state(uow.store)

    with pytest.raises(ProductUnavailable) as unavailable:
        await place(uow, ada, (pen, 1), (ink, 1))

    assert unavailable.value.product_id == ink
    assert state(uow.store) == before


async def test_too_few_in_stock_names_the_product_and_both_quantities() -> None:
    uow = FakeUnitOfWork()
    ada = await user(uow)
    pen, ink = await product(uow, "PEN", stock=10), await product(uow, "INK", stock=2)
    before = state(uow.store)

    with pytest.raises(InsufficientStock) as short:
        await place(uow, ada, (pen, 5), (ink, 3))

    assert (short.value.product_id, short.value.requested, short.value.available) == (ink, 3, 2)
    assert state(uow.store) == before
