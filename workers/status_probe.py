"""Projection status: how far the read side trails the write side, and whether it moves.

The figures compare the write store's event log with the index's checkpoint, so they are read
from both; this is operations, not a query of the domain (those never touch the write store).
Positions count events; on PostgreSQL a rolled-back transaction leaves a gap in the sequence, so
they are approximate there, and exact on SQLite.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from read.freshness.projection_status import (
    BROKER,
    DIRECT,
    SILENT,
    ParkedSummary,
    ProjectionStatus,
    SourceStatus,
)
from read.index import SearchIndex
from read.projection.batches import CHECKPOINT, checkpoint_of
from workers.source_reports import BUSY, DIRECT_SOURCE, FAILING, OFF, REPORT_EVERY
from write.sqlalchemy import outbox, parked_store, source_records
from write.sqlalchemy.database import reaching_store
from write.sqlalchemy.source_records import SourceRecord

WINDOW = 60.0  # seconds of samples behind the throughput figure
SILENT_AFTER = timedelta(seconds=REPORT_EVERY * 5)  # missed reports before a source is silent
RETIRED_AFTER = timedelta(days=1)  # a source not heard from for so long is no longer shown


class StatusMonitor:
    """Samples the positions each time it is asked, to tell throughput and stalls."""

    def __init__(self, engine: AsyncEngine, index: SearchIndex, stall_after: float) -> None:
        self._engine = engine
        self._index = index
        self._stall_after = stall_after
        self._samples: deque[tuple[float, int]] = deque()
        self._moved_at = time.monotonic()

    async def status(self) -> ProjectionStatus:
        """The status now; StoreUnavailable when the write store cannot be reached."""
        with reaching_store():
            records = await source_records.load(self._engine)
            parked = await parked_store.summary(self._engine)
        now = datetime.now(UTC)
        records = [r for r in records if now - r.heard_at < RETIRED_AFTER]
        positions = {r.source: await self._index.checkpoint(checkpoint_of(r.source))
                     for r in records}
        projected = max([await self._index.checkpoint(CHECKPOINT), *positions.values()])
        with reaching_store():
            backlog = await outbox.backlog(self._engine, projected)
        sources = tuple(self._source(r, positions[r.source], now) for r in records)
        clock = time.monotonic()
        if not self._samples or self._samples[-1][1] != projected:
            self._moved_at = clock
        self._samples.append((clock, projected))
        while len(self._samples) > 2 and self._samples[1][0] < clock - WINDOW:
            self._samples.popleft()
        first_time, first_position = self._samples[0]
        elapsed = clock - first_time
        lag = backlog.after if backlog.head > projected else 0
        return ProjectionStatus(
            head_position=backlog.head,
            relay_position=(backlog.first_unpublished - 1 if backlog.first_unpublished
                            else backlog.head),
            projector_position=projected,
            lag_events=lag,
            lag_seconds=max([(now - backlog.oldest_after).total_seconds()
                             if lag and backlog.oldest_after else 0.0,
                             *(source.lag_seconds for source in sources)]),
            unpublished=backlog.unpublished,
            throughput=(projected - first_position) / elapsed if elapsed > 0 else 0.0,
            stalled=(lag > 0 and clock - self._moved_at >= self._stall_after)
            or any(source.stalled for source in sources),
            checked_at=now,
            mode=DIRECT if any(s.source == DIRECT_SOURCE and s.state not in (OFF, SILENT)
                               for s in sources) else BROKER,
            sources=sources,
            parked=ParkedSummary(parked.count, parked.aggregates, parked.oldest),
        )

    def _source(self, record: SourceRecord, position: int, now: datetime) -> SourceStatus:
        """A source holding events that has not moved for DIPTYCH_STALL_AFTER seconds is stalled;
        so is one whose process went silent with a batch in hand (nobody took it over)."""
        silent = now - record.heard_at > SILENT_AFTER
        since = record.waiting_since or record.progressed_at or record.heard_at
        waiting = record.state in (BUSY, FAILING)
        held = waiting and (now - since).total_seconds() >= self._stall_after
        lag = (now - record.oldest_in_hand_at).total_seconds() if (
            waiting and record.oldest_in_hand_at) else 0.0
        return SourceStatus(
            source=record.source, position=max(position, record.position),
            state=SILENT if silent else record.state, in_hand=record.in_hand,
            lag_seconds=max(lag, 0.0), error=record.error, progressed_at=record.progressed_at,
            heard_at=record.heard_at, stalled=held,
        )
