"""Direct sync: the read side's fallback when the broker is down.

When RabbitMQ has been out of reach for DIPTYCH_DIRECT_AFTER seconds while committed events wait
in the outbox, the projector reads them from the event log itself, in log order, projects them
(source "direct", with a checkpoint of its own) and marks them published, so the relay does not
send them once the broker is back and nothing is applied twice. As soon as the broker's
connection is restored, the projector goes back to its shard queues; whatever was published
before the outage and still waits there is skipped as already applied (projections apply each
aggregate version once), and a later event projected first had its gap filled from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from workers.projector import Projector
from workers.source_reports import DIRECT_SOURCE, SourceReports
from write.sqlalchemy import outbox

log = logging.getLogger(__name__)
LOOK_EVERY = 0.5  # seconds between looks at the broker and the outbox
BATCH = 500


class DirectSync:
    def __init__(
        self,
        engine: AsyncEngine,
        reader: AsyncEngine,
        projector: Projector,
        reports: SourceReports,
        broker_reachable: Callable[[], bool],
        after: float,
        clock: Callable[[], float] | None = None,
        every: float = LOOK_EVERY,
    ) -> None:
        self._engine = engine
        self._reader = reader
        self._projector = projector
        self._reports = reports
        self._reachable = broker_reachable
        self._after = after
        self._clock = clock or asyncio.get_running_loop().time
        self._every = every
        self._down_since: float | None = None
        self.active = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                moved = await self.step()
            except Exception as error:  # the write store or the index out of reach: next look
                log.warning("direct sync: cannot project from the event log now (%s)", error)
                moved = 0
            if not moved:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._every)

    async def step(self) -> int:
        """One look: project a batch from the log if the broker has been down long enough;
        return how many events it projected."""
        if self._reachable():
            self._down_since = None
            if self.active:
                self.active = False
                self._reports.off(DIRECT_SOURCE)
                log.warning("direct sync: the broker is back; projecting from its queues again")
            return 0
        now = self._clock()
        if self._down_since is None:
            self._down_since = now
        if now - self._down_since < self._after:
            return 0
        events = await outbox.unpublished(self._reader, limit=BATCH)
        if not events:
            return 0
        if not self.active:
            self.active = True
            log.warning("direct sync: the broker has been out of reach for %.0fs while events "
                        "wait; projecting them from the event log", now - self._down_since)
        await self._projector.apply(events, DIRECT_SOURCE)
        await outbox.mark_published(self._engine, [e["position"] for e in events])
        return len(events)
