"""The relay: moves committed events from the outbox to the broker, in log order.

It wakes as soon as a command commits (`wake()`), and also every `poll_interval` seconds so events
committed by another process are never stranded. Events are marked published only after the broker
accepted them; if publishing fails they stay in the outbox and are retried with backoff.

Marking is off the critical path: while an accepted batch is being marked, the next one is read
(from `reader`, which on SQLite queues behind no writer) and published, leaving out what is
being marked. If marking fails, those events are published again: harmless, and never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from workers.broker import Broker, BrokerUnavailable
from workers.relay_lock import RelayLock
from workers.retry_policies import RELAY_MAX_WAIT, relay_rounds
from write.command_errors import StoreUnavailable
from write.sqlalchemy import outbox
from write.sqlalchemy.database import reaching_store

log = logging.getLogger(__name__)
MARKS_IN_FLIGHT = 4  # batches accepted by the broker and not yet marked published
# Outages the relay waits out with a warning; anything else is a bug and logs its traceback.
OUT_OF_REACH: tuple[type[Exception], ...] = (BrokerUnavailable, StoreUnavailable)


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        broker: Broker,
        batch_size: int = 2000,
        poll_interval: float = 1.0,
        max_backoff: float = RELAY_MAX_WAIT,
        reader: AsyncEngine | None = None,
    ) -> None:
        self._engine = engine
        self._reader = reader or engine
        self._marking: set[int] = set()
        self._marks: set[asyncio.Task[None]] = set()
        self._broker = broker
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._retry_now = asyncio.Event()  # stop(), or the broker is back: end a backoff
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def broker_back(self) -> None:
        """The broker reconnected: a round failed for its absence may be tried again at once."""
        self._retry_now.set()
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the batch in flight, then return from `run`."""
        self._stopping = True
        self._retry_now.set()
        self._wakeup.set()

    async def relay_once(self) -> int:
        """Publish one batch of unpublished events; return how many were published."""
        while len(self._marks) >= MARKS_IN_FLIGHT:
            await asyncio.wait(self._marks, return_when=asyncio.FIRST_COMPLETED)
        events = await outbox.unpublished(self._reader, self._batch_size, self._marking)
        if events:
            await self._broker.publish(events)
            positions = [e["position"] for e in events]
            self._marking.update(positions)
            task = asyncio.create_task(self._mark(positions), name="relay-mark")
            self._marks.add(task)
            task.add_done_callback(self._marks.discard)
        return len(events)

    async def settle(self) -> None:
        """Wait until every accepted batch is marked published (or given up on)."""
        while self._marks:
            await asyncio.wait(self._marks)

    async def _mark(self, positions: list[int]) -> None:
        try:
            await outbox.mark_published(self._engine, positions)
        except Exception:  # they stay unpublished: the next read finds them and sends again
            log.warning("could not mark %d events published; they will be published again",
                        len(positions), exc_info=True)
        finally:
            self._marking.difference_update(positions)

    async def drain(self) -> int:
        """Publish until nothing is left, and wait until all of it is marked published."""
        total = await self._publish_all()
        await self.settle()
        return total

    async def _publish_all(self) -> int:
        total = 0
        while not self._stopping and (count := await self.relay_once()) > 0:
            total += count
        return total

    async def run(self) -> None:
        """Relay until `stop()`: on every wake-up, and every `poll_interval` regardless. Marking
        goes on in the background meanwhile; stopping waits for it."""
        try:
            await self._loop()
        finally:
            await self.settle()

    async def _loop(self) -> None:
        # A failed round is retried with backoff: the loop must outlive a broken broker or database.
        rounds = relay_rounds(log, self._back_off, self._max_backoff, OUT_OF_REACH)
        while not self._stopping:
            await rounds(self._round)
            if not self._stopping:  # after stop(), a round cleared its wake-up: do not wait
                await self._pause(self._poll_interval)

    async def _round(self) -> None:
        self._wakeup.clear()  # a wake-up from here on ends the pause after this round
        if not self._stopping:
            self._retry_now.clear()  # a reconnect before this round ends no later backoff
        with reaching_store():  # an unreachable store is StoreUnavailable: one warning line
            await self._publish_all()

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or until `wake()` or `stop()`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)

    async def _back_off(self, seconds: float) -> None:
        """Wait `seconds` after a failed round, or until `stop()` or `broker_back()`: a commit's
        wake-up does not end it (the broker that just refused is not back because someone
        committed)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._retry_now.wait(), seconds)
        if not self._stopping:
            self._retry_now.clear()


class RelaySupervisor:
    """Runs a relay only while this process holds the outbox's relay lock, so two relays never
    publish side by side; a standby takes over within seconds when the active one goes away."""

    def __init__(
        self,
        lock: RelayLock,
        engine: AsyncEngine,
        broker: Broker,
        reader: AsyncEngine | None = None,
    ) -> None:
        self._lock = lock  # the composition root's choice (diptych/pipeline.py), kept
        self._engine = engine
        self._reader = reader
        self._broker = broker
        self._relay: Relay | None = None

    def wake(self) -> None:
        if self._relay is not None:
            self._relay.wake()

    def broker_back(self) -> None:
        if self._relay is not None:
            self._relay.broker_back()

    async def run(self, stop: asyncio.Event) -> None:
        lock = self._lock
        while not stop.is_set():
            if not await lock.acquire(stop, self.wake):
                return
            relay = self._relay = Relay(self._engine, self._broker, reader=self._reader)
            term = asyncio.create_task(relay.run(), name="relay")
            ends = [asyncio.create_task(lock.lost.wait()), asyncio.create_task(stop.wait())]
            try:
                await asyncio.wait([term, *ends], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for end in ends:
                    end.cancel()
                # Even when cancelled: the relay stops before the lock goes, or another process
                # could take over while this one still publishes.
                relay.stop()
                await asyncio.shield(asyncio.gather(term, return_exceptions=True))
                self._relay = None
                await lock.release()
            error = None if term.cancelled() else term.exception()
            if error is not None:
                raise error
