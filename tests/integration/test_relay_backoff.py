"""The relay backs off for real while the broker refuses: commits keep waking it, but a wake-up
does not cut a backoff short, and an expected outage is one line per attempt, not a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import run
from workers.broker import BrokerUnavailable, Consumer, Envelope
from workers.relay import Relay
from write.products.product_commands import AddProduct


class RefusingBroker:
    """A broker that is down: every publish is refused, as RabbitMQ's would be."""

    def __init__(self) -> None:
        self.attempts = 0

    async def publish(self, events: Sequence[Envelope]) -> None:
        self.attempts += 1
        raise BrokerUnavailable("the broker is down")

    async def consume(self, consumer: Consumer) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        pass


async def test_commits_during_an_outage_do_not_cut_the_backoff_short(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("1.00"), 1))
    broker = RefusingBroker()
    relay = Relay(engine, broker, poll_interval=0.01)
    running = asyncio.create_task(relay.run())
    try:
        while broker.attempts < 1:
            await asyncio.sleep(0.001)
        for _ in range(50):  # commits keep notifying, faster than the first backoff (0.1 s)
            relay.wake()
            await asyncio.sleep(0.001)
        assert broker.attempts == 1
    finally:
        relay.stop()
        await asyncio.wait_for(running, 5)  # stop() still ends a backoff at once
    failures = [r for r in caplog.records if r.name == "workers.relay" and "retrying" in r.message]
    assert failures and all(r.exc_info is None for r in failures)
    assert all(r.levelno == logging.WARNING for r in failures)


async def test_the_broker_coming_back_ends_the_backoff_at_once(engine: AsyncEngine) -> None:
    await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("1.00"), 1))
    broker = RefusingBroker()
    relay = Relay(engine, broker, poll_interval=60, max_backoff=60)
    running = asyncio.create_task(relay.run())
    try:
        while broker.attempts < 4:  # the fourth failure starts a backoff of 0.8 s
            await asyncio.sleep(0.001)
        relay.broker_back()  # as RabbitMQBroker.on_reconnect calls it
        for _ in range(50):  # far less than the backoff's 0.8 s
            if broker.attempts == 5:
                break
            await asyncio.sleep(0.001)
        assert broker.attempts == 5
    finally:
        relay.stop()
        await asyncio.wait_for(running, 5)
