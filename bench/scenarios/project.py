"""`project`: events/s from the outbox to searchable, beside bulk-indexing the same documents.

Diptych: the relay, broker and projector exactly as `diptych serve` wires them
(diptych.bootstrap.run_services with the workers), run inside the bench process so the clock can
see both ends. Each round commits N ProductAdded events to the outbox in one transaction (so the
relay finds them all at once, as after a burst or a projector restart), then one more addProduct
through the command dispatcher, whose commit wakes the relay as every command's does. The clock
runs from just after the N events commit until a search finds all N+1 products.

Raw limit: the same N+1 documents, read back from Diptych's index, written straight into a
tantivy index of their own with TantivyIndex.write in batches of up to BULK; each write returns
once its documents are searchable.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bench import catalog
from bench.errors import BenchError
from bench.measurements import Goal, Outcome, Side
from bench.progress import bar
from bench.scenario import Context, Scenario
from diptych.bootstrap import run_services
from diptych.settings import Settings
from read.freshness.visibility_feed import Change
from read.index import SearchIndex, SearchRequest, Upsert
from read.projection.product_documents import PRODUCT
from read.tantivy.tantivy_index import TantivyIndex
from schema.context import Services
from write.products.product import Product
from write.products.product_commands import AddProduct
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.outbox import notify_channel_of
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork

GOAL = Goal(0.6)
BULK = 10_000
TIMEOUT = 300.0  # seconds for one round to become searchable before the run gives up


@dataclass(frozen=True)
class Size:
    rounds: int
    events: int  # committed at once per round (plus the one that wakes the relay)
    warmup: int


FULL = Size(rounds=5, events=2000, warmup=200)
QUICK = Size(rounds=2, events=50, warmup=10)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    data_dir = context.workdir / "service"
    ours: list[float] = []
    theirs: list[float] = []
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(context.backends.database(data_dir, "service"))
        broker = await stack.enter_async_context(context.backends.broker())
        settings = Settings.from_env(
            {"DIPTYCH_DATA_DIR": str(data_dir), "DIPTYCH_DATABASE_URL": database, **broker})
        services = await stack.enter_async_context(run_services(settings, with_workers=True))
        engine = create_engine(database)
        stack.push_async_callback(engine.dispose)
        raw = TantivyIndex(context.workdir / "raw-index")
        await raw.open()
        stack.push_async_callback(raw.close)
        progress = stack.enter_context(
            bar("project", 2 * (size.warmup + 1 + size.rounds * (size.events + 1)), unit="event"))

        for number in range(-1, size.rounds):  # round -1 warms up and is not counted
            count = size.warmup if number < 0 else size.events
            word = catalog.tag("project", number + 1)
            seconds, ids = await _project(services, engine, catalog.products(
                f"P{number + 1}", count + 1, tag=word), word)
            progress.update(len(ids))
            documents = await services.index.get_many(PRODUCT, ids)
            raw_seconds = await _bulk_index(raw, [
                Upsert(doc.kind, doc.id, doc.version, doc.body) for doc in documents.values()
            ], word)
            progress.update(len(documents))
            if number >= 0:
                ours.append(len(ids) / seconds)
                theirs.append(len(documents) / raw_seconds)
    broker_name = "RabbitMQ" if context.backends.amqp else "the in-process broker"
    return Outcome(
        scenario="project",
        diptych=_side(ours, f"outbox -> relay -> {broker_name} -> projector -> searchable",
                      "events/s"),
        raw=_side(theirs, f"TantivyIndex.write of the same documents, batches of {BULK:,}",
                  "documents/s"),
        goal=GOAL,
        parameters={"rounds": size.rounds, "events_per_round": size.events + 1},
        notes=("The relay, broker and projector run inside the bench process, wired by "
               "diptych.bootstrap.run_services as `diptych serve` wires them.",),
    )


async def _project(
    services: Services, engine: AsyncEngine, specs: Sequence[catalog.ProductSpec], word: str
) -> tuple[float, list[str]]:
    """Commit all but the last product at once, then add the last through the dispatcher (which
    wakes the relay); the seconds until a search finds them all, and their ids."""
    *burst, last = specs
    ids = await _commit_at_once(engine, burst)
    started = time.perf_counter()
    result = await services.dispatch(AddProduct(
        last.sku, last.name, last.description, last.category, last.price, last.stock))
    ids.append(result.aggregate_id)
    await _until_found(services, word, len(ids))
    return time.perf_counter() - started, ids


async def _commit_at_once(engine: AsyncEngine, specs: Sequence[catalog.ProductSpec]) -> list[str]:
    uow = SqlAlchemyUnitOfWork(engine, notify_channel_of(engine))
    async with uow:
        added = [
            Product.add(str(uuid.uuid4()), spec.sku, spec.name, spec.description, spec.category,
                        spec.price, spec.stock)
            for spec in specs
        ]
        for product in added:
            uow.repository(Product).add(product)
        await uow.commit()
    return [product.id for product in added]


async def _until_found(services: Services, word: str, count: int) -> None:
    """Wait the way a token query does: watch the visibility feed, check, then sleep until the
    projector announces a change (or half a second passes)."""
    deadline = time.monotonic() + TIMEOUT
    with services.feed.subscribe(PRODUCT) as watch:  # before the first check: no gap
        while await _found(services.index, word) < count:
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{count} projected products were not searchable after {TIMEOUT:g}s")
            await _next_change(watch.queue, 0.5)


async def _next_change(changes: asyncio.Queue[Change], timeout: float) -> None:
    """Until the projector announces a change (or `timeout` passes). What queued up besides is
    dropped: the check that follows covers it, and one search per batch, not per document, keeps
    the waiting as light as a token query's."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(changes.get(), timeout)
    while not changes.empty():
        changes.get_nowait()


async def _bulk_index(index: TantivyIndex, writes: list[Upsert], word: str) -> float:
    started = time.perf_counter()
    for first in range(0, len(writes), BULK):
        await index.write(writes[first:first + BULK])
    seconds = time.perf_counter() - started
    if await _found(index, word) != len(writes):
        raise BenchError("bulk-indexed documents are missing from the raw index")
    return seconds


async def _found(index: SearchIndex, word: str) -> int:
    return (await index.search(PRODUCT, SearchRequest(text=word, first=1))).total


def _side(rates: list[float], label: str, unit: str) -> Side:
    figure = len(rates) / sum(1 / rate for rate in rates)  # harmonic mean: equal-sized rounds
    return Side(label=label, unit=unit, figure=figure, rounds=tuple(rates))


SCENARIO = Scenario(
    name="project",
    diptych="events/s from outbox to searchable (relay + broker + projector)",
    raw="bulk-indexing the same documents straight into the index (TantivyIndex.write)",
    goal=GOAL,
    run=run,
)
