"""Source reports: each source of events (a shard queue, direct sync, the log read in order)
says where it is and whether it moves, every few seconds, into the write store, where the status
probe of every API replica reads it. A source that failed its batch says so with the error; a
process that stopped reporting is seen as silent.

States: IDLE (nothing in hand), BUSY (a batch in hand), FAILING (the batch in hand fails and is
retried), OFF (direct sync, while the broker delivers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from write.sqlalchemy import source_records
from write.sqlalchemy.source_records import SourceRecord

log = logging.getLogger(__name__)
REPORT_EVERY = 2.0  # seconds; the status probe calls a source silent after a few missed reports
IDLE, BUSY, FAILING, OFF = "IDLE", "BUSY", "FAILING", "OFF"
DIRECT_SOURCE = "direct"


class SourceReports:
    def __init__(self, engine: AsyncEngine, every: float = REPORT_EVERY) -> None:
        self._engine = engine
        self._every = every
        self._sources: dict[str, SourceRecord] = {}

    def received(self, source: str, events: Sequence[EventMessage]) -> None:
        """A batch in hand; the same batch again (a retry) keeps the time it first came."""
        record = self._record(source)
        oldest = min((e.occurred_at for e in events), default=None)
        waiting = record.state in (BUSY, FAILING)
        since = record.waiting_since if waiting and record.waiting_since else datetime.now(UTC)
        self._sources[source] = replace(record, state=BUSY if events else record.state,
                                        in_hand=len(events), waiting_since=since,
                                        oldest_in_hand_at=oldest or record.oldest_in_hand_at)

    def progressed(self, source: str, position: int) -> None:
        record = self._record(source)
        self._sources[source] = replace(
            record, state=IDLE, in_hand=0, oldest_in_hand_at=None, waiting_since=None,
            error=None,
            position=max(record.position, position), progressed_at=datetime.now(UTC))

    def failing(self, source: str, error: BaseException) -> None:
        record = self._record(source)
        first = (str(error).splitlines() or [""])[0] or type(error).__name__
        self._sources[source] = replace(record, state=FAILING, error=first[:1000])

    def off(self, source: str) -> None:
        self._sources[source] = replace(self._record(source), state=OFF, in_hand=0,
                                        oldest_in_hand_at=None, waiting_since=None, error=None)

    async def report(self) -> None:
        now = datetime.now(UTC)
        records = [replace(r, heard_at=now) for r in self._sources.values()]
        await source_records.save(self._engine, records)

    async def run(self, stop: asyncio.Event) -> None:
        """Report every few seconds until `stop`; a store outage only delays the report."""
        while not stop.is_set():
            try:
                await self.report()
            except Exception as error:  # the write store out of reach: the probe sees silence
                log.warning("cannot report the projection sources (%s)", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._every)

    def _record(self, source: str) -> SourceRecord:
        if source not in self._sources:
            self._sources[source] = SourceRecord(
                source=source, position=0, state=IDLE, in_hand=0, oldest_in_hand_at=None,
                waiting_since=None, error=None, progressed_at=None, heard_at=datetime.now(UTC))
        return self._sources[source]
