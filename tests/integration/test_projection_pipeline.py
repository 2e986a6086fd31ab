"""The write store, the relay, the in-process broker, the projector and tantivy, all real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.freshness.consistency import ConsistencyToken, wait_until_visible
from read.freshness.visibility_feed import VisibilityFeed
from read.index import SearchRequest, Sort
from read.projection.batches import ProjectionGap
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from read.query.query_errors import StaleRead
from read.tantivy.tantivy_index import TantivyIndex
from workers.broker import Envelope
from workers.catch_up import catch_up
from workers.inprocess_broker import InProcessBroker
from workers.projector import Projector, SqlEventLog
from workers.relay import Relay
from write.command_results import CommandResult
from write.handling import handle
from write.messages import Command
from write.products.product_commands import AddProduct, RestockProduct
from write.sqlalchemy import outbox
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.users.user_commands import ChangeUserEmail, RegisterUser, RenameUser


@dataclass
class Pipeline:
    engine: AsyncEngine
    index: TantivyIndex
    feed: VisibilityFeed
    projector: Projector
    relay: Relay

    async def run(self, command: Command) -> CommandResult:
        return await handle(command, SqlAlchemyUnitOfWork(self.engine, None))

    async def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every document's content (revisions count writes, which batching changes)."""
        docs = {}
        for kind, key in ((USER, "name_key"), (PRODUCT, "name_key")):
            page = await self.index.search(kind, SearchRequest(sort=Sort(key), first=1000))
            for hit in page.hits:
                docs[(kind, hit.document.id)] = hit.document.body
        return docs


@pytest.fixture
async def pipeline(tmp_path: Path) -> AsyncIterator[Pipeline]:
    url = f"sqlite+aiosqlite:///{tmp_path}/write.db"
    await upgrade(url)
    engine = create_engine(url)
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    feed = VisibilityFeed()
    broker = InProcessBroker()
    projector = Projector(index, feed)
    await broker.consume(projector)
    yield Pipeline(engine, index, feed, projector, Relay(engine, broker))
    await index.close()
    await engine.dispose()


async def seed(p: Pipeline) -> tuple[CommandResult, CommandResult]:
    user = await p.run(RegisterUser("Ada Lovelace", "ada@example.com"))
    await p.run(ChangeUserEmail(user.aggregate_id, "countess@example.com"))
    product = await p.run(
        AddProduct("KB-1", "Keyboard", "Clicky", "input", Decimal("89.90"), 3)
    )
    await p.run(RestockProduct(product.aggregate_id, 2))
    return user, product


async def test_committed_events_reach_the_index_in_order(pipeline: Pipeline) -> None:
    user, product = await seed(pipeline)

    assert await pipeline.relay.drain() == 4

    doc = await pipeline.index.get(USER, user.aggregate_id)
    assert doc is not None and doc.body["version"] == 2
    assert doc.body["email"] == "countess@example.com"
    item = await pipeline.index.get(PRODUCT, product.aggregate_id)
    assert item is not None and (item.body["version"], item.body["stock"]) == (2, 5)
    assert await outbox.unpublished(pipeline.engine, 100) == []
    assert await pipeline.index.checkpoint("projector") == await outbox.last_position(
        pipeline.engine
    )


async def test_replaying_the_whole_log_twice_leaves_the_index_unchanged(pipeline: Pipeline) -> None:
    await seed(pipeline)
    await pipeline.relay.drain()
    before = await pipeline.snapshot()
    log = await outbox.read_log(pipeline.engine, after=0, limit=10_000)

    first = await pipeline.projector.apply(log)
    second = await pipeline.projector.apply(list(reversed(log)))

    assert (first.applied, second.applied) == (0, 0)
    assert await pipeline.snapshot() == before
    assert len(before) == 2


async def test_an_older_redelivery_never_overwrites_a_newer_document(pipeline: Pipeline) -> None:
    user, _ = await seed(pipeline)
    await pipeline.relay.drain()
    log = await outbox.read_log(pipeline.engine, after=0, limit=10_000)
    registered = [e for e in log if e["type"] == "UserRegistered"]

    result = await pipeline.projector.apply(registered)

    assert result.applied == 0
    doc = await pipeline.index.get(USER, user.aggregate_id)
    assert doc is not None and doc.body["email"] == "countess@example.com"


async def test_events_stay_in_the_outbox_until_the_projector_has_applied_them(
    tmp_path: Path, pipeline: Pipeline
) -> None:
    await seed(pipeline)
    failing = InProcessBroker()

    async def broken(events: Sequence[Envelope], source: str) -> None:
        raise ConnectionError("index is down")

    await failing.consume(broken)
    with pytest.raises(ConnectionError):
        await Relay(pipeline.engine, failing).relay_once()
    assert len(await outbox.unpublished(pipeline.engine, 100)) == 4

    assert await pipeline.relay.drain() == 4
    assert len(await pipeline.snapshot()) == 2


