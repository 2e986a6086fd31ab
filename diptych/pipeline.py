"""The relay and the projector, wired for wherever they run: inside `diptych serve`, or as
`diptych worker relay` / `diptych worker projector` processes of their own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from diptych.adapters import (
    open_broker,
    open_index,
    open_log_reader,
    open_write_store,
)
from diptych.settings import Settings
from read.freshness.visibility_feed import VisibilityFeed
from read.index import SearchIndex
from workers.catch_up import catch_up
from workers.direct_sync import DirectSync
from workers.index_handover import IndexHandover
from workers.inprocess_broker import InProcessBroker
from workers.parked_replay import ParkedReplay
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from workers.rabbitmq.rabbitmq_broker import RabbitMQBroker
from workers.rabbitmq.rabbitmq_visibility import RabbitMQBroadcast
from workers.relay import Relay, RelaySupervisor
from workers.relay_lock import FileRelayLock, PostgresRelayLock, RelayLock
from workers.source_reports import SourceReports

T = TypeVar("T")
log = logging.getLogger(__name__)
EMBEDDED_MAX_BACKOFF = 1.0  # seconds


async def start_workers(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    engine: AsyncEngine,
    index: SearchIndex,
    feed: VisibilityFeed,
    broker: RabbitMQBroker | None,
) -> Callable[[], None]:
    """Run relay and projector in this process; return what wakes the relay after a commit."""
    projector = await _projector(stack, settings, engine, index, feed, broker)
    if broker is None:
        embedded = InProcessBroker()
        await embedded.consume(projector)
        stack.push_async_callback(embedded.close)
        # In process, a failed round is the projector's (an index hiccup), not a broker outage:
        # back off for a second at most, so reads stay fresh.
        relay = Relay(engine, embedded, reader=await open_log_reader(stack, settings, engine),
                      max_backoff=EMBEDDED_MAX_BACKOFF)
        run_until_exit(stack, "relay", relay.run, relay.stop)
        return relay.wake
    await broker.consume(projector)
    reader = await open_log_reader(stack, settings, engine)
    supervisor = RelaySupervisor(relay_lock(settings), engine, broker, reader)
    broker.on_reconnect(supervisor.broker_back)  # a backoff ends when the broker is back
    stop = asyncio.Event()
    run_until_exit(stack, "relay supervisor", lambda: supervisor.run(stop), stop.set)
    return supervisor.wake


async def run_relay(settings: Settings, stop: asyncio.Event) -> None:
    """`diptych worker relay`: outbox -> broker, while this process holds the relay lock."""
    async with contextlib.AsyncExitStack() as stack:
        supervisor = await _unless_stopped(stop, _relay_supervisor(stack, settings))
        if supervisor is not None:
            await supervisor.run(stop)


async def _relay_supervisor(
    stack: contextlib.AsyncExitStack, settings: Settings
) -> RelaySupervisor:
    engine = await open_write_store(stack, settings)
    broker = await open_broker(stack, settings)
    reader = await open_log_reader(stack, settings, engine)
    supervisor = RelaySupervisor(relay_lock(settings), engine, broker, reader)
    broker.on_reconnect(supervisor.broker_back)  # a backoff ends when the broker is back
    return supervisor


def relay_lock(settings: Settings) -> RelayLock:
    """The lock that keeps one relay active per outbox, for the write store's kind: on
    PostgreSQL an advisory lock (which also hears every commit's NOTIFY), on SQLite a lock file
    beside the database (its relays share one machine)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresRelayLock(settings.database_url)
    return FileRelayLock(Path(url.database or "diptych.db").with_suffix(".relay.lock"))


async def run_projector(settings: Settings, stop: asyncio.Event) -> None:
    """`diptych worker projector`: broker -> index, after catching up from the event log. A stop
    while starting (connecting, catching up) ends it there; what was projected is kept."""
    async with contextlib.AsyncExitStack() as stack:
        if await _unless_stopped(stop, _consuming(stack, settings)) is not None:
            await stop.wait()


async def _consuming(stack: contextlib.AsyncExitStack, settings: Settings) -> Projector:
    engine = await open_write_store(stack, settings)
    index = await open_index(stack, settings, writer=True)
    broker = await open_broker(stack, settings)
    projector = await _projector(stack, settings, engine, index, None, broker)
    await broker.consume(projector)
    return projector


async def _unless_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | None:
    """`work`'s result, or None once `stop` is set first (then `work` is cancelled)."""
    task, stopped = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


async def _projector(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    engine: AsyncEngine,
    index: SearchIndex,
    feed: VisibilityFeed | None,
    broker: RabbitMQBroker | None,
) -> Projector:
    """The projector, caught up from the event log, with what runs beside it: its source
    reports, the replay of parked events an operator asked for, and (with a broker) direct
    sync from the event log while the broker is out of reach."""
    broadcast = None
    if broker is not None:
        broadcast = RabbitMQBroadcast(broker.connection, broker.names)
        await broadcast.open()
    reader = await open_log_reader(stack, settings, engine)
    parking = Parking(engine, reader, settings.park_after)
    reports = SourceReports(engine)
    handover = IndexHandover(index, engine, feed, broadcast, settings.keep_index_versions,
                             parking=parking)
    projector = Projector(index, feed, log=SqlEventLog(engine), broadcast=broadcast,
                          parking=parking, reports=reports, batches=handover.batch)
    in_background(stack, "source reports", reports.run)
    await catch_up(engine, index, projector)
    in_background(stack, "index hand-over", handover.run)
    replay = ParkedReplay(projector, parking)
    in_background(stack, "parked replay", replay.run)
    if broker is not None and settings.direct_after > 0:
        direct = DirectSync(engine, reader, projector, reports, broker.reachable,
                            settings.direct_after)
        in_background(stack, "direct sync", direct.run)
    return projector


def in_background(
    stack: contextlib.AsyncExitStack,
    name: str,
    loop: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
) -> None:
    """`loop(stop)` under run_until_exit, with a stop event of its own: one shared by several
    would end the others before their own shutdown began, which reads as a crash."""
    stop = asyncio.Event()
    run_until_exit(stack, name, lambda: loop(stop), stop.set)


def run_until_exit(
    stack: contextlib.AsyncExitStack,
    name: str,
    work: Callable[[], Coroutine[Any, Any, None]],
    stop: Callable[[], None],
    restart_after: float = 1.0,
) -> None:
    """Run `work()` in the background until the stack exits; then `stop` it and wait for it to
    finish its batch. Should it end before (a bug: its own loops retry every failure), it is
    logged with its traceback and started again `restart_after` seconds later: a silent dead
    relay would leave every later event unpublished."""
    stopping = False
    current: list[asyncio.Task[None]] = []

    def start() -> None:
        task = asyncio.create_task(work(), name=name)
        task.add_done_callback(ended)
        current[:] = [task]

    def ended(task: asyncio.Task[None]) -> None:
        if stopping:
            return
        error = None if task.cancelled() else task.exception()
        log.error("the %s ended while the process runs; starting it again in %gs", name,
                  restart_after, exc_info=error)
        asyncio.get_running_loop().call_later(restart_after, restart)

    def restart() -> None:
        if not stopping:
            start()

    async def finish() -> None:
        nonlocal stopping
        stopping = True
        stop()
        await asyncio.gather(*current, return_exceptions=True)

    start()
    stack.push_async_callback(finish)
