"""After the broker refuses a publish (a Basic.Nack), the relay's next attempt goes out on a new
channel. RabbitMQ 3.10 keeps nacking every publish on a channel that published to a quorum queue
while its leader was being elected (a node was lost), even once the new leader is up, while a new
channel on the same connection is fine: `python -m chaos rabbitmq-node-loss` found it (the relay
never caught up until restarted), and shows it fixed on real nodes. Fakes here: the connection,
its channels and their exchanges."""

from __future__ import annotations

from typing import Any

import aiormq
import pytest
from pamqp.commands import Basic

from workers.broker import BrokerUnavailable
from workers.rabbitmq.rabbitmq_broker import RabbitMQBroker

ENVELOPE = {
    "position": 1, "event_id": "00000000-0000-4000-8000-000000000001", "type": "UserRenamed",
    "schema_version": 1, "aggregate_type": "User",
    "aggregate_id": "00000000-0000-4000-8000-0000000000a1", "aggregate_version": 2,
    "occurred_at": "2026-12-01T12:00:00+00:00", "payload": {"name": "Ada"},
}


class Channel:
    def __init__(self, nacks: bool) -> None:
        self.nacks, self.closed, self.published = nacks, False, 0

    async def get_exchange(self, name: str, ensure: bool = True) -> Channel:
        return self  # the channel is its own exchange here

    async def publish(self, message: Any, routing_key: str, **_: Any) -> None:
        if self.nacks:
            raise aiormq.exceptions.DeliveryError(None, Basic.Nack(delivery_tag=1))
        self.published += 1

    async def close(self) -> None:
        self.closed = True


class Connection:
    def __init__(self, fails: bool = False) -> None:
        self.opened: list[Channel] = []
        self.fails = fails

    async def channel(self, **_: Any) -> Channel:
        if self.fails:
            raise aiormq.exceptions.AMQPConnectionError("down")
        self.opened.append(Channel(nacks=False))
        return self.opened[-1]


def _broker(connection: Connection, stuck: Channel) -> RabbitMQBroker:
    broker = RabbitMQBroker("amqp://guest:guest@broker/", shards=1)
    broker._connection = connection  # type: ignore[assignment]
    broker._exchange = broker._publishing = stuck  # type: ignore[assignment]
    return broker


async def test_a_nacked_publish_is_retried_on_a_new_channel_and_the_old_one_is_closed() -> None:
    connection, stuck = Connection(), Channel(nacks=True)
    broker = _broker(connection, stuck)
    with pytest.raises(BrokerUnavailable, match="confirmed 0 of 1"):
        await broker.publish([ENVELOPE])
    await broker.publish([ENVELOPE])
    (fresh,) = connection.opened
    assert (fresh.published, stuck.closed) == (1, True)


async def test_when_no_new_channel_opens_the_old_one_is_kept_for_the_reconnect() -> None:
    stuck = Channel(nacks=True)
    broker = _broker(Connection(fails=True), stuck)
    with pytest.raises(BrokerUnavailable):
        await broker.publish([ENVELOPE])
    assert not stuck.closed
    stuck.nacks = False  # the robust connection restored it
    await broker.publish([ENVELOPE])
    assert stuck.published == 1
