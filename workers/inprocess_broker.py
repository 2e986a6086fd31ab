"""The embedded broker: hands each batch straight to the consumer in the same process.

There is no durable queue in between, so "accepted" means "consumed": `publish` returns after the
consumer (the projector) has applied the batch. If the process dies before that, the events are
still unpublished in the outbox and the relay sends them again on the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from read.projection.batches import LOG
from workers.broker import BrokerUnavailable, Consumer, Envelope


class InProcessBroker:
    def __init__(self) -> None:
        self._consumer: Consumer | None = None
        self._lock = asyncio.Lock()  # one batch at a time keeps per-aggregate order

    async def publish(self, events: Sequence[Envelope]) -> None:
        if self._consumer is None:
            raise BrokerUnavailable("no consumer is attached to the in-process broker")
        async with self._lock:
            await self._consumer(events, LOG)  # the outbox's own order

    async def consume(self, consumer: Consumer) -> None:
        self._consumer = consumer

    async def close(self) -> None:
        self._consumer = None
