"""Visibility announcements across processes: the projector says "the index changed" on a fanout
exchange; every API replica listens and wakes its readers waiting on consistency tokens.

Announcements are hints, not data: they are transient and may be lost (a replica reconnecting, a
broker restart). A waiter then finds the write on its next periodic recheck of the index.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage, AbstractRobustConnection

from read.freshness.visibility_feed import Change, VisibilityFeed
from workers.rabbitmq.rabbitmq_topology import Names

log = logging.getLogger(__name__)


class RabbitMQBroadcast:
    """The projector's side: one small transient message per projected batch."""

    def __init__(self, connection: AbstractRobustConnection, names: Names) -> None:
        self._connection = connection
        self._names = names
        self._exchange: AbstractExchange | None = None

    async def open(self) -> None:
        channel = await self._connection.channel(publisher_confirms=False)
        self._exchange = await channel.declare_exchange(
            self._names.visible, aio_pika.ExchangeType.FANOUT, durable=True
        )

    async def announce(self, changes: Sequence[Change]) -> None:
        if self._exchange is None:
            raise RuntimeError("open() the broadcast first")
        body = json.dumps([[c.kind, c.id, c.version, c.deleted] for c in changes])
        try:
            await self._exchange.publish(aio_pika.Message(body.encode()), routing_key="")
        except Exception:  # a lost hint only delays waiters until their next recheck
            log.warning("could not announce a projected batch", exc_info=True)


async def listen(connection: AbstractRobustConnection, names: Names, feed: VisibilityFeed) -> None:
    """The API replica's side: a private queue bound to the fanout; each message wakes the feed.
    The robust connection re-declares the queue and its binding after a reconnect."""
    channel = await connection.channel(publisher_confirms=False)
    exchange = await channel.declare_exchange(
        names.visible, aio_pika.ExchangeType.FANOUT, durable=True
    )
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange)

    async def wake(message: AbstractIncomingMessage) -> None:
        try:
            changes = [Change(str(k), str(i), int(v), bool(d))
                       for k, i, v, d in json.loads(message.body)]
        except (ValueError, TypeError):
            changes = []  # unreadable: at worst, everyone checks again
        feed.announce(changes)

    def resync(*args: object) -> None:  # announcements were lost while disconnected
        feed.announce()

    connection.reconnect_callbacks.add(resync)
    await queue.consume(wake, no_ack=True)
