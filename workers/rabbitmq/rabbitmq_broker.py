"""The RabbitMQ broker (aio-pika): persistent messages, publisher confirms, sharded quorum queues.

`publish` sends a whole batch with every confirm in flight at once, and returns only when the
broker confirmed all of them (mandatory routing: an unroutable event is an error, not a loss).
`consume` runs one batching consumer per shard; a batch is acknowledged only after the projector
returned, and retried in place while the projector fails (an index outage must not burn the
delivery limit and park good events).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractIncomingMessage, AbstractQueue
from aio_pika.connection import make_url

from read.event_envelope import MalformedEvent, parse
from workers.broker import BrokerUnavailable, Consumer, Envelope
from workers.rabbitmq import rabbitmq_topology as topology
from workers.retry_policies import projecting_batch

log = logging.getLogger(__name__)
CONFIRM_TIMEOUT = 30.0
RETRY_PAUSE = 1.0  # seconds after a batch failed outside its projection
STOP_GRACE = 10.0  # seconds a stopping consumer waits for its batch in hand


class RabbitMQBroker:
    def __init__(
        self,
        url: str,
        shards: int,
        consume_shards: Sequence[int] | None = None,
        prefetch: int = 1000,
        batch_size: int = 500,
        names: topology.Names = topology.DEFAULT_NAMES,
    ) -> None:
        self._url = url
        self.names = names
        self._shards = shards
        self._consume_shards = list(range(shards)) if consume_shards is None else consume_shards
        self._prefetch = prefetch
        self._batch_size = batch_size
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._consumers: list[_ShardConsumer] = []

    async def connect(self) -> None:
        """Open the robust connection and declare the topology (raises if the broker is absent)."""
        # connect_robust in its two steps, so that close() reaches a connection still being
        # made: a start stopped meanwhile must not leave it reconnecting in the background.
        self._connection = aio_pika.RobustConnection(
            make_url(self._url), client_properties={"connection_name": "diptych"}
        )
        await self._connection.connect()
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await topology.declare(channel, self.names, self._shards)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback` each time the robust connection is restored after a loss."""
        self.connection.reconnect_callbacks.add(lambda *_: callback())

    @property
    def connection(self) -> aio_pika.abc.AbstractRobustConnection:
        if self._connection is None:
            raise RuntimeError("connect() the broker first")
        return self._connection

    async def publish(self, events: Sequence[Envelope]) -> None:
        if self._exchange is None:
            raise BrokerUnavailable("the broker is not connected")
        exchange = self._exchange
        results = await asyncio.gather(
            *(
                exchange.publish(
                    _message(event),
                    topology.routing_key(event["aggregate_type"], event["type"]),
                    mandatory=True,
                    timeout=CONFIRM_TIMEOUT,
                )
                for event in events
            ),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise BrokerUnavailable(
                f"the broker confirmed {len(events) - len(failures)} of {len(events)} events: "
                f"{failures[0]!r}"
            ) from failures[0]

    async def consume(self, consumer: Consumer) -> None:
        for shard in self._consume_shards:
            channel = await self.connection.channel()
            await channel.set_qos(prefetch_count=self._prefetch)
            queue = await channel.get_queue(self.names.shard_queue(shard), ensure=True)
            shard_consumer = _ShardConsumer(shard, channel, queue, consumer, self._batch_size)
            await shard_consumer.start()
            self._consumers.append(shard_consumer)
        log.info("consuming %d shard queues of %s", len(self._consumers), self.names.sharder)

    async def close(self) -> None:
        """Stop consuming (the batch in hand finishes; unacknowledged messages go back), close."""
        await asyncio.gather(*(c.stop() for c in self._consumers))
        self._consumers = []
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def _message(event: Envelope) -> aio_pika.Message:
    return aio_pika.Message(
        json.dumps(event, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,  # aio-pika's default is NOT persistent
        message_id=str(event["event_id"]),
        type=str(event["type"]),
        headers={topology.HASH_HEADER: str(event["aggregate_id"]), "position": event["position"]},
    )


class _ShardConsumer:
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
        self._loop = asyncio.create_task(self._run(), name=f"shard-{self._shard}")

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
        decoded: list[tuple[AbstractIncomingMessage, Any]] = []
        for message in batch:
            # One policy for a message no projector can ever apply (not JSON, or JSON that is
            # not an event envelope): kept in diptych.dead with one line saying why, not dropped.
            try:
                envelope = json.loads(message.body)
                parse(envelope)
            except (ValueError, MalformedEvent) as error:
                log.error("shard %d: dead-lettered a message that is not an event (%s): %r",
                          self._shard, str(error).splitlines()[0][:200], message.body[:200])
                await message.reject(requeue=False)  # dead-lettered to diptych.dead
                continue
            decoded.append((message, envelope))
        if not decoded:
            return
        retrying = projecting_batch(log, self._shard, stopping=lambda: self._stopping)
        try:
            await retrying(self._consumer, [envelope for _, envelope in decoded])
        except Exception:  # raised only once stopping
            return  # unacknowledged: redelivered to the next consumer
        try:
            await decoded[-1][0].ack(multiple=True)
        except Exception:  # the channel died meanwhile; the broker redelivers, harmlessly
            log.warning("shard %d: could not acknowledge a batch; it will be redelivered",
                        self._shard)
