"""The contract of the broker port (`workers/broker.py`): what the relay and the projector may rely
on, on every broker.

Every broker delivers every published event, in per-aggregate order, never drops a batch the
consumer failed on, and refuses a publish that nothing could receive. Brokers differ in *when*
publishing counts as accepted: the in-process broker hands the batch to the consumer inside
`publish` (so a consumer failure fails the publish); RabbitMQ accepts it once the broker confirmed
it was persisted, and retries the consumer on its own. Each broker's test class says how in the
hooks below, and defines the `broker` and `broker_nobody_receives` fixtures. This module's name
does not start with `test_`, so the contract itself is never collected.
"""

from __future__ import annotations

import asyncio
import collections
import random
import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from workers.broker import Broker, BrokerUnavailable, Envelope

Event = dict[str, Any]


def events(count: int, aggregates: int) -> list[Event]:
    ids = [str(uuid.uuid4()) for _ in range(aggregates)]
    versions: collections.Counter[str] = collections.Counter()
    made = []
    for position in range(1, count + 1):
        aggregate = random.choice(ids)
        versions[aggregate] += 1
        made.append({
            "position": position, "event_id": str(uuid.uuid4()), "type": "UserRenamed",
            "schema_version": 1, "occurred_at": "2026-12-01T12:00:00+00:00",
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

    async def __call__(self, batch: Sequence[Envelope], source: str = "log") -> None:
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


class BrokerContract:
    # How much each test sends; a broker's test class may send more (a real broker's shards).
    EVENTS, AGGREGATES, BATCH = 300, 20, 50
    FAILING_EVENTS, FAILING_AGGREGATES, FAILURES = 10, 2, 1

    @pytest.fixture
    def broker(self) -> Broker:
        """Each broker's test class defines this fixture: a connected broker of its own."""
        raise NotImplementedError(f"{type(self).__name__} defines no `broker` fixture")

    @pytest.fixture
    def broker_nobody_receives(self) -> Broker:
        """Each broker's test class defines this fixture: a broker no consumer could receive
        from (none attached, or no queue bound)."""
        raise NotImplementedError(f"{type(self).__name__} defines no `broker_nobody_receives`")

    async def deliver(self, broker: Broker, recorder: Recorder, batches: list[list[Event]]) -> None:
        """Publish `batches` and have `recorder` consume them, in the order this broker allows;
        return once the broker says they were delivered."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it delivers")

    async def redeliver(self, broker: Broker, recorder: Recorder, sent: list[Event]) -> None:
        """Publish `sent` to `recorder`, consuming already and failing its first batches, until
        the broker says they were delivered."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it redelivers")

    async def test_every_event_is_delivered_in_per_aggregate_order(self, broker: Broker) -> None:
        recorder = Recorder(expected=self.EVENTS)
        sent = events(self.EVENTS, aggregates=self.AGGREGATES)
        batches = [sent[start:start + self.BATCH] for start in range(0, self.EVENTS, self.BATCH)]
        await self.deliver(broker, recorder, batches)
        assert recorder.count == self.EVENTS
        assert recorder.in_order()

    async def test_a_batch_the_consumer_failed_on_is_delivered_again_instead_of_dropped(
        self, broker: Broker
    ) -> None:
        recorder = Recorder(expected=self.FAILING_EVENTS, failures=self.FAILURES)
        await broker.consume(recorder)
        await self.redeliver(
            broker, recorder, events(self.FAILING_EVENTS, aggregates=self.FAILING_AGGREGATES)
        )
        assert recorder.count == self.FAILING_EVENTS and recorder.in_order()

    async def test_a_publish_nothing_could_receive_is_refused(
        self, broker_nobody_receives: Broker
    ) -> None:
        with pytest.raises(BrokerUnavailable):
            await broker_nobody_receives.publish(events(1, aggregates=1))
