"""Every command through `handle`, with the in-memory unit of work: outcomes, events and refusals.

Bad input (validation.py's field rules) is in test_write_handler_input.py, concurrent writers in
test_write_handler_retries.py."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.handler_fixtures import add, last_event, register, state
from write.handling import handle
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser


async def test_registering_a_user_stores_it_and_logs_the_whole_envelope() -> None:
    uow = FakeUnitOfWork()

    result = await handle(RegisterUser(name="  Ada Lovelace ", email=" ada@example.com "), uow)

    assert (result.aggregate_type, result.version, result.position) == ("User", 1, 1)
    stored = uow.store.rows_of(User)[result.aggregate_id]
    assert (stored.name, stored.email, stored.status, stored.version) == (
        "Ada Lovelace", "ada@example.com", "active", 1
    )
    [event] = uow.log
    assert uuid.UUID(event.pop("event_id")) and event.pop("occurred_at").utcoffset() is not None
    assert event == {
        "position": 1,
        "type": "UserRegistered",
        "schema_version": 1,
        "aggregate_type": "User",
        "aggregate_id": result.aggregate_id,
        "aggregate_version": 1,
        "payload": {"name": "Ada Lovelace", "email": "ada@example.com"},
    }


async def test_each_user_command_bumps_the_version_and_logs_its_event_at_that_version() -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow)).aggregate_id

    renamed = await handle(RenameUser(id, "Ada King"), uow)
    assert (renamed.version, renamed.position) == (2, 2)
    assert last_event(uow) == ("UserRenamed", 2, {"name": "Ada King"})
    moved = await handle(ChangeUserEmail(id, "ada@king.example", expected_version=2), uow)
    assert (moved.version, moved.position) == (3, 3)
    assert last_event(uow) == ("UserEmailChanged", 3, {"email": "ada@king.example"})
    gone = await handle(DeactivateUser(id), uow)
    assert (gone.version, gone.position) == (4, 4)
    assert last_event(uow) == ("UserDeactivated", 4, {})
    user = uow.store.rows_of(User)[id]
    assert (user.name, user.email, user.status, user.version) == (
        "Ada King", "ada@king.example", "deactivated", 4
    )


async def test_adding_a_product_upper_cases_the_sku_and_logs_the_price_with_two_places() -> None:
    uow = FakeUnitOfWork()
    command = AddProduct(" kb-1 ", "Keyboard", "", "input", Decimal("12.5"), 0)

    result = await handle(command, uow)

    assert (result.aggregate_type, result.version, result.position) == ("Product", 1, 1)
    assert uow.store.rows_of(Product)[result.aggregate_id].sku == "KB-1"
    assert last_event(uow) == ("ProductAdded", 1, {
        "sku": "KB-1", "name": "Keyboard", "description": "", "category": "input",
        "price": "12.50", "stock": 0,
    })


async def test_each_product_command_bumps_the_version_and_logs_its_event_at_that_version() -> None:
    uow = FakeUnitOfWork()
    id = (await add(uow, stock=3)).aggregate_id

    assert (await handle(ChangeProductPrice(id, Decimal("9.9")), uow)).version == 2
    assert last_event(uow) == ("ProductPriceChanged", 2, {"price": "9.90"})
    assert (await handle(RestockProduct(id, 4, expected_version=2), uow)).version == 3
    assert last_event(uow) == ("ProductRestocked", 3, {"quantity": 4, "stock": 7})
    assert (await handle(DescribeProduct(id, "Board", "Quiet", "keys"), uow)).version == 4
    assert last_event(uow) == (
        "ProductDescribed", 4, {"name": "Board", "description": "Quiet", "category": "keys"}
    )
    assert (await handle(DiscontinueProduct(id), uow)).position == 5
    assert last_event(uow) == ("ProductDiscontinued", 5, {})
    product = uow.store.rows_of(Product)[id]
    assert (product.name, product.price, product.stock, product.status, product.version) == (
        "Board", Decimal("9.90"), 7, "discontinued", 5
    )


async def test_log_positions_increase_across_aggregates() -> None:
    uow = FakeUnitOfWork()
    results = [await register(uow), await add(uow), await register(uow, "bob@example.com")]
    assert [r.position for r in results] == [1, 2, 3]
    assert [e["position"] for e in uow.log] == [1, 2, 3]


@pytest.mark.parametrize(
    "change",
    [
        lambda id: RenameUser(id, " Ada Lovelace "),
        lambda id: ChangeUserEmail(id, "ada@example.com", expected_version=1),
    ],
    ids=["rename to the same name", "same email"],
)
async def test_a_user_command_that_changes_nothing_records_nothing(change: Any) -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow)).aggregate_id
    before = state(uow.store)

    result = await handle(change(id), uow)

    assert (result.version, result.position) == (1, None)
    assert state(uow.store) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda id: ChangeProductPrice(id, Decimal("12.5")),
        lambda id: DescribeProduct(id, "Keyboard", " Clicky", "input"),
    ],
    ids=["same price", "same description"],
)
async def test_a_product_command_that_changes_nothing_records_nothing(change: Any) -> None:
    uow = FakeUnitOfWork()
    id = (await add(uow)).aggregate_id
    before = state(uow.store)

    result = await handle(change(id), uow)

    assert (result.version, result.position) == (1, None)
    assert state(uow.store) == before
