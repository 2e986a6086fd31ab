"""The RabbitMQ broker (workers/rabbitmq/) honours the broker contract: it accepts a batch once
RabbitMQ confirmed it was persisted, and retries the consumer on its own. It also keys, persists
and parks messages as the topology says (workers/rabbitmq/rabbitmq_topology.py).

Every test needs RabbitMQ at DIPTYCH_TEST_AMQP_URL: skipped without it, failed in CI
(tests/conftest.py). Each test gets its own exchange and queue names, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from tests.contracts.broker_contract import BrokerContract, Event, Recorder, events
from workers.broker import Broker, Envelope
from workers.rabbitmq import rabbitmq_topology as topology
from workers.rabbitmq.rabbitmq_broker import RabbitMQBroker
from workers.rabbitmq.rabbitmq_topology import Names

pytestmark = pytest.mark.rabbitmq
SHARDS = 3
DELIVERED_WITHIN = 30  # seconds


async def drop_topology(url: str, names: Names) -> None:
    async with await aio_pika.connect(url) as connection:
        await topology.delete(await connection.channel(), names, SHARDS)


class TestRabbitMQBroker(BrokerContract):
    EVENTS, AGGREGATES, BATCH = 1000, 40, 250  # spread over every shard
    FAILING_EVENTS, FAILING_AGGREGATES, FAILURES = 30, 3, 2

    @pytest.fixture
    async def broker(self, amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
        names = Names(f"test-{uuid.uuid4().hex[:8]}")
        broker = RabbitMQBroker(amqp_url, SHARDS, names=names, batch_size=50)
        await broker.connect()
        yield broker
        await broker.close()
        await drop_topology(amqp_url, names)

    @pytest.fixture
    async def broker_nobody_receives(self, amqp_url: str) -> AsyncIterator[RabbitMQBroker]:
        names = Names(f"test-{uuid.uuid4().hex[:8]}")
        broker = RabbitMQBroker(amqp_url, shards=0, names=names)  # no shard queue is bound
        await broker.connect()
        try:
            yield broker
        finally:
            await broker.close()
            await drop_topology(amqp_url, names)

    async def deliver(self, broker: Broker, recorder: Recorder, batches: list[list[Event]]) -> None:
        for batch in batches:  # before anyone consumes: the shard queues hold them
            await broker.publish(batch)
        await broker.consume(recorder)
        await asyncio.wait_for(recorder.done.wait(), DELIVERED_WITHIN)

    async def redeliver(self, broker: Broker, recorder: Recorder, sent: list[Event]) -> None:
        await broker.publish(sent)  # accepted: the retries are the broker's business
        await asyncio.wait_for(recorder.done.wait(), DELIVERED_WITHIN)

    async def test_messages_are_persistent_and_keyed_for_routing(
        self, broker: RabbitMQBroker, amqp_url: str
    ) -> None:
        sent = events(1, aggregates=1)[0]
        await broker.publish([sent])
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        received: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        for shard in range(SHARDS):  # shard queues allow consumers only (single active consumer)
            queue = await channel.get_queue(broker.names.shard_queue(shard))
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

    @pytest.mark.parametrize("body", [
        b"\\xff not json",
        b'{"type": "UserRenamed", "aggregate_id": "x"}',  # JSON, but not an event envelope
    ])
    async def test_hands_a_message_that_is_not_an_event_to_the_projector_and_goes_on(
        self, broker: RabbitMQBroker, amqp_url: str, body: bytes
    ) -> None:
        """The projector parks it (tests/integration/test_parked_events.py): one policy for every
        bad message, so nothing is dead-lettered or dropped here, and the shard moves on."""
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        exchange = await channel.get_exchange(broker.names.events)
        await exchange.publish(
            aio_pika.Message(body, headers={"aggregate_id": "x"}, message_id="bad-1"),
            "User.Garbage",
        )
        handed: list[tuple[dict[str, object], str]] = []
        good = Recorder(expected=5)

        async def projector(batch: Sequence[Envelope], source: str) -> None:
            handed.extend((dict(m), source) for m in batch if "position" not in m)
            await good([m for m in batch if "position" in m], source)

        await broker.consume(projector)
        await broker.publish(events(5, aggregates=1))
        await asyncio.wait_for(good.done.wait(), DELIVERED_WITHIN)
        dead = await channel.get_queue(broker.names.dead)
        left = await dead.get(fail=False)
        await connection.close()
        [(message, source)] = handed
        assert source.startswith("shard-") and left is None
        if body.startswith(b"{"):
            assert message == json.loads(body)
        else:
            assert message["message_id"] == "bad-1" and "not json" in str(message["not_json"])

    async def test_messages_in_hand_at_close_go_back_to_the_queue(
        self, broker: RabbitMQBroker, amqp_url: str
    ) -> None:
        stuck = asyncio.Event()

        async def never_finishes(batch: Sequence[Envelope], source: str) -> None:
            stuck.set()
            raise ConnectionError("index down")  # retried until the consumer stops

        await broker.consume(never_finishes)
        sent = events(20, aggregates=2)
        await broker.publish(sent)
        await asyncio.wait_for(stuck.wait(), 10)
        await broker.close()

        again = RabbitMQBroker(amqp_url, SHARDS, names=broker.names)
        await again.connect()
        recorder = Recorder(expected=20)
        await again.consume(recorder)
        await asyncio.wait_for(recorder.done.wait(), DELIVERED_WITHIN)
        await again.close()
        assert recorder.count == 20 and recorder.in_order()
