"""The relay on PostgreSQL: one active per outbox (a standby waits and takes over), woken by the
NOTIFY of every commit, and gap-safe (an event whose transaction commits late is not skipped).
The lock is the composition root's choice (diptych.pipeline.relay_lock)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from diptych.pipeline import relay_lock
from diptych.settings import Settings
from tests.postgres import fresh_database
from workers.broker import Envelope
from workers.inprocess_broker import InProcessBroker
from workers.relay import Relay, RelaySupervisor
from workers.relay_lock import FileRelayLock, PostgresRelayLock
from workers.retry_policies import LOCK_MAX_WAIT as RETRY
from write.event_records import records_of
from write.handling import handle
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.outbox import notify_channel_of
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.sqlalchemy.tables import events
from write.users.user import User
from write.users.user_commands import RegisterUser

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url, "relay") as url:
        await upgrade(url)
        yield url


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database)
    yield engine
    await engine.dispose()


async def register(engine: AsyncEngine, n: int) -> None:
    """A command as `diptych serve` runs it: on PostgreSQL its commit notifies the relay."""
    await handle(RegisterUser(f"User {n}", f"user{n}@example.com"),
                 SqlAlchemyUnitOfWork(engine, notify_channel_of(engine)))


def nobody() -> None:
    """No relay to wake."""


def test_the_store_kind_chooses_the_relay_lock(database: str, tmp_path: Path) -> None:
    on_postgres = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path),
                                     "DIPTYCH_DATABASE_URL": database})
    assert isinstance(relay_lock(on_postgres), PostgresRelayLock)
    embedded = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
    assert isinstance(relay_lock(embedded), FileRelayLock)


async def test_a_second_relay_stands_by_until_the_first_lets_go(database: str) -> None:
    stop = asyncio.Event()
    first, second = PostgresRelayLock(database), PostgresRelayLock(database)
    assert await first.acquire(stop, nobody)
    waiting = asyncio.create_task(second.acquire(stop, nobody))
    await asyncio.sleep(RETRY + 0.5)
    assert not waiting.done()

    await first.release()

    assert await asyncio.wait_for(waiting, RETRY + 2)
    await second.release()


async def test_a_standby_gives_up_waiting_when_told_to_stop(database: str) -> None:
    stop = asyncio.Event()
    active, standby = PostgresRelayLock(database), PostgresRelayLock(database)
    assert await active.acquire(stop, nobody)
    waiting = asyncio.create_task(standby.acquire(stop, nobody))
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
    await active.release()
    await standby.release()


async def test_a_released_lock_can_be_taken_again_and_still_excludes_others(
    database: str,
) -> None:
    stop = asyncio.Event()
    lock, other = PostgresRelayLock(database), PostgresRelayLock(database)
    assert await lock.acquire(stop, nobody)
    await lock.release()
    assert await lock.acquire(stop, nobody)
    waiting = asyncio.create_task(other.acquire(stop, nobody))
    await asyncio.sleep(RETRY + 0.5)
    assert not waiting.done()
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
    await lock.release()
    await other.release()


async def test_the_active_relay_is_woken_by_every_commit(
    database: str, engine: AsyncEngine
) -> None:
    woken = asyncio.Event()
    lock = PostgresRelayLock(database)
    assert await lock.acquire(asyncio.Event(), woken.set)
    try:
        await register(engine, 1)
        await asyncio.wait_for(woken.wait(), 2)
    finally:
        await lock.release()


async def test_two_supervised_relays_publish_every_event_once_in_log_order(
    database: str, engine: AsyncEngine
) -> None:
    published: list[int] = []

    async def record(batch: Sequence[Envelope], source: str) -> None:
        published.extend(e["position"] for e in batch)

    brokers = [InProcessBroker(), InProcessBroker()]
    for broker in brokers:
        await broker.consume(record)
    stop = asyncio.Event()
    relays = [RelaySupervisor(PostgresRelayLock(database), engine, broker) for broker in brokers]
    running = [asyncio.create_task(r.run(stop)) for r in relays]
    for n in range(40):
        await register(engine, n)
    for _ in range(100):
        if len(published) >= 40:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*running), 10)
    assert published == sorted(published)
    assert len(published) == len(set(published)) == 40


async def test_an_event_whose_transaction_commits_late_is_still_published(
    engine: AsyncEngine,
) -> None:
    published: list[int] = []

    async def record(batch: Sequence[Envelope], source: str) -> None:
        published.extend(e["position"] for e in batch)

    broker = InProcessBroker()
    await broker.consume(record)
    relay = Relay(engine, broker)
    slow = await engine.connect()
    await slow.begin()
    late = records_of([User.register(str(uuid.uuid4()), "Late Larry", "late@example.com")],
                      datetime.now(UTC))
    await slow.execute(insert(events), [r.row() for r in late])  # takes a position, uncommitted
    await register(engine, 1)  # a later position, committed first

    await relay.drain()
    assert len(published) == 1
    await slow.commit()
    await slow.close()
    await relay.drain()

    assert len(published) == 2
    assert published[1] < published[0]  # the late one has the smaller position, and still went
