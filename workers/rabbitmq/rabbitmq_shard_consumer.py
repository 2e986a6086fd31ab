"""One shard queue's consumer: drains the queue in order, a batch at a time, hands each batch to
the projector with its source name ("shard-3"), and acknowledges it only once the projector
returned; retried in place while the projector fails (an index outage must not burn the
delivery limit), and given back to the queue when it failed outside the projection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from workers.broker import Consumer
from workers.retry_policies import projecting_batch

log = logging.getLogger(__name__)
RETRY_PAUSE = 1.0  # seconds after a batch failed outside its projection
STOP_GRACE = 10.0  # seconds a stopping consumer waits for its batch in hand


class ShardConsumer:
    """Drains one shard queue in order, a batch at a time."""

    def __init__(
        self,
        shard: int,
        channel: AbstractChannel,
        queue: AbstractQueue,
        consumer: Consumer,
        batch_size: int,
    ) -> None:
        self._shard = shard
        self._channel = channel
        self._queue = queue
        self._consumer = consumer
        self._batch_size = batch_size
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._tag: str | None = None
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None
        self._batch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Deliveries are handed over in order; one loop per shard keeps them in order.
        self._tag = await self._queue.consume(self._inbox.put)
        self._loop = asyncio.create_task(self._run(), name=self.source)
        self._loop.add_done_callback(self._ended)

    @property
    def source(self) -> str:
        return f"shard-{self._shard}"

    def _ended(self, loop: asyncio.Task[None]) -> None:
        """A loop that ends while consuming (a bug: it catches every batch's failure) is started
        again: a dead loop would leave its consumer registered and its shard silent."""
        if self._stopping:
            return
        error = None if loop.cancelled() else loop.exception()
        log.error("shard %d: its consuming loop ended; starting it again", self._shard,
                  exc_info=error)
        self._loop = asyncio.create_task(self._run(), name=self.source)
        self._loop.add_done_callback(self._ended)

    async def stop(self) -> None:
        """Take no more; let the batch in hand finish (or give up within the grace period)."""
        self._stopping = True
        if self._tag is not None:
            await self._queue.cancel(self._tag)
        if self._batch is not None:
            await asyncio.wait({self._batch}, timeout=STOP_GRACE)
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        await self._channel.close()  # whatever was not acknowledged goes back to the queue

    async def _run(self) -> None:
        while not self._stopping:  # a batch left unacknowledged at stop stays so
            batch = [await self._inbox.get()]  # the loop is only ever cancelled here
            while len(batch) < self._batch_size and not self._inbox.empty():
                batch.append(self._inbox.get_nowait())
            self._batch = asyncio.create_task(self._handle(batch))
            try:
                await asyncio.shield(self._batch)
            except Exception:  # e.g. a channel closed under a reject: never a silent dead loop
                log.exception("shard %d: a batch failed outside its projection; it goes back "
                              "to the queue", self._shard)
                await self._give_back(batch)
            self._batch = None

    async def _give_back(self, batch: list[AbstractIncomingMessage]) -> None:
        """Return a failed batch to the queue, so that a later batch's ack (multiple=True) can
        never acknowledge it unprojected; pause a moment, so a failure that repeats does not
        spin."""
        with contextlib.suppress(Exception):  # a dead channel gives everything back anyway
            await batch[-1].nack(multiple=True, requeue=True)
        await asyncio.sleep(RETRY_PAUSE)

    async def _handle(self, batch: list[AbstractIncomingMessage]) -> None:
        # One policy for every message: the projector parks what it cannot apply (not JSON,
        # not an event, a projection that keeps failing), so the batch is always acknowledged
        # once the projector returned; it raises only what is no message's fault (the index).
        envelopes = [_decoded(message) for message in batch]
        retrying = projecting_batch(log, self._shard, stopping=lambda: self._stopping)
        try:
            await retrying(self._consumer, envelopes, self.source)
        except Exception:  # raised only once stopping
            return  # unacknowledged: redelivered to the next consumer
        try:
            await batch[-1].ack(multiple=True)
        except Exception:  # the channel died meanwhile; the broker redelivers, harmlessly
            log.warning("shard %d: could not acknowledge a batch; it will be redelivered",
                        self._shard)


def _decoded(message: AbstractIncomingMessage) -> Any:
    """The message's JSON; a body that is not JSON becomes a record of it, which the projector
    parks as a message that is no event."""
    try:
        return json.loads(message.body)
    except ValueError as error:
        return {"not_json": message.body[:4000].decode("utf-8", "replace"),
                "message_id": message.message_id, "error": str(error)}