async def test_a_token_wait_returns_as_soon_as_the_projector_makes_the_write_visible(
    pipeline: Pipeline,
) -> None:
    user = await pipeline.run(RegisterUser("Grace", "grace@example.com"))
    token = ConsistencyToken(USER, user.aggregate_id, user.version, user.position or 0)
    waiting = asyncio.create_task(
        wait_until_visible(pipeline.index, pipeline.feed, token, timeout=5, recheck=60)
    )
    await asyncio.sleep(0.05)
    assert not waiting.done()

    await pipeline.relay.drain()

    await asyncio.wait_for(waiting, 1)


async def test_a_token_the_projector_never_reaches_raises_stale_read(pipeline: Pipeline) -> None:
    user = await pipeline.run(RegisterUser("Grace", "grace@example.com"))
    token = ConsistencyToken(USER, user.aggregate_id, user.version, user.position or 0)
    with pytest.raises(StaleRead):
        await wait_until_visible(pipeline.index, pipeline.feed, token, timeout=0.2)


async def test_a_lost_index_is_rebuilt_from_the_event_log_by_catch_up(
    tmp_path: Path, pipeline: Pipeline
) -> None:
    await seed(pipeline)
    await pipeline.relay.drain()
    before = await pipeline.snapshot()
    fresh = TantivyIndex(tmp_path / "fresh-index")
    await fresh.open()
    rebuilt = Pipeline(pipeline.engine, fresh, pipeline.feed, Projector(fresh, pipeline.feed),
                       pipeline.relay)

    read = await catch_up(pipeline.engine, fresh, rebuilt.projector, batch_size=3)

    assert read == 4
    assert await rebuilt.snapshot() == before
    assert await catch_up(pipeline.engine, fresh, rebuilt.projector) == 0
    await fresh.close()


async def test_an_event_that_overtakes_its_predecessor_is_refused_not_applied(
    pipeline: Pipeline,
) -> None:
    user, _ = await seed(pipeline)
    renamed = await pipeline.run(RenameUser(user.aggregate_id, "Countess"))
    log = await outbox.read_log(pipeline.engine, after=0, limit=10_000)
    mine = [e for e in log if e["aggregate_id"] == user.aggregate_id]
    assert [e["aggregate_version"] for e in mine] == [1, 2, renamed.version]

    with pytest.raises(ProjectionGap):
        await pipeline.projector.apply([mine[0], mine[2]])

    assert await pipeline.index.version_of(USER, user.aggregate_id) is None
    await pipeline.projector.apply(mine)
    doc = await pipeline.index.get(USER, user.aggregate_id)
    assert doc is not None and (doc.body["version"], doc.body["name"]) == (3, "Countess")


async def test_a_projector_with_the_event_log_fills_a_gap_instead_of_refusing(
    pipeline: Pipeline,
) -> None:
    user, _ = await seed(pipeline)
    await pipeline.run(RenameUser(user.aggregate_id, "Countess"))
    log = await outbox.read_log(pipeline.engine, after=0, limit=10_000)
    mine = [e for e in log if e["aggregate_id"] == user.aggregate_id]
    healing = Projector(pipeline.index, pipeline.feed, log=SqlEventLog(pipeline.engine))

    await healing.apply([mine[0], mine[2]])  # version 2 never arrived

    doc = await pipeline.index.get(USER, user.aggregate_id)
    assert doc is not None
    assert (doc.body["version"], doc.body["name"], doc.body["email"]) == (
        3, "Countess", "countess@example.com"
    )


async def test_events_whose_marking_failed_are_published_again_not_lost(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(pipeline)
    published: list[int] = []

    async def record(batch: Sequence[Envelope], source: str) -> None:
        published.extend(e["position"] for e in batch)

    broker = InProcessBroker()
    await broker.consume(record)
    real_mark = outbox.mark_published
    failures = [ConnectionError("write store gone for a moment")]

    async def flaky_mark(engine: AsyncEngine, positions: Sequence[int]) -> None:
        if failures:
            raise failures.pop()
        await real_mark(engine, positions)

    monkeypatch.setattr(outbox, "mark_published", flaky_mark)
    relay = Relay(pipeline.engine, broker)
    await relay.drain()
    assert len(await outbox.unpublished(pipeline.engine, 100)) == 4  # marking failed

    await relay.drain()

    assert published == [1, 2, 3, 4, 1, 2, 3, 4]
    assert await outbox.unpublished(pipeline.engine, 100) == []
