"""Seeding a plan (bench/seed_data.py) through the real command path, then waiting for the real
relay and projector to make all of it searchable.

Every user, product and order is a command run by `write.handling.handle` in a unit of work of its
own, as the API runs it: validation, aggregates, stock reservations, version checks, retries, the
event log. Nothing is written to the index; the projector builds every document from the log.

The seed's own connections commit without waiting for the WAL to reach the disk (PostgreSQL's
synchronous_commit = off, `loading_engine`): a crash could lose a scratch database's last commits,
which never matters here, and on a small machine it speeds seeding up by half or more.

One liberty, for dates: write/ has no clock to inject (handlers and the unit of work call
`datetime.now`), so a year of orders could not be placed in minutes. `BackdatedUnitOfWork` is the
real unit of work, told the moment it commits at: it stamps that moment on the events' occurred_at
and on a newly placed order's placed_at, just before the same flush and commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.errors import BenchError
from bench.load import Tick, closed_loop
from bench.progress import bar
from bench.seed_data import Plan, PlannedOrder
from read.index import SearchIndex
from read.projection.batches import CHECKPOINT
from write.aggregate import Aggregate
from write.command_errors import ConcurrentUpdate
from write.event_records import EventRecord
from write.handling import handle
from write.messages import Command
from write.orders.order import Order
from write.orders.order_commands import CancelOrder, PlaceOrder, RequestedLine, ShipOrder
from write.sqlalchemy.database import create_engine, is_postgres
from write.sqlalchemy.outbox import last_position, notify_channel_of
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork

CLIENT_RETRIES = 20  # of a whole command, after `handle`'s own retries (small plans, hot products)
STALLED = 120.0  # seconds without the projector's checkpoint moving before the run gives up


def loading_engine(url: str) -> AsyncEngine:
    """The service's engine set-up (write/sqlalchemy/database.py), its PostgreSQL sessions set to
    commit without waiting for the WAL flush."""
    engine = create_engine(url)
    if is_postgres(engine):

        @event.listens_for(engine.sync_engine, "connect")
        def _no_flush_wait(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET synchronous_commit TO off")
            cursor.close()

    return engine


class BackdatedUnitOfWork(SqlAlchemyUnitOfWork):
    """The SQLAlchemy unit of work, committing as if at `moment` (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine, moment: datetime) -> None:
        super().__init__(engine, notify_channel_of(engine))
        self._moment = moment

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        for aggregate in touched:
            if isinstance(aggregate, Order) and aggregate.version == len(aggregate.events):
                aggregate.placed_at = self._moment  # placed by this command
        stamped = [replace(record, occurred_at=self._moment) for record in records]
        return await super()._commit(touched, stamped)


@dataclass(frozen=True)
class Seeded:
    commands: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.commands / self.seconds


async def seed(engine: AsyncEngine, plan: Plan, concurrency: int, label: str) -> Seeded:
    """Users and products first (a day before the period), then the orders oldest first, then
    the shipping and cancelling, each at its planned moment; `concurrency` commands at a time."""
    settling = sorted((n for n, o in enumerate(plan.orders) if o.fate),
                      key=lambda n: plan.orders[n].settled_at)
    total = len(plan.users) + len(plan.products) + len(plan.orders) + len(settling)
    started = time.perf_counter()
    with bar(f"{label}: seed", total, unit="command") as progress:
        tick = progress.update
        before = [plan.start - timedelta(days=1)] * max(len(plan.users), len(plan.products))
        users = await _all(engine, plan.users, before, concurrency, tick)
        products = await _all(engine, plan.products, before, concurrency, tick)
        placing = [_place(order, users, products) for order in plan.orders]
        orders = await _all(engine, placing, [o.placed_at for o in plan.orders], concurrency, tick)
        await _all(engine, [_settle(plan.orders[n], orders[n]) for n in settling],
                   [plan.orders[n].settled_at for n in settling], concurrency, tick)
    return Seeded(total, time.perf_counter() - started)


def _place(order: PlannedOrder, users: list[str], products: list[str]) -> PlaceOrder:
    lines = tuple(RequestedLine(products[p], quantity) for p, quantity in order.lines)
    return PlaceOrder(users[order.user], lines)


def _settle(order: PlannedOrder, order_id: str) -> Command:
    return ShipOrder(order_id) if order.fate == "shipped" else CancelOrder(order_id)


async def _all(
    engine: AsyncEngine,
    commands: Sequence[Command],
    moments: Sequence[datetime],
    concurrency: int,
    tick: Tick,
) -> list[str]:
    """Handle every command at its moment, `concurrency` at a time; the id of each one's
    aggregate, in order."""
    ids = [""] * len(commands)

    async def one(number: int) -> None:
        for attempt in range(1, CLIENT_RETRIES + 1):
            uow = BackdatedUnitOfWork(engine, moments[number])
            try:
                ids[number] = (await handle(commands[number], uow)).aggregate_id
                return
            except ConcurrentUpdate:  # `handle` gave up on a busy product: a client tries again
                if attempt == CLIENT_RETRIES:
                    raise
                await asyncio.sleep(0.01 * attempt)

    await closed_loop(one, len(commands), concurrency, tick)
    return ids


async def until_projected(engine: AsyncEngine, index: SearchIndex, label: str) -> float:
    """Wait until the projector's checkpoint reaches the last event in the log; the seconds it
    took from the call."""
    head = await last_position(engine)
    started = moved = time.perf_counter()
    with bar(f"{label}: project", head, unit="event") as progress:
        while (done := await index.checkpoint(CHECKPOINT)) < head:
            if done > progress.n:
                progress.update(done - progress.n)
                moved = time.perf_counter()
            elif time.perf_counter() - moved > STALLED:
                raise BenchError(f"projection stalled at position {done} of {head} for "
                                 f"{STALLED:g}s")
            await asyncio.sleep(0.25)
        progress.update(head - progress.n)
    return time.perf_counter() - started
