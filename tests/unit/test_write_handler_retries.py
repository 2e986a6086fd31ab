"""Concurrent writers: a command that lost the race is retried on the newer state, unless the
client pinned `expectedVersion`; no update is ever lost. Also the fake's own transaction rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.fakes import FakeStore, FakeUnitOfWork, Writer
from write.command_errors import ConcurrentUpdate, InvalidTransition, VersionConflict
from write.handling import RETRIES, handle
from write.messages import Command
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
    ChangeProductPrice,
    DiscontinueProduct,
    RestockProduct,
)
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, RegisterUser, RenameUser


def concurrently(store: FakeStore, command: Command) -> Writer:
    """Another request running `command` on the same store, through its own unit of work."""

    async def write() -> object:
        return await handle(command, FakeUnitOfWork(store))

    return write


async def product(uow: FakeUnitOfWork, stock: int = 3) -> str:
    command = AddProduct("KB-1", "Keyboard", "", "input", Decimal("12.50"), stock)
    return (await handle(command, uow)).aggregate_id


def versions(uow: FakeUnitOfWork, id: str) -> list[int]:
    return [e["aggregate_version"] for e in uow.log if e["aggregate_id"] == id]


async def test_a_concurrent_update_is_retried_on_the_newer_state_without_expected_version() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow, stock=3)
    uow.before_next_commit(concurrently(uow.store, RestockProduct(id, 5)))

    result = await handle(RestockProduct(id, 2), uow)

    assert (result.version, result.position) == (3, 3)
    assert (uow.store.rows_of(Product)[id].stock, uow.store.rows_of(Product)[id].version) == (10, 3)
    assert [e["payload"] for e in uow.log[1:]] == [
        {"quantity": 5, "stock": 8},
        {"quantity": 2, "stock": 10},
    ]
    assert versions(uow, id) == [1, 2, 3]


async def test_a_concurrent_update_is_a_version_conflict_when_expected_version_was_given() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow, stock=3)
    uow.before_next_commit(concurrently(uow.store, RestockProduct(id, 5)))

    with pytest.raises(VersionConflict) as conflict:
        await handle(RestockProduct(id, 2, expected_version=1), uow)

    assert (conflict.value.id, conflict.value.expected) == (id, 1)
    assert (uow.store.rows_of(Product)[id].stock, uow.store.rows_of(Product)[id].version) == (8, 2)
    assert versions(uow, id) == [1, 2]


async def test_a_command_that_loses_every_race_gives_up_after_the_retries() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow, stock=0)
    for _ in range(RETRIES):
        uow.before_next_commit(concurrently(uow.store, RestockProduct(id, 1)))

    with pytest.raises(ConcurrentUpdate):
        await handle(RestockProduct(id, 100), uow)

    assert uow.store.rows_of(Product)[id].stock == RETRIES
    assert versions(uow, id) == list(range(1, RETRIES + 2))


async def test_a_retried_user_command_keeps_the_concurrent_change_and_adds_its_own() -> None:
    uow = FakeUnitOfWork()
    id = (await handle(RegisterUser("Ada", "ada@example.com"), uow)).aggregate_id
    uow.before_next_commit(concurrently(uow.store, ChangeUserEmail(id, "ada@king.example")))

    result = await handle(RenameUser(id, "Ada King"), uow)

    user = uow.store.rows_of(User)[id]
    assert (result.version, user.name, user.email) == (3, "Ada King", "ada@king.example")
    assert [e["type"] for e in uow.log] == ["UserRegistered", "UserEmailChanged", "UserRenamed"]


async def test_a_retry_decides_again_so_it_may_find_nothing_left_to_do() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow)
    uow.before_next_commit(concurrently(uow.store, ChangeProductPrice(id, Decimal("9.90"))))

    result = await handle(ChangeProductPrice(id, Decimal("9.90")), uow)

    assert (result.version, result.position) == (2, None)
    assert versions(uow, id) == [1, 2]


async def test_a_retry_after_a_concurrent_discontinue_is_refused() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow)
    uow.before_next_commit(concurrently(uow.store, DiscontinueProduct(id)))

    with pytest.raises(InvalidTransition):
        await handle(RestockProduct(id, 1), uow)

    stored = uow.store.rows_of(Product)[id]
    assert (stored.stock, stored.status) == (3, "discontinued")


async def test_the_fake_forgets_a_change_that_was_not_committed() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow)

    async with uow:
        loaded = await uow.repository(Product).get(id)
        assert loaded is not None
        loaded.restock(4)
        # one object per id within a unit of work
        assert await uow.repository(Product).get(id) is loaded
    async with uow:
        again = await uow.repository(Product).get(id)

    assert again is not None and (again.stock, again.version, again.events) == (3, 1, [])
    assert (uow.store.rows_of(Product)[id].stock, len(uow.log)) == (3, 1)


async def test_the_fake_refuses_to_write_back_an_aggregate_that_moved_since_it_was_loaded() -> None:
    uow = FakeUnitOfWork()
    id = await product(uow)

    with pytest.raises(ConcurrentUpdate) as conflict:
        async with uow:
            loaded = await uow.repository(Product).get(id)
            assert loaded is not None
            await handle(RestockProduct(id, 1), FakeUnitOfWork(uow.store))
            loaded.restock(4)
            await uow.commit()

    assert (conflict.value.id, conflict.value.expected) == (id, 1)
    assert (uow.store.rows_of(Product)[id].stock, versions(uow, id)) == (4, [1, 2])
