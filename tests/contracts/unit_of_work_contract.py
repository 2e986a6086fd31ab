"""The contract of the unit-of-work port (`write/unit_of_work.py`): what every handler may rely
on, with the real store and with the in-memory fake the unit tests drive handlers through.

Rows and events commit together or not at all, refusals are typed and change nothing, concurrent
commands never lose an update, and of two commands pinned to one version exactly one wins. Each
adapter's test class defines the `store` fixture (a `StoreUnderTest`). This module's name does not
start with `test_`, so the contract itself is never collected.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from write.aggregate import Aggregate
from write.command_errors import ConcurrentUpdate, EmailTaken, SkuTaken, VersionConflict
from write.command_results import CommandResult
from write.messages import Command
from write.products.product import Product
from write.products.product_commands import AddProduct, ChangeProductPrice, RestockProduct
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, RegisterUser, RenameUser

A = TypeVar("A", bound=Aggregate)
Outcome = CommandResult | BaseException
CONTRACT = {
    "position", "event_id", "type", "schema_version", "aggregate_type", "aggregate_id",
    "aggregate_version", "occurred_at", "payload",
}


class StoreUnderTest(abc.ABC):
    """One write store behind the port, as the contract drives it."""

    @abc.abstractmethod
    async def run(self, command: Command) -> CommandResult:
        """`handle` the command in a unit of work of its own."""

    @abc.abstractmethod
    async def together(self, commands: Sequence[Command]) -> list[Outcome]:
        """Run the commands concurrently, each in its own unit of work."""

    @abc.abstractmethod
    async def log(self) -> list[dict[str, Any]]:
        """Every committed event as an envelope (docs/events.md), in log order."""

    @abc.abstractmethod
    async def stored(self, cls: type[A], id: str) -> A | None:
        """The aggregate as committed."""


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


async def add_product(store: StoreUnderTest, sku: str = "KB-1", stock: int = 0) -> str:
    command = AddProduct(sku, "Keyboard", "Clicky", "input", Decimal("12.5"), stock)
    return (await store.run(command)).aggregate_id


async def history(store: StoreUnderTest, id: str) -> list[dict[str, Any]]:
    return [e for e in await store.log() if e["aggregate_id"] == id]


class UnitOfWorkContract:
    async def test_a_command_commits_its_row_and_its_event_with_every_contract_field(
        self, store: StoreUnderTest
    ) -> None:
        before = datetime.now(UTC)
        id = await add_product(store, "kb-1", stock=3)
        result = await store.run(ChangeProductPrice(id, Decimal("9.9")))

        product = await store.stored(Product, id)
        assert product is not None
        assert (product.sku, product.price, product.stock, product.version) == (
            "KB-1", Decimal("9.90"), 3, 2
        )
        added, changed = await store.log()
        assert set(added) == set(changed) == CONTRACT
        assert changed["position"] == result.position and added["position"] < changed["position"]
        for event in (added, changed):  # canonical, distinct UUIDs
            assert event["event_id"] == str(uuid.UUID(event["event_id"]))
        assert added["event_id"] != changed["event_id"]
        assert (added["type"], added["aggregate_type"], added["aggregate_id"]) == (
            "ProductAdded", "Product", id
        )
        assert (added["schema_version"], added["aggregate_version"]) == (1, 1)
        assert (changed["type"], changed["aggregate_version"]) == ("ProductPriceChanged", 2)
        assert added["payload"] == {
            "sku": "KB-1", "name": "Keyboard", "description": "Clicky", "category": "input",
            "price": "12.50", "stock": 3,
        }
        assert changed["payload"] == {"price": "9.90"}
        occurred = datetime.fromisoformat(changed["occurred_at"])
        assert occurred.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= occurred <= datetime.now(UTC) + timedelta(seconds=1)

    async def test_a_refused_command_writes_neither_its_row_nor_its_events(
        self, store: StoreUnderTest
    ) -> None:
        ada = (await store.run(RegisterUser("Ada", "ada@example.com"))).aggregate_id
        bob = (await store.run(RegisterUser("Bob", "bob@example.com"))).aggregate_id
        await add_product(store, "KB-1")
        logged = await store.log()

        with pytest.raises(EmailTaken) as taken:
            await store.run(RegisterUser("Ada Again", "ADA@example.com"))
        assert taken.value.email == "ADA@example.com"
        with pytest.raises(EmailTaken):
            await store.run(ChangeUserEmail(bob, "Ada@Example.com"))
        with pytest.raises(SkuTaken):
            await add_product(store, "kb-1")
        with pytest.raises(VersionConflict) as conflict:
            await store.run(RenameUser(ada, "Ada King", expected_version=2))
        assert (conflict.value.expected, conflict.value.actual) == (2, 1)

        assert await store.log() == logged
        user = await store.stored(User, bob)
        assert user is not None and (user.email, user.version) == ("bob@example.com", 1)
        renamed = await store.stored(User, ada)
        assert renamed is not None and (renamed.name, renamed.version) == ("Ada", 1)

    @pytest.mark.parametrize("kind", ["restock", "price"])
    async def test_concurrent_commands_without_expected_version_never_lose_an_update(
        self, store: StoreUnderTest, kind: str
    ) -> None:
        id = await add_product(store, stock=0)
        restocks = [RestockProduct(id, quantity) for quantity in range(1, 9)]
        prices = [ChangeProductPrice(id, Decimal(f"{20 + i}.00")) for i in range(8)]
        commands: Sequence[Command] = restocks if kind == "restock" else prices

        outcomes = await store.together(commands)

        won, _ = split(outcomes, ConcurrentUpdate)
        assert won, "every command lost; the retry never let one through"
        applied = [
            cmd for cmd, o in zip(commands, outcomes, strict=True) if isinstance(o, CommandResult)
        ]
        log = (await history(store, id))[1:]
        assert [e["aggregate_version"] for e in log] == list(range(2, len(won) + 2))
        assert sorted(r.version for r in won) == list(range(2, len(won) + 2))
        product = await store.stored(Product, id)
        assert product is not None and product.version == len(won) + 1
        if kind == "restock":
            quantities = [e["payload"]["quantity"] for e in log]
            assert sorted(quantities) == sorted(
                cmd.quantity for cmd in applied if isinstance(cmd, RestockProduct)
            )
            assert product.stock == sum(quantities)
            assert [e["payload"]["stock"] for e in log] == [
                sum(quantities[: i + 1]) for i in range(len(quantities))
            ]
        else:
            assert sorted(e["payload"]["price"] for e in log) == sorted(
                format(cmd.price, "f") for cmd in applied if isinstance(cmd, ChangeProductPrice)
            )
            assert format(product.price, "f") == log[-1]["payload"]["price"]

    async def test_of_two_commands_pinned_to_the_same_version_exactly_one_wins(
        self, store: StoreUnderTest
    ) -> None:
        id = await add_product(store, stock=0)
        pinned = [RestockProduct(id, q, expected_version=1) for q in (5, 7)]

        outcomes = await store.together(pinned)

        [winner], [loser] = split(outcomes, VersionConflict)
        assert isinstance(loser, VersionConflict) and (loser.id, loser.expected) == (id, 1)
        assert loser.actual in (None, 2)  # None: it lost at the write, 2: it saw the winner's row
        product = await store.stored(Product, id)
        assert product is not None and (winner.version, product.version) == (2, 2)
        assert product.stock == pinned[outcomes.index(winner)].quantity
        assert [e["aggregate_version"] for e in await history(store, id)] == [1, 2]

    async def test_of_two_registrations_with_the_same_email_exactly_one_wins(
        self, store: StoreUnderTest
    ) -> None:
        emails = ["ada@example.com", "ADA@example.com"]

        outcomes = await store.together([RegisterUser("Ada", email) for email in emails])

        [winner], [loser] = split(outcomes, EmailTaken)
        assert isinstance(loser, EmailTaken)
        assert loser.email == emails[outcomes.index(loser)]
        [event] = await store.log()
        assert event["aggregate_id"] == winner.aggregate_id
