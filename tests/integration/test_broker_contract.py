"""The broker port: what the relay and the projector may rely on, on every broker.

Both brokers deliver every published event, in per-aggregate order, and never drop a batch the
consumer failed on. They differ in *when* publishing counts as accepted: the in-process broker
hands the batch to the consumer inside `publish` (so a consumer failure fails the publish); RabbitMQ
accepts it once the broker confirmed it was persisted, and retries the consumer on its own.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from workers.broker import BrokerUnavailable, Envelope
from workers.inprocess_broker import InProcessBroker
from workers.rabbitmq import rabbitmq_topology as topology
from workers.rabbitmq.rabbitmq_broker import RabbitMQBroker
from workers.rabbitmq.rabbitmq_topology import Names

SHARDS = 3


def events(count: int, aggregates: int) -> list[dict[str, Any]]:
    ids = [str(uuid.uuid4()) for _ in range(aggregates)]
    versions: collections.Counter[str] = collections.Counter()
    made = []
    for position in range(1, count + 1):
        aggregate = random.choice(ids)
        versions[aggregate] += 1
        made.append({
            "position": position, "event_id": str(uuid.uuid4()), "type": "UserRenamed",
            "aggregate_type": "User", "aggregate_id": aggregate,
            "aggregate_version": versions[aggregate], "payload": {"name": f"n{position}"},
        })
    return made


class Recorder:
    """A consumer that records what it saw; it can be told to fail its first batches."""

    def __init__(self, expected: int, failures: int = 0) -> None:
        self.expected, self.failures = expected, failures
        self.seen: dict[str, list[int]] = collections.defaultdict(list)
        self.count = 0
        self.done = asyncio.Event()

    async def __call__(self, batch: Sequence[Envelope]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("the index is down")
        for event in batch:
            self.seen[event["aggregate_id"]].append(event["aggregate_version"])
        self.count += len(batch)
        if self.count >= self.expected:
            self.done.set()

    def in_order(self) -> bool:
        return all(v == list(range(1, len(v) + 1)) for v in self.seen.values())


async def drop_topology(url: str, names: Names) -> None:
    async with await aio_pika.connect(url) as connection:
        await topology.delete(await connection.channel(), names, SHARDS)


@pytest.fixture
async def rabbitmq(amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
    names = Names(f"test-{uuid.uuid4().hex[:8]}")
    broker = RabbitMQBroker(amqp_url, SHARDS, names=names, batch_size=50)
    await broker.connect()
    yield broker
    await broker.close()
    await drop_topology(amqp_url, names)


async def test_in_process_every_event_is_delivered_in_order_when_publish_returns() -> None:
    broker, recorder = InProcessBroker(), Recorder(expected=300)
    await broker.consume(recorder)
    sent = events(300, aggregates=20)
    for start in range(0, 300, 50):
        await broker.publish(sent[start:start + 50])
    assert recorder.count == 300 and recorder.in_order()


async def test_in_process_a_failing_consumer_fails_the_publish_so_the_relay_keeps_the_batch(
) -> None:
    broker, recorder = InProcessBroker(), Recorder(expected=10, failures=1)
    await broker.consume(recorder)
    sent = events(10, aggregates=2)
    with pytest.raises(ConnectionError):
        await broker.publish(sent)
    await broker.publish(sent)
    assert recorder.count == 10 and recorder.in_order()


async def test_in_process_publishing_without_a_consumer_is_refused() -> None:
    with pytest.raises(BrokerUnavailable):
        await InProcessBroker().publish(events(1, aggregates=1))


@pytest.mark.rabbitmq
async def test_rabbitmq_delivers_every_event_in_per_aggregate_order_across_shards(
    rabbitmq: RabbitMQBroker,
) -> None:
    recorder = Recorder(expected=1000)
    sent = events(1000, aggregates=40)
    for start in range(0, 1000, 250):
        await rabbitmq.publish(sent[start:start + 250])
    await rabbitmq.consume(recorder)
    await asyncio.wait_for(recorder.done.wait(), 30)
    assert recorder.count == 1000
    assert recorder.in_order()


@pytest.mark.rabbitmq
async def test_rabbitmq_retries_a_batch_the_consumer_failed_on_instead_of_dropping_it(
    rabbitmq: RabbitMQBroker,
) -> None:
    recorder = Recorder(expected=30, failures=2)
    await rabbitmq.consume(recorder)
    await rabbitmq.publish(events(30, aggregates=3))
    await asyncio.wait_for(recorder.done.wait(), 30)
    assert recorder.count == 30 and recorder.in_order()


@pytest.mark.rabbitmq
async def test_rabbitmq_refuses_an_event_no_queue_would_receive(amqp_url: str) -> None:
    names = Names(f"test-{uuid.uuid4().hex[:8]}")
    broker = RabbitMQBroker(amqp_url, shards=0, names=names)  # no shard queue is bound
    await broker.connect()
    try:
        with pytest.raises(BrokerUnavailable):
            await broker.publish(events(1, aggregates=1))
    finally:
        await broker.close()
        await drop_topology(amqp_url, names)


@pytest.mark.rabbitmq
async def test_rabbitmq_messages_are_persistent_and_keyed_for_routing(
    rabbitmq: RabbitMQBroker, amqp_url: str
) -> None:
    sent = events(1, aggregates=1)[0]
    await rabbitmq.publish([sent])
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    received: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
    for shard in range(SHARDS):  # shard queues allow consumers only (single active consumer)
        queue = await channel.get_queue(rabbitmq.names.shard_queue(shard))
        await queue.consume(received.put, no_ack=True)
    messages = [await asyncio.wait_for(received.get(), 10)]
    await asyncio.sleep(0.2)
    while not received.empty():
        messages.append(received.get_nowait())
    await connection.close()
    [message] = messages
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.routing_key == "User.UserRenamed"
    assert message.headers["aggregate_id"] == sent["aggregate_id"]
    assert json.loads(message.body) == sent


@pytest.mark.rabbitmq
async def test_rabbitmq_parks_a_message_that_is_not_json_and_goes_on(
    rabbitmq: RabbitMQBroker, amqp_url: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.get_exchange(rabbitmq.names.events)
    await exchange.publish(
        aio_pika.Message(b"\\xff not json", headers={"aggregate_id": "x"}), "User.Garbage"
    )
    recorder = Recorder(expected=5)
    await rabbitmq.consume(recorder)
    await rabbitmq.publish(events(5, aggregates=1))
    await asyncio.wait_for(recorder.done.wait(), 30)
    dead = await channel.get_queue(rabbitmq.names.dead)
    parked = None
    for _ in range(50):
        if (parked := await dead.get(fail=False)) is not None:
            break
        await asyncio.sleep(0.1)
    await connection.close()
    assert parked is not None and parked.body == b"\\xff not json"


@pytest.mark.rabbitmq
async def test_rabbitmq_messages_in_hand_at_close_go_back_to_the_queue(
    rabbitmq: RabbitMQBroker, amqp_url: str
) -> None:
    stuck = asyncio.Event()

    async def never_finishes(batch: Sequence[Envelope]) -> None:
        stuck.set()
        raise ConnectionError("index down")  # retried until the consumer stops

    await rabbitmq.consume(never_finishes)
    sent = events(20, aggregates=2)
    await rabbitmq.publish(sent)
    await asyncio.wait_for(stuck.wait(), 10)
    await rabbitmq.close()

    again = RabbitMQBroker(amqp_url, SHARDS, names=rabbitmq.names)
    await again.connect()
    recorder = Recorder(expected=20)
    await again.consume(recorder)
    await asyncio.wait_for(recorder.done.wait(), 30)
    await again.close()
    assert recorder.count == 20 and recorder.in_order()
