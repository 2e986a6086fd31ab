"""Replaying parked events after a fix: `diptych parked retry` marks them, and every projector
process looks for marked ones every few seconds and replays them, per aggregate and in order.

A replay reads the events from the event log as it is then (an operator may have repaired a
row), falling back to the copy parked with a message that is no logged event. One that succeeds
releases the aggregate: its events wait no more (their records are kept a
while, for a rebuild's hand-over, `replay_released`) and what arrives for it next is projected
as usual. One that fails leaves them parked with the new error.
An event that arrived for the aggregate while it was being replayed was parked behind it; it is
marked for the next round, so the aggregate is released whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage, MalformedEvent, parse
from read.projection.batches import EventFailed, ProjectionGap, UnknownEventType
from workers.parking import Parking, key_of
from workers.projector import Projector
from write.sqlalchemy import outbox, parked_store
from write.sqlalchemy.parked_store import ParkedEvent

log = logging.getLogger(__name__)
LOOK_EVERY = 2.0  # seconds between looks for events marked for replay


class ParkedReplay:
    def __init__(self, projector: Projector, parking: Parking, every: float = LOOK_EVERY) -> None:
        self._projector = projector
        self._parking = parking
        self._every = every

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.replay_requested()
            except Exception as error:  # the store or the index out of reach: next round
                log.warning("cannot replay parked events now (%s)", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._every)

    async def replay_requested(self) -> int:
        """Replay every event marked for replay; return how many were released."""
        engine = self._parking.writer
        groups: dict[object, list[ParkedEvent]] = defaultdict(list)
        for parked in await parked_store.requested(engine):
            groups[parked.aggregate or parked.event_id].append(parked)
        released = 0
        for group in groups.values():
            released += await self._replay(group)
        return released

    async def _replay(self, group: list[ParkedEvent]) -> int:
        engine = self._parking.writer
        ids = [p.event_id for p in group]
        # As the log holds them now: an operator may have repaired a row since it was parked.
        logged = await outbox.by_ids(engine, ids)
        try:
            events = [parse(logged.get(p.event_id, p.envelope)) for p in group]
            skipped = (await parked_store.blocked(engine, {key_of(events[0])})).skipped
            result = await self._projector.project_once(events, skipped)
        except (MalformedEvent, EventFailed, UnknownEventType, ProjectionGap) as fault:
            await parked_store.failed_again(engine, ids, str(fault))
            log.warning("replaying %d parked event(s) failed again, they stay parked: %s",
                        len(ids), fault)
            return 0
        await parked_store.released(engine, ids)
        await self._projector.announce(result)
        log.info("replayed and released %d parked event(s) of %s %s", len(ids),
                 events[0].aggregate_type, events[0].aggregate_id)
        if group[0].aggregate is not None:  # what was parked behind it meanwhile goes next
            await parked_store.request_retry(engine, events[0].aggregate_id)
        return len(ids)


async def replay_released(projector: Projector, engine: AsyncEngine) -> int:
    """Project again, into the index `projector` writes, every event a replay released lately
    (write/sqlalchemy/parked_store.py keeps them a while): a rebuild's new version, whose
    replay of the log held them back while they were parked, gets them before it is read.
    Idempotent; a group that fails is logged and left (it is parked again next time it comes)."""
    groups: dict[object, list[EventMessage]] = defaultdict(list)
    since = datetime.now(UTC) - parked_store.RELEASED_KEPT
    released_ = await parked_store.released_since(engine, since)
    logged = await outbox.by_ids(engine, [r.event_id for r in released_])
    for released in released_:
        try:
            event = parse(logged.get(released.event_id, released.envelope))
        except MalformedEvent:
            continue
        groups[key_of(event)].append(event)
    replayed = 0
    for events in groups.values():
        skipped = (await parked_store.blocked(engine, {key_of(events[0])})).skipped
        try:
            await projector.project_once(events, skipped)
        except (EventFailed, UnknownEventType, ProjectionGap) as fault:
            log.warning("could not replay released events into the new version: %s", fault)
            continue
        replayed += len(events)
    return replayed
