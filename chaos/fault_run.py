"""What the fault scenarios share: a write store and a broker of their own, Diptych's processes
(chaos/diptych_stack.py), a seeded catalogue, a stream of writes with the fault struck at a set
point of it, and the audit once the writing is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.backends import Backends
from bench.load_http import http_client
from chaos import rabbitmq_cluster, write_stream
from chaos.chaos_scenario import ChaosError, Context, NotRun, Outcome
from chaos.diptych_stack import Stack, running
from chaos.index_audit import PARKED_LIMIT, Audit, converge
from chaos.write_stream import Catalogue, StreamClient, Tally
from read.tantivy.tantivy_index import TantivyIndex
from write.sqlalchemy import parked_store
from write.sqlalchemy.database import create_engine

SHARDS = 4
USERS, PRODUCTS = 10, 60
CONCURRENCY = 6
CONVERGE_TIMEOUT = 30.0
BROKER_ROLES = ("projector", "relay", "api")
EMBEDDED_ROLES = ("api",)


@dataclass
class Run:
    stack: Stack
    graphql: StreamClient
    database: str  # the write store's URL
    engine: AsyncEngine
    tally: Tally = field(default_factory=Tally)
    catalogue: Catalogue = field(default_factory=lambda: Catalogue([], []))
    notes: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def needs_postgres(context: Context) -> str:
    if context.postgres_url is None:
        raise NotRun("needs a PostgreSQL server for its scratch database: set "
                     "DIPTYCH_CHAOS_POSTGRES_URL (postgresql+asyncpg://user@host:port/db)")
    return context.postgres_url


async def broker_settings(stack: contextlib.AsyncExitStack, context: Context) -> dict[str, str]:
    """Broker names of this run's own on the shared RabbitMQ, else on a scratch node."""
    amqp = context.amqp_url
    if amqp is None:
        cluster = stack.enter_context(rabbitmq_cluster.running(context.workdir / "rabbitmq", 1))
        amqp = f"amqp://guest:guest@127.0.0.1:{cluster.nodes[0].port}/"
    return await stack.enter_async_context(Backends(amqp=amqp, shards=SHARDS).broker())


@contextlib.asynccontextmanager
async def started(
    context: Context, database: str, settings: dict[str, str],
    roles: tuple[str, ...] = BROKER_ROLES, tolerated: Collection[str] = (),
    dropped: bool = False,
) -> AsyncIterator[Run]:
    """Diptych on `database` with `settings`, a client that tolerates `tolerated` error codes
    (and dropped connections if `dropped`), and the seeded catalogue."""
    async with contextlib.AsyncExitStack() as stack:
        engine = create_engine(database)
        stack.push_async_callback(engine.dispose)
        diptych = await stack.enter_async_context(running(
            context.workdir / "service", {"DIPTYCH_DATABASE_URL": database, **settings}, roles))
        http = await stack.enter_async_context(http_client(CONCURRENCY + 2))
        run = Run(diptych, StreamClient(http, diptych.service, tolerated, dropped), database,
                  engine)
        run.catalogue = await write_stream.seed(run.graphql, USERS, PRODUCTS, run.tally)
        yield run


async def stream(run: Run, writes: int, at: int, fault: Callable[[], Awaitable[None]],
                 pause: float = 0.0) -> float:
    """`writes` writes; once `at` of them are answered, `fault()` runs while the stream goes on.
    When the last write was answered and the fault is over (time.monotonic())."""
    reached = asyncio.Event()
    writing = asyncio.create_task(write_stream.orders(
        run.graphql, run.catalogue, writes, CONCURRENCY, run.tally,
        lambda answered: reached.set() if answered >= at else None, pause))
    try:
        waiting = asyncio.create_task(reached.wait())
        await asyncio.wait([writing, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if writing.done():
            writing.result()  # raise why it failed
            raise ChaosError(f"the stream ended before {at} writes were answered")
        await fault()
        await writing
    finally:
        writing.cancel()
    return time.monotonic()


async def converged(run: Run, since: float, timeout: float = CONVERGE_TIMEOUT,
                    parked_apart: bool = True) -> tuple[Audit, float | None]:
    """Wait for the index to match the write store (parked events apart): chaos/index_audit.py's
    `converge` on the index the service reads."""
    index = TantivyIndex(run.stack.service.index_dir, read_only=True)
    await index.open()
    try:
        return await converge(run.engine, index, since, timeout, parked_apart)
    finally:
        await index.close()


async def parked_events(run: Run) -> int:
    """How many events wait parked now (the product's own count)."""
    return len(await parked_store.waiting(run.engine, PARKED_LIMIT))


async def audited(run: Run, name: str, since: float, timeout: float = CONVERGE_TIMEOUT,
                  parked_apart: bool = True) -> tuple[Audit, Outcome]:
    """Wait for the index to match the write store (parked events apart, unless not
    `parked_apart`); the scenario's row."""
    found, converge_s = await converged(run, since, timeout, parked_apart)
    refusals = "".join(f", {count} {code}" for code, count in sorted(run.tally.refusals.items()))
    notes = [*run.notes, f"writes over HTTP: {run.tally.accepted} accepted, "
             f"{run.tally.refused} refused{refusals}"]
    if found.parked:
        notes.append(f"{found.parked} event(s) still parked (not counted as lost)")
    return found, Outcome(name, found.events, found.lost, found.duplicated, found.stale,
                          converge_s, tuple(notes), found.parked, tuple(run.findings))
