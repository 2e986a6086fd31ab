"""The chaos harness's audit (chaos/index_audit.py) on real parts: a migrated write store (SQLite
and, when configured, PostgreSQL), the relay, the in-process broker, the projector and tantivy.
The index it is given is then broken by hand, one way per test, to show that the audit sees
each way an index can disagree with the write store."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chaos.index_audit import Audit, audit, converge
from read.index import JSON, Delete, Upsert
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from read.tantivy.tantivy_index import TantivyIndex
from workers.inprocess_broker import InProcessBroker
from workers.projector import Projector
from workers.relay import Relay
from write.handling import handle
from write.messages import Command
from write.orders.order_commands import PlaceOrder, RequestedLine
from write.products.product_commands import AddProduct, RestockProduct
from write.sqlalchemy import parked_store
from write.sqlalchemy.parked_store import ParkedEvent
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.users.user_commands import RegisterUser


@dataclass
class Store:
    engine: AsyncEngine
    index: TantivyIndex
    relay: Relay
    user: str = ""
    product: str = ""

    async def run(self, command: Command) -> str:
        return (await handle(command, SqlAlchemyUnitOfWork(self.engine, None))).aggregate_id

    async def document(self, kind: str, id: str) -> tuple[int, JSON]:
        found = await self.index.get(kind, id)
        assert found is not None
        return found.version, found.body


@pytest.fixture
async def store(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Store]:
    """A user, two products, an order of both and a restock (7 events), relayed and projected."""
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    try:
        broker = InProcessBroker()
        await broker.consume(Projector(index))
        s = Store(engine, index, Relay(engine, broker))
        s.user = await s.run(RegisterUser("Ada Lovelace", "ada@example.com"))
        s.product = await s.run(AddProduct("KB-1", "Keyboard", "", "input", Decimal("9.90"), 50))
        other = await s.run(AddProduct("MS-1", "Mouse", "", "input", Decimal("4.90"), 50))
        await s.run(PlaceOrder(s.user, (RequestedLine(s.product, 2), RequestedLine(other, 1))))
        await s.run(RestockProduct(s.product, 5))
        assert await s.relay.drain() == 7
        yield s
    finally:
        await index.close()


async def test_an_index_fed_every_event_matches_the_write_store(store: Store) -> None:
    found = await audit(store.engine, store.index)
    assert found == Audit(events=7, lost=0, stale=0, duplicated=0) and found.matches
    assert (await converge(store.engine, store.index, time.monotonic(), 5))[1] is not None


async def test_a_committed_event_the_relay_has_not_sent_yet_is_stale_not_lost(
    store: Store,
) -> None:
    await store.run(RestockProduct(store.product, 1))
    found = await audit(store.engine, store.index)
    assert (found.events, found.lost, found.stale, found.duplicated) == (8, 0, 1, 0)
    await store.relay.drain()
    assert (await audit(store.engine, store.index)).matches


async def test_a_sent_event_missing_from_the_index_is_lost(store: Store) -> None:
    version, _ = await store.document(USER, store.user)
    await store.index.write([Delete(USER, store.user, version + 1)])  # the user's one event
    found = await audit(store.engine, store.index)
    assert (found.lost, found.stale, found.duplicated) == (1, 0, 0)
    last, converged_after = await converge(store.engine, store.index, time.monotonic(), 0.3)
    assert converged_after is None and last == found


async def test_a_document_ahead_of_the_write_store_is_duplicated(store: Store) -> None:
    revision, body = await store.document(PRODUCT, store.product)
    sources = body["sources"] | {f"Product/{store.product}": 99}  # a version never committed
    await store.index.write([Upsert(PRODUCT, store.product, revision + 1,
                                    body | {"sources": sources})])
    assert (await audit(store.engine, store.index)).duplicated == 1


@pytest.mark.parametrize(("extra", "lost", "duplicated"), [(2, 0, 1), (-1, 1, 0)])
async def test_sold_units_the_orders_do_not_account_for_are_an_event_applied_twice_or_lost(
    store: Store, extra: int, lost: int, duplicated: int
) -> None:
    revision, body = await store.document(PRODUCT, store.product)
    assert body["sold"] == 2
    await store.index.write([Upsert(PRODUCT, store.product, revision + 1,
                                    body | {"sold": 2 + extra})])
    found = await audit(store.engine, store.index)
    assert (found.lost, found.duplicated) == (lost, duplicated)


async def test_an_event_the_projector_parked_is_counted_parked_not_lost(store: Store) -> None:
    version, _ = await store.document(USER, store.user)
    await store.index.write([Delete(USER, store.user, version + 1)])  # as if never applied
    await parked_store.park(store.engine, [ParkedEvent(
        event_id="parked-1", position=1, aggregate_type="User", aggregate_id=store.user,
        aggregate_version=1, type="UserRegistered", envelope={}, error="raised KeyError",
        attempts=3, source="shard-0", parked_at=datetime.now(UTC))])
    found = await audit(store.engine, store.index)
    assert (found.lost, found.stale, found.parked) == (0, 0, 1) and found.matches
    assert (await converge(store.engine, store.index, time.monotonic(), 0.3, False))[1] is None
