"""User and product commands through `handle`, refused: taken emails and SKUs, unknown ids, stale
versions, deactivated users and discontinued products; each refusal writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.handler_fixtures import UNKNOWN, add, register, state
from write.command_errors import (
    ConcurrentUpdate,
    EmailTaken,
    InvalidTransition,
    NotFound,
    SkuTaken,
    VersionConflict,
)
from write.handling import handle
from write.products.product_commands import (
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RenameUser


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
