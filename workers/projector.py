"""The projector: turns delivered events into search documents, then tells waiting readers.

Events of one aggregate normally arrive in order. When one arrives early (a republished batch, a
changed shard count), the projector fills the gap from the event log instead of dropping or
misapplying it. An event it cannot apply is parked with every later event of its aggregate
(workers/parking.py), so one bad event stops one aggregate, never its shard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage, MalformedEvent, parse
from read.freshness.visibility_feed import Change, VisibilityFeed
from read.index import SearchIndex
from read.projection.batches import (
    LOG,
    EventFailed,
    Projected,
    ProjectionGap,
    UnknownEventType,
    checkpoint_of,
    project,
)
from workers.broker import Envelope
from workers.parking import Parking, key_of
from workers.source_reports import SourceReports
from write.sqlalchemy import outbox

log = logging.getLogger(__name__)
GAP_FILLS = 100  # per batch; each fill completes one aggregate's history
RETRY_PAUSE = 0.05  # seconds before an event that failed is tried again, doubling
Faulty = EventFailed | UnknownEventType | ProjectionGap


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
        parking: Parking | None = None,
        reports: SourceReports | None = None,
        batches: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    ) -> None:
        self._index = index
        # workers/index_handover.py's IndexHandover.batch: no batch straddles a version switch
        self._batches = batches or contextlib.nullcontext
        self._feed = feed
        self._log = log
        self._broadcast = broadcast
        self.parking = parking
        self._reports = reports

    async def __call__(self, envelopes: Sequence[Envelope], source: str = LOG) -> None:
        result = await self.apply(envelopes, source)
        log.debug("projected %d events into %d documents", len(envelopes), result.applied)

    async def apply(self, envelopes: Sequence[Envelope], source: str = LOG) -> Projected:
        """Project a batch from `source`; raises only what is no event's fault (an index
        outage), or, without parking, what an event's fault is."""
        events = await self._events(envelopes, source)
        if self._reports is not None:
            self._reports.received(source, events)
        try:
            result = await self._project(events, source)
        except Exception as error:
            if self._reports is not None:
                self._reports.failing(source, error)
            raise
        if self._reports is not None and events:
            self._reports.progressed(source, max(e.position for e in events))
        await self.announce(result)
        return result

    async def announce(self, result: Projected) -> None:
        if self._feed is not None:
            self._feed.announce(result.changes)
        if self._broadcast is not None and result.changes:
            await self._broadcast.announce(result.changes)

    async def project_once(
        self, events: list[EventMessage], skipped: frozenset[str]
    ) -> Projected:
        """Project events as they are, no parking, no checkpoint (a replay of parked events):
        raises EventFailed, UnknownEventType or ProjectionGap (a hole the log cannot fill)."""
        return await self._with_gaps_filled(events, None, skipped, _Fills())

    async def _events(self, envelopes: Sequence[Envelope], source: str) -> list[EventMessage]:
        events, bad = [], []
        for envelope in envelopes:
            try:
                events.append(parse(envelope))
            except MalformedEvent as error:
                bad.append((envelope, str(error)))
        if bad:
            if self.parking is None:
                raise MalformedEvent(bad[0][1])
            await self.parking.park_messages(bad, source)
        return sorted(events, key=lambda e: e.position)

    async def _project(self, events: list[EventMessage], source: str) -> Projected:
        if self.parking is None:
            return await self._with_gaps_filled(events, checkpoint_of(source), frozenset(),
                                                _Fills())
        events, skipped = await self.parking.hold_back(events, source)
        failures: dict[str, int] = {}
        while True:
            fills = _Fills()
            try:
                return await self._with_gaps_filled(events, checkpoint_of(source), skipped,
                                                    fills)
            except (EventFailed, UnknownEventType, ProjectionGap) as fault:
                key, first = _aggregate_of(fault)
                tries = failures[str(key)] = failures.get(str(key), 0) + 1
                if isinstance(fault, EventFailed) and tries < self.parking.park_after:
                    log.warning("%s; trying again (%d of %d)", fault, tries,
                                self.parking.park_after)
                    await asyncio.sleep(RETRY_PAUSE * 2 ** (tries - 1))
                    continue
                held = [e for e in events if key_of(e) == key and e.aggregate_version >= first]
                error = str(fault)
                if not held:
                    # The fault lies in another aggregate's history, read from the log to fill
                    # a gap: what it read is parked, and the event in hand that needed it.
                    await self.parking.park(
                        [e for e in fills.events if key_of(e) == key
                         and e.aggregate_version >= first], error, source, attempts=tries)
                    cause = fills.causes.get(key) or getattr(fault, "caused_by", None)
                    if cause is None or cause not in events:
                        raise  # a fault of no event in hand would never end: a bug
                    held = [e for e in events if key_of(e) == key_of(cause)
                            and e.aggregate_version >= cause.aggregate_version]
                    error = f"needs {key[0]} {key[1]}, which cannot be projected: {fault}"
                await self.parking.park(held, error, source, attempts=tries)
                events = [e for e in events if e not in held]

    async def _with_gaps_filled(
        self, events: list[EventMessage], checkpoint: str | None, skipped: frozenset[str],
        fills: _Fills,
    ) -> Projected:
        for _ in range(GAP_FILLS + 2 * len(events)):  # each fill completes one history
            try:
                async with self._batches():
                    return await project(self._index, events, checkpoint,
                                         skipped | fills.skipped)
            except ProjectionGap as gap:
                if self._log is None:
                    raise
                filled = await self._fill(events, gap, fills)
                if len(filled) == len(events):  # the log has nothing more: a hole for good
                    raise
                events = filled
        raise RuntimeError(f"a batch of {len(events)} events still has gaps after filling")

    async def _fill(
        self, events: list[EventMessage], gap: ProjectionGap, fills: _Fills
    ) -> list[EventMessage]:
        """`events` with the gap's aggregate's missing history from the log; what a parked
        aggregate holds back stays out, and so does a row that cannot be parsed."""
        assert self._log is not None
        key = (gap.aggregate_type, gap.aggregate_id)
        if gap.caused_by is not None and key_of(gap.caused_by) != key:
            fills.causes.setdefault(key, gap.caused_by)
        missing = await self._log.history(gap.aggregate_type, gap.aggregate_id, gap.seen)
        known = {e.event_id for e in events}
        new = []
        for row in missing:
            try:
                event = parse(row)
            except MalformedEvent as error:
                log.error("cannot fill a gap of %s %s with a row of the log: %s", *key, error)
                break  # what follows must not be applied before it
            if event.event_id not in known:
                new.append(event)
        if self.parking is not None and new:
            blocked = await self.parking.blocked([key])
            fills.skipped |= blocked.skipped
            new = [e for e in new if not blocked.holds(key, e.aggregate_version)]
        fills.events.extend(new)
        log.info("filled a gap for %s %s from the event log (%d events)", *key, len(new))
        return sorted([*events, *new], key=lambda e: e.position)


class _Fills:
    """What one attempt read from the log to fill gaps, and which event in hand needed it."""

    def __init__(self) -> None:
        self.events: list[EventMessage] = []
        self.causes: dict[tuple[str, str], EventMessage] = {}
        self.skipped: frozenset[str] = frozenset()


def _aggregate_of(fault: Faulty) -> tuple[tuple[str, str], int]:
    """The aggregate at fault, and the first of its versions to park."""
    if isinstance(fault, ProjectionGap):
        return (fault.aggregate_type, fault.aggregate_id), fault.seen + 1
    return key_of(fault.event), fault.event.aggregate_version
