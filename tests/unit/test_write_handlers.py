"""Every command through `handle`, with the in-memory unit of work: outcomes, events and refusals.

Bad input (validation.py's field rules) is in test_write_handler_input.py, concurrent writers in
test_write_handler_retries.py.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.fakes import FakeStore, FakeUnitOfWork
from write.command_errors import (
    ConcurrentUpdate,
    EmailTaken,
    InvalidTransition,
    NotFound,
    SkuTaken,
    VersionConflict,
)
from write.command_results import CommandResult
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

UNKNOWN = "00000000-0000-4000-8000-000000000001"


async def register(uow: FakeUnitOfWork, email: str = "ada@example.com") -> CommandResult:
    return await handle(RegisterUser(name="Ada Lovelace", email=email), uow)


async def add(uow: FakeUnitOfWork, sku: str = "kb-1", stock: int = 3) -> CommandResult:
    command = AddProduct(sku, "Keyboard", "Clicky", "input", Decimal("12.50"), stock)
    return await handle(command, uow)


def state(store: FakeStore) -> tuple[object, ...]:
    """Everything the store holds, as plain values, to show that a refused command changed none."""
    users = {i: (u.name, u.email, u.status, u.version) for i, u in store.rows_of(User).items()}
    products = {
        i: (p.sku, p.name, p.description, p.category, p.price, p.stock, p.status, p.version)
        for i, p in store.rows_of(Product).items()
    }
    return users, products, [dict(event) for event in store.log]


def last_event(uow: FakeUnitOfWork) -> tuple[str, int, dict[str, Any]]:
    event = uow.log[-1]
    return event["type"], event["aggregate_version"], event["payload"]


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


async def test_an_email_differing_only_in_case_is_taken_and_nothing_is_written() -> None:
    uow = FakeUnitOfWork()
    await register(uow, "ada@example.com")
    bob = (await register(uow, "bob@example.com")).aggregate_id
    before = state(uow.store)

    with pytest.raises(EmailTaken) as taken:
        await register(uow, "ADA@Example.COM")
    assert taken.value.email == "ADA@Example.COM"
    with pytest.raises(EmailTaken):
        await handle(ChangeUserEmail(bob, "Ada@example.com"), uow)
    assert state(uow.store) == before


async def test_a_user_may_change_the_case_of_their_own_email() -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow, "ada@example.com")).aggregate_id
    result = await handle(ChangeUserEmail(id, "Ada@Example.com"), uow)
    assert (result.version, uow.store.rows_of(User)[id].email) == (2, "Ada@Example.com")


async def test_a_sku_differing_only_in_case_is_taken_and_nothing_is_written() -> None:
    uow = FakeUnitOfWork()
    await add(uow, "KB-1")
    before = state(uow.store)

    with pytest.raises(SkuTaken) as taken:
        await add(uow, "kb-1")

    assert taken.value.sku == "KB-1"
    assert state(uow.store) == before


@pytest.mark.parametrize("id", [UNKNOWN, "not-a-uuid", ""])
@pytest.mark.parametrize(
    ("kind", "command"),
    [
        ("User", lambda id: RenameUser(id, "Ada")),
        ("User", lambda id: DeactivateUser(id)),
        ("Product", lambda id: RestockProduct(id, 1)),
        ("Product", lambda id: DiscontinueProduct(id)),
    ],
)
async def test_an_unknown_or_malformed_id_is_not_found(kind: str, command: Any, id: str) -> None:
    uow = FakeUnitOfWork()
    await register(uow)
    await add(uow)
    before = state(uow.store)

    with pytest.raises(NotFound) as missing:
        await handle(command(id), uow)

    assert (missing.value.aggregate_type, missing.value.id) == (kind, id)
    assert state(uow.store) == before


async def test_an_id_in_upper_case_names_the_same_aggregate() -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow)).aggregate_id
    result = await handle(RenameUser(id.upper(), "Ada King"), uow)
    assert (result.aggregate_id, uow.store.rows_of(User)[id].name) == (id, "Ada King")


async def test_a_stale_expected_version_is_a_conflict_naming_both_versions() -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow)).aggregate_id
    await handle(RenameUser(id, "Ada King"), uow)
    before = state(uow.store)

    with pytest.raises(VersionConflict) as conflict:
        await handle(ChangeUserEmail(id, "ada@king.example", expected_version=1), uow)

    assert (conflict.value.id, conflict.value.expected, conflict.value.actual) == (id, 1, 2)
    assert not isinstance(conflict.value, ConcurrentUpdate)
    assert state(uow.store) == before


@pytest.mark.parametrize(
    "command",
    [
        lambda id: RenameUser(id, "Ada King"),
        lambda id: ChangeUserEmail(id, "ada@king.example"),
        lambda id: DeactivateUser(id),
    ],
    ids=["rename", "change email", "deactivate again"],
)
async def test_a_deactivated_user_refuses_every_change(command: Any) -> None:
    uow = FakeUnitOfWork()
    id = (await register(uow)).aggregate_id
    await handle(DeactivateUser(id), uow)
    before = state(uow.store)

    with pytest.raises(InvalidTransition, match="deactivated user") as refused:
        await handle(command(id), uow)

    assert refused.value.id == id
    assert state(uow.store) == before


@pytest.mark.parametrize(
    "command",
    [
        lambda id: ChangeProductPrice(id, Decimal("1.00")),
        lambda id: RestockProduct(id, 1),
        lambda id: DescribeProduct(id, "Board", "", "keys"),
        lambda id: DiscontinueProduct(id),
    ],
    ids=["change price", "restock", "describe", "discontinue again"],
)
async def test_a_discontinued_product_refuses_every_change(command: Any) -> None:
    uow = FakeUnitOfWork()
    id = (await add(uow)).aggregate_id
    await handle(DiscontinueProduct(id), uow)
    before = state(uow.store)

    with pytest.raises(InvalidTransition, match="discontinued product") as refused:
        await handle(command(id), uow)

    assert refused.value.id == id
    assert state(uow.store) == before
