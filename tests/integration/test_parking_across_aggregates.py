"""Review of #13's parking: a fault met while filling a gap of ANOTHER aggregate than the one of
the event in hand. An OrderPlaced needs its user's document; when that user's UserRegistered is
parked (a projection that keeps failing) or was skipped by an operator, the gap fill of the
User's history fails again, `_project` finds no event of the User in hand to park (`held` is
empty) and re-raises: the batch, and so the whole shard, is retried in place for ever.

Real SQLite (and PostgreSQL when configured) and a real tantivy index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from read.projection import projection_kinds
from read.projection.product_documents import PRODUCT
from read.projection.workspace import Workspace
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers import projector as projector_module
from workers.parked_replay import ParkedReplay
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from write.orders.order_commands import PlaceOrder, RequestedLine
from write.products.product_commands import AddProduct
from write.sqlalchemy import outbox, parked_store
from write.users.user_commands import RegisterUser


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector_module, "RETRY_PAUSE", 0)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


def projector_on(engine: AsyncEngine, index: TantivyIndex) -> Projector:
    return Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3))


def poison_registrations(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """UserRegistered raises for one name: a projection bug that data triggers."""
    real = projection_kinds.projections()["UserRegistered"]

    async def broken(event: EventMessage, workspace: Workspace) -> None:
        if event.payload["name"] == name:
            raise KeyError("a bug in the projection")
        await real(event, workspace)

    monkeypatch.setitem(projection_kinds.projections(), "UserRegistered", broken)


async def after(engine: AsyncEngine, position: int) -> list[dict[str, Any]]:
    return await outbox.read_log(engine, after=position, limit=1000)


async def a_user_and_an_order(engine: AsyncEngine) -> tuple[str, str, int]:
    """A user named Poison; then a product and an order of that user (after the position)."""
    user = await run(engine, RegisterUser("Poison", "poison@example.com"))
    assert user.position is not None
    product = await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("9.90"), 5))
    await run(engine, PlaceOrder(user.aggregate_id, (RequestedLine(product.aggregate_id, 1),)))
    return user.aggregate_id, product.aggregate_id, user.position


async def test_an_order_of_a_user_whose_registration_is_parked_does_not_stop_its_shard(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, product, registered_at = await a_user_and_an_order(engine)
    poison_registrations(monkeypatch, "Poison")
    projector = projector_on(engine, index)
    registration = (await after(engine, registered_at - 1))[:1]
    await projector.apply(registration, "shard-0")  # parks the user
    assert [p.aggregate_id for p in await parked_store.waiting(engine)] == [user]

    # The product and the order come through another shard. On the current code this raises
    # EventFailed (the User's registration, met again by the gap fill): RabbitMQ's shard consumer
    # retries the batch in place for ever, so this shard stops, the product with it.
    await projector.apply(await after(engine, registered_at), "shard-1")

    assert await index.get(PRODUCT, product) is not None  # the rest of the batch carried on
    parked = await parked_store.waiting(engine)
    assert any(p.type == "OrderPlaced" for p in parked), "the order waits behind its user"


async def test_an_order_of_a_user_whose_registration_was_skipped_does_not_stop_its_shard(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, product, registered_at = await a_user_and_an_order(engine)
    poison_registrations(monkeypatch, "Poison")
    projector = projector_on(engine, index)
    await projector.apply((await after(engine, registered_at - 1))[:1], "shard-0")
    [poison] = await parked_store.waiting(engine)
    await parked_store.skip(engine, poison.event_id, by="ops", reason="cannot be projected")
    await parked_store.request_retry(engine, user)
    assert projector.parking is not None
    await ParkedReplay(projector, projector.parking).replay_requested()

    # On the current code this raises ProjectionGap: the creation event was stepped over, the
    # user document never exists, and an order needs it; nothing of the User is in hand to park.
    await projector.apply(await after(engine, registered_at), "shard-1")

    assert await index.get(PRODUCT, product) is not None
