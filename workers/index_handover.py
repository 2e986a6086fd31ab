"""How a live projector takes over the index version a rebuild built, without a pause for readers.

`diptych rebuild` (diptych/rebuild_command.py) fills a new version from the event log beside the
live one, then names it the version to write. The projector's process, polling (`run`), then:

1. opens the new version and catches it up from the log, while its batches still go to the old
   one (queries read the old one all along);
2. lets the batches in flight finish and holds the next ones back (`batch`, around each of the
   projector's rounds), catches the new version up with what those wrote to the old one, and
   switches reads and writes to it in one step; then it names it the version to read, for
   other processes' readers;
3. lets the batches go on, now into the new version, and asks every waiter to look again.

No batch straddles the switch: a batch reads its documents and writes them back later, so one
that read the old version must not write its result into the new one. The new version holds
everything the old one did before anyone reads it, so no query ever goes backwards, and none
fails: until the switch they read the old version, after it the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from read.freshness.visibility_feed import VisibilityFeed
from read.index import SearchIndex
from workers.catch_up import catch_up, catch_up_to_head, projected_position
from workers.parked_replay import replay_released
from workers.parking import Parking
from workers.projector import Broadcast, Projector, SqlEventLog

log = logging.getLogger(__name__)
# Replayed again from before the new version's checkpoint when taking it over: on PostgreSQL a
# transaction can commit after later positions were read, and the rebuild would have passed it.
REWIND = 10_000


class IndexHandover:
    """Follows rebuilds' hand-overs for the live `index` of this process's projector."""

    def __init__(
        self,
        index: SearchIndex,
        engine: AsyncEngine,
        feed: VisibilityFeed | None = None,
        broadcast: Broadcast | None = None,
        keep_versions: int = 2,
        poll: float = 1.0,
        parking: Parking | None = None,
    ) -> None:
        self._index, self._engine = index, engine
        self._parking = parking  # as the live projector parks, so does its catch-up
        self._feed, self._broadcast = feed, broadcast
        self._keep, self._poll = keep_versions, poll
        self._state = asyncio.Condition()
        self._batches = 0
        self._switching = False
        self._following = asyncio.Lock()

    @property
    def switching(self) -> bool:
        """A switch waits for the batches in flight, and holds new ones back."""
        return self._switching

    @contextlib.asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """Around one batch of the projector: never while the index switches versions."""
        async with self._state:
            await self._state.wait_for(lambda: not self._switching)
            self._batches += 1
        try:
            yield
        finally:
            async with self._state:
                self._batches -= 1
                self._state.notify_all()

    async def run(self, stop: asyncio.Event) -> None:
        """Look for a hand-over every `poll` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.follow()
            except Exception:  # the index or the store down: the next look tries again
                log.warning("could not take the new index version over yet", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll)

    async def follow(self) -> bool:
        """Take over the version a rebuild named to write, if there is one; True once done."""
        async with self._following:
            if not await self._index.write_version_changed():
                return False
            new = await self._index.open_write_version()
            try:
                await self._take_over(new)
            except BaseException:
                await new.close()
                raise
        await self._resync()
        await self._index.drop_old_versions(self._keep)
        return True

    async def _take_over(self, new: SearchIndex) -> None:
        projector = Projector(new, log=SqlEventLog(self._engine), parking=self._parking)
        start = max(0, await projected_position(new) - REWIND)
        read = await catch_up_to_head(self._engine, new, projector, after=start)
        async with self._no_batches():
            read += await catch_up(self._engine, new, projector)
            read += await replay_released(projector, self._engine)
            await self._index.switch_to(new)
        log.info("took the rebuilt index version over (%d events caught up)", read)

    @contextlib.asynccontextmanager
    async def _no_batches(self) -> AsyncIterator[None]:
        try:
            async with self._state:
                self._switching = True  # no new batch starts: a switch is never starved
                await self._state.wait_for(lambda: self._batches == 0)
            yield
        finally:
            async with self._state:
                self._switching = False
                self._state.notify_all()

    async def _resync(self) -> None:
        """Every waiter looks again: what the catch-up made visible was never announced."""
        if self._feed is not None:
            self._feed.announce(())
        if self._broadcast is not None:
            await self._broadcast.announce(())
