"""The in-process broker (workers/inprocess_broker.py) honours the broker contract: it hands each
batch to the consumer inside `publish`, so a batch is delivered when `publish` returns and a
consumer's failure fails the publish, which leaves the batch with the relay."""

from __future__ import annotations

import pytest

from tests.contracts.broker_contract import BrokerContract, Event, Recorder
from workers.broker import Broker
from workers.inprocess_broker import InProcessBroker


class TestInProcessBroker(BrokerContract):
    @pytest.fixture
    def broker(self) -> Broker:
        return InProcessBroker()

    @pytest.fixture
    def broker_nobody_receives(self) -> Broker:
        return InProcessBroker()  # no consumer attached

    async def deliver(self, broker: Broker, recorder: Recorder, batches: list[list[Event]]) -> None:
        await broker.consume(recorder)  # first: without a consumer, publishing is refused
        for batch in batches:
            await broker.publish(batch)  # delivered once this returns: nothing to wait for

    async def redeliver(self, broker: Broker, recorder: Recorder, sent: list[Event]) -> None:
        for _ in range(self.FAILURES):  # the relay keeps a batch whose publish failed, and resends
            with pytest.raises(ConnectionError):
                await broker.publish(sent)
        await broker.publish(sent)
