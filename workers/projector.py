"""The projector: turns delivered events into search documents, then tells waiting readers.

Events of one aggregate normally arrive in order. When one arrives early (a republished batch, a
changed shard count), the projector fills the gap from the event log instead of dropping or
misapplying it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage, parse
from read.freshness.visibility_feed import Change, VisibilityFeed
from read.index import SearchIndex
from read.projection.batches import Projected, ProjectionGap, project
from workers.broker import Envelope
from write.sqlalchemy import outbox

log = logging.getLogger(__name__)
GAP_FILLS = 100  # per batch; each fill completes one aggregate's history


class EventLog(Protocol):
    async def history(
        self, aggregate_type: str, aggregate_id: str, after_version: int
    ) -> Sequence[Envelope]: ...


class Broadcast(Protocol):
    """Tells other processes (API replicas) what the index made visible."""

    async def announce(self, changes: Sequence[Change]) -> None: ...


class SqlEventLog:
    """The write store's event log, read-only."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def history(
        self, aggregate_type: str, aggregate_id: str, after_version: int
    ) -> Sequence[Envelope]:
        return await outbox.history(self._engine, aggregate_type, aggregate_id, after_version)


class Projector:
    def __init__(
        self,
        index: SearchIndex,
        feed: VisibilityFeed | None = None,
        log: EventLog | None = None,
        broadcast: Broadcast | None = None,
    ) -> None:
        self._index = index
        self._feed = feed
        self._log = log
        self._broadcast = broadcast

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        result = await self.apply(envelopes)
        log.debug("projected %d events into %d documents", len(envelopes), result.applied)

    async def apply(self, envelopes: Sequence[Envelope]) -> Projected:
        events = _parse(envelopes)
        for _ in range(GAP_FILLS):
            try:
                result = await project(self._index, events)
                break
            except ProjectionGap as gap:
                if self._log is None:
                    raise
                events = await self._fill(events, gap)
        else:
            raise RuntimeError(f"a batch still has gaps after {GAP_FILLS} fills from the log")
        if self._feed is not None:
            self._feed.announce(result.changes)
        if self._broadcast is not None and result.changes:
            await self._broadcast.announce(result.changes)
        return result

    async def _fill(self, events: list[EventMessage], gap: ProjectionGap) -> list[EventMessage]:
        assert self._log is not None
        missing = await self._log.history(gap.aggregate_type, gap.aggregate_id, gap.seen)
        log.info("filled a gap for %s %s from the event log (%d events)",
                 gap.aggregate_type, gap.aggregate_id, len(missing))
        known = {e.event_id for e in events}
        return sorted([*events, *(e for e in _parse(missing) if e.event_id not in known)],
                      key=lambda e: e.position)


def _parse(envelopes: Sequence[Envelope]) -> list[EventMessage]:
    """Brokers hand over event envelopes only (RabbitMQ dead-letters anything else; the
    in-process broker carries the outbox's own rows), so a malformed one here is a bug and
    raises MalformedEvent: never silently dropped."""
    return sorted((parse(envelope) for envelope in envelopes), key=lambda e: e.position)
