"""The visibility feed: what the projector made visible, pushed to everyone waiting on it.

Listeners never poll the index: subscribers (token waits and readModelCaughtUp for their one
document, documentChanged for theirs) register *before* reading the current state, so every
change after that reaches their queue; documentChanged de-duplicates by version.

An announcement without changes means "something may have changed": a replica that missed
announcements (a broker reconnect) sends one so that everyone checks the index again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

QUEUE_LIMIT = 1000  # changes a slow subscriber may fall behind before it must re-read


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    version: int  # the version of the document's own aggregate it now reflects
    deleted: bool = False


RESYNC = Change("", "", 0)  # "re-read what you watch": changes were missed or overflowed


class Subscriber:
    def __init__(self, kind: str, ids: frozenset[str] | None) -> None:
        self.kind = kind
        self.ids = ids
        self.queue: asyncio.Queue[Change] = asyncio.Queue()

    def wants(self, change: Change) -> bool:
        return change.kind == self.kind and (self.ids is None or change.id in self.ids)

    def offer(self, change: Change) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:  # too slow: drop the backlog, re-read instead
            while not self.queue.empty():
                self.queue.get_nowait()
            change = RESYNC
        self.queue.put_nowait(change)


class VisibilityFeed:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def announce(self, changes: Sequence[Change] = ()) -> None:
        for subscriber in self._subscribers:
            if not changes:
                subscriber.offer(RESYNC)
            for change in changes:
                if subscriber.wants(change):
                    subscriber.offer(change)

    @contextmanager
    def subscribe(self, kind: str, ids: Sequence[str] | None = None) -> Iterator[Subscriber]:
        """Receive the changes of documents of `kind` (only `ids`, if given) until the block
        ends; leaving it, for any reason, unregisters (a closed WebSocket leaks nothing)."""
        subscriber = Subscriber(kind, frozenset(ids) if ids is not None else None)
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
