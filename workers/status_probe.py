"""Projection status: how far the read side trails the write side, and whether it moves.

The figures compare the write store's event log with the index's checkpoint, so they are read
from both; this is operations, not a query of the domain (those never touch the write store).
Positions count events; on PostgreSQL a rolled-back transaction leaves a gap in the sequence, so
they are approximate there, and exact on SQLite.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from read.freshness.projection_status import ProjectionStatus
from read.index import SearchIndex
from read.projection.batches import CHECKPOINT
from write.sqlalchemy import outbox
from write.sqlalchemy.database import reaching_store

WINDOW = 60.0  # seconds of samples behind the throughput figure


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
        projected = await self._index.checkpoint(CHECKPOINT)
        with reaching_store():
            backlog = await outbox.backlog(self._engine, projected)
        now, clock = datetime.now(UTC), time.monotonic()
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
            lag_seconds=(now - backlog.oldest_after).total_seconds()
            if lag and backlog.oldest_after else 0.0,
            unpublished=backlog.unpublished,
            throughput=(projected - first_position) / elapsed if elapsed > 0 else 0.0,
            stalled=lag > 0 and clock - self._moved_at >= self._stall_after,
            checked_at=now,
        )
