"""Visibility announcements across processes: the projector says "the index changed" on a fanout
exchange; every API replica listens and wakes its readers waiting on consistency tokens.

Announcements are hints, not data: they are transient and may be lost (a replica reconnecting, a
broker restart). A waiter then finds the write on its next periodic recheck of the index.
"""

from __future__ import annotations

import logging

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage, AbstractRobustConnection

from read.consistency import VisibilityFeed
from workers.rabbitmq_topology import Names

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

    async def announce(self) -> None:
        if self._exchange is None:
            raise RuntimeError("open() the broadcast first")
        try:
            await self._exchange.publish(aio_pika.Message(b"changed"), routing_key="")
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
        feed.announce()

    await queue.consume(wake, no_ack=True)
