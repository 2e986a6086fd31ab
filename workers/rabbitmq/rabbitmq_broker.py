"""The RabbitMQ broker (aio-pika): persistent messages, publisher confirms, sharded quorum queues.

`publish` sends a whole batch with every confirm in flight at once, and returns only when the
broker confirmed all of them (mandatory routing: an unroutable event is an error, not a loss).
`consume` runs one batching consumer per shard; a batch is acknowledged only after the projector
returned, and retried in place while the projector fails (an index outage must not burn the
delivery limit and park good events). The projector parks what no retry can fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange
from aio_pika.connection import make_url

from workers.broker import BrokerUnavailable, Consumer, Envelope
from workers.rabbitmq import rabbitmq_topology as topology
from workers.rabbitmq.rabbitmq_shard_consumer import ShardConsumer

log = logging.getLogger(__name__)
CONFIRM_TIMEOUT = 30.0


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
        self._publishing: AbstractChannel | None = None  # the channel of _exchange
        self._consumers: list[ShardConsumer] = []

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
        self._publishing = channel

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback` each time the robust connection is restored after a loss."""
        self.connection.reconnect_callbacks.add(lambda *_: callback())

    def reachable(self) -> bool:
        """Whether the connection is up now (the robust connection reconnects by itself)."""
        return self._connection is not None and self._connection.connected.is_set()

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
            if any(isinstance(f, aio_pika.exceptions.DeliveryError) for f in failures):
                await self._renew_publishing_channel()
            raise BrokerUnavailable(
                f"the broker confirmed {len(events) - len(failures)} of {len(events)} events: "
                f"{failures[0]!r}"
            ) from failures[0]

    async def _renew_publishing_channel(self) -> None:
        """Publish on a new channel from now on. A channel that published to a quorum queue while
        its leader was being elected (a node lost) can go on nacking every publish after the new
        leader is up, while a new channel on the same connection is not affected (RabbitMQ 3.10;
        `python -m chaos rabbitmq-node-loss` shows it)."""
        old = self._publishing
        try:
            channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
            self._exchange = await channel.get_exchange(self.names.events, ensure=False)
        except Exception:  # the connection is down too: reconnecting restores the old channel
            log.warning("could not open a new publishing channel", exc_info=True)
            return
        self._publishing = channel
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()

    async def consume(self, consumer: Consumer) -> None:
        for shard in self._consume_shards:
            channel = await self.connection.channel()
            await channel.set_qos(prefetch_count=self._prefetch)
            queue = await channel.get_queue(self.names.shard_queue(shard), ensure=True)
            shard_consumer = ShardConsumer(shard, channel, queue, consumer, self._batch_size)
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
