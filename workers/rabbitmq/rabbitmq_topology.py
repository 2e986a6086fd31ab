"""RabbitMQ names and topology, declared idempotently by every process that uses the broker.

    relay ─▶ diptych.events (topic, routing key "<aggregate_type>.<event_type>")
                 │  "#"
                 ▼
             diptych.projector (x-consistent-hash on the aggregate_id header)
                 ├─▶ diptych.projector.0   quorum, single active consumer, delivery limit
                 ├─▶ ...                    dead letters ─▶ diptych.dead
                 └─▶ diptych.projector.<shards-1>
    projector ─▶ diptych.visible (fanout) ─▶ one auto-delete queue per API replica

All events of one aggregate hash to one shard queue, and each shard has one active consumer, so
per-aggregate order holds however many projectors run.
"""

from __future__ import annotations

from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange

HASH_HEADER = "aggregate_id"
DELIVERY_LIMIT = 20  # a message that crashed this many consumers is parked in <prefix>.dead


@dataclass(frozen=True)
class Names:
    """Every name starts with a prefix ("diptych"), so tests can use brokers of their own."""

    prefix: str = "diptych"

    @property
    def events(self) -> str:
        return f"{self.prefix}.events"

    @property
    def sharder(self) -> str:
        return f"{self.prefix}.projector"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def visible(self) -> str:
        return f"{self.prefix}.visible"

    def shard_queue(self, shard: int) -> str:
        return f"{self.sharder}.{shard}"

    def all_queues(self, shards: int) -> list[str]:
        return [self.dead, *(self.shard_queue(s) for s in range(shards))]


DEFAULT_NAMES = Names()


def routing_key(aggregate_type: str, event_type: str) -> str:
    return f"{aggregate_type}.{event_type}"


class MissingPlugin(RuntimeError):
    """The broker cannot declare the consistent-hash exchange."""


async def declare(channel: AbstractChannel, names: Names, shards: int) -> AbstractExchange:
    """Declare exchanges, shard queues and bindings; return the exchange the relay publishes to."""
    events = await channel.declare_exchange(
        names.events, aio_pika.ExchangeType.TOPIC, durable=True
    )
    try:
        sharder = await channel.declare_exchange(
            names.sharder, "x-consistent-hash", durable=True, arguments={"hash-header": HASH_HEADER}
        )
    except aio_pika.exceptions.ChannelClosed as error:
        raise MissingPlugin(
            "the broker lacks the consistent-hash exchange; run "
            "`rabbitmq-plugins enable rabbitmq_consistent_hash_exchange`"
        ) from error
    await sharder.bind(events, routing_key="#")
    dead = await channel.declare_exchange(names.dead, aio_pika.ExchangeType.FANOUT, durable=True)
    parked = await channel.declare_queue(
        names.dead, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await parked.bind(dead)
    for shard in range(shards):
        queue = await channel.declare_queue(
            names.shard_queue(shard),
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-single-active-consumer": True,
                "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": names.dead,
            },
        )
        await queue.bind(sharder, routing_key="1")  # the weight of this shard on the hash ring
    await channel.declare_exchange(names.visible, aio_pika.ExchangeType.FANOUT, durable=True)
    return events


async def delete(channel: AbstractChannel, names: Names, shards: int) -> None:
    """Remove what `declare` made, messages included (tests and benchmarks clean up with it)."""
    for queue in names.all_queues(shards):
        await channel.queue_delete(queue)
    for exchange in (names.events, names.sharder, names.dead, names.visible):
        await channel.exchange_delete(exchange)
