"""A shard's consume loop outlives a batch that fails outside its projection (a message that
cannot be read): it logs why and takes the next delivery, instead of dying silently while its
consumer stays the queue's single active one. Every message, JSON or not, goes to the projector,
which parks what it cannot apply: one policy."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from workers.broker import Envelope
from workers.rabbitmq import rabbitmq_shard_consumer
from workers.rabbitmq.rabbitmq_shard_consumer import ShardConsumer

ENVELOPE = {
    "position": 1, "event_id": "00000000-0000-4000-8000-000000000001", "type": "UserRenamed",
    "schema_version": 1, "aggregate_type": "User",
    "aggregate_id": "00000000-0000-4000-8000-0000000000a1", "aggregate_version": 2,
    "occurred_at": "2026-12-01T12:00:00+00:00", "payload": {"name": "Ada"},
}


class Message:
    message_id = "m-1"

    def __init__(self, body: bytes, broken_channel: bool = False) -> None:
        self._body, self._broken, self.acked, self.requeued = body, broken_channel, False, False

    @property
    def body(self) -> bytes:
        if self._broken:
            raise RuntimeError("channel closed")
        return self._body

    async def ack(self, multiple: bool) -> None:
        self.acked = True

    async def nack(self, multiple: bool, requeue: bool) -> None:
        self.requeued = requeue


class Queue:
    async def consume(self, callback: Callable[[Any], Awaitable[None]]) -> str:
        self.deliver = callback
        return "tag"

    async def cancel(self, tag: str) -> None:
        pass


class Channel:
    async def close(self) -> None:
        pass


async def test_the_loop_goes_on_after_a_batch_fails_outside_the_projection(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rabbitmq_shard_consumer, "RETRY_PAUSE", 0)
    seen: list[Sequence[Envelope]] = []

    async def project(batch: Sequence[Envelope], source: str) -> None:
        seen.append(batch)

    queue = Queue()
    consumer = ShardConsumer(0, Channel(), queue, project, batch_size=1)  # type: ignore[arg-type]
    await consumer.start()
    failed = Message(b"not json", broken_channel=True)
    await queue.deliver(failed)
    good = Message(json.dumps(ENVELOPE).encode())
    await queue.deliver(good)
    for _ in range(100):
        if good.acked:
            break
        await asyncio.sleep(0.01)
    await consumer.stop()
    assert [len(batch) for batch in seen] == [1] and good.acked
    assert failed.requeued  # given back, so the next batch's ack cannot acknowledge it
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert any("failed outside its projection" in r.getMessage() for r in failures)


async def test_a_body_that_is_not_json_goes_to_the_projector_to_be_parked() -> None:
    seen: list[tuple[Sequence[Envelope], str]] = []

    async def project(batch: Sequence[Envelope], source: str) -> None:
        seen.append((batch, source))

    queue = Queue()
    consumer = ShardConsumer(3, Channel(), queue, project, batch_size=1)  # type: ignore[arg-type]
    await consumer.start()
    garbage = Message(b"\xff not json")
    await queue.deliver(garbage)
    for _ in range(100):
        if garbage.acked:
            break
        await asyncio.sleep(0.01)
    await consumer.stop()
    assert garbage.acked  # the projector returned: it parked the message, nothing is dropped
    [(batch, source)] = seen
    assert source == "shard-3"
    assert batch[0]["not_json"].endswith("not json") and batch[0]["message_id"] == "m-1"
