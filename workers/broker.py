"""The broker port: how committed events travel from the relay to the projector.

`publish` returns only once the broker has *accepted* the batch (RabbitMQ: publisher confirms of
persistent messages). The relay marks events published only after that, so a crash anywhere before
it leaves them in the outbox to be sent again: delivery is at least once, never at most once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

Envelope = Mapping[str, Any]
# A consumer takes a batch and the name of the source it came from ("shard-3", "log"): each
# source keeps a position of its own (read/projection/batches.py checkpoint_of).
Consumer = Callable[[Sequence[Envelope], str], Awaitable[None]]


class BrokerUnavailable(RuntimeError):
    """The broker did not accept a batch; the relay keeps the events and retries."""


class Broker(Protocol):
    async def publish(self, events: Sequence[Envelope]) -> None: ...

    async def consume(self, consumer: Consumer) -> None:
        """Deliver batches to `consumer`; a batch is acknowledged only when it returns."""

    async def close(self) -> None: ...
