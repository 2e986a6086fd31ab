"""A rebuild of the embedded index: a new version from the event log, then the hand-over.

The steps, and who takes each (workers/index_handover.py has the live projector's side):

1. the rebuild lock (`rebuild.lock`): one rebuild at a time, refused otherwise;
2. a new version directory, filled from the whole event log while the live version serves;
3. its writer let go, the new version is named the one to WRITE;
4. the live projector (it holds the layout's projector lock) takes it over: catches it up with
   what it wrote meanwhile, switches, and names it the version to READ. When no projector runs
   (its lock is free), the rebuild does the same itself, holding that lock meanwhile.

The old version stays; versions beyond DIPTYCH_KEEP_INDEX_VERSIONS are dropped after the swap.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from read.tantivy.tantivy_index import TantivyIndex
from read.tantivy.tantivy_schema import fingerprint
from read.tantivy.tantivy_versions import IndexVersions
from workers.catch_up import Progress, catch_up_to_head, projected_position
from workers.index_handover import REWIND
from workers.parked_replay import replay_released
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog

log = logging.getLogger(__name__)
POLL = 0.2  # seconds between looks at whether the live projector took the version over


class RebuildRunning(RuntimeError):
    """Another rebuild of this index is under way."""


class HandoverTimeout(RuntimeError):
    """The live projector did not take the new version over in time (it still will)."""


@dataclass(frozen=True)
class Built:
    version: str
    position: int  # how far in the log the rebuild projected it
    events: int


class TantivyRebuild:
    """One rebuild of the tantivy index under `root`, from start to hand-over."""

    def __init__(self, engine: AsyncEngine, root: Path, keep_versions: int = 2,
                 park_after: int = 3) -> None:
        self._engine, self._root, self._keep = engine, root, keep_versions
        # Parked events stay parked in the new version too, and a bad event met in the log is
        # parked like the live projector would, instead of failing the rebuild.
        self._parking = Parking(engine, engine, park_after)
        self.versions = IndexVersions(root, fingerprint())
        self._lock = self.versions.rebuild_lock()

    def __enter__(self) -> TantivyRebuild:
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if not self._lock.try_acquire(f"pid {os.getpid()}, started {since}"):
            holder = self._lock.holder() or "another process"
            raise RebuildRunning(f"another rebuild of {self._root} is running ({holder})")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    async def build(self, progress: Progress | None = None) -> Built:
        """A new version, filled from the log up to (within a batch of) its head."""
        assert self._lock.held, "enter the rebuild first"
        for name in self.versions.discard_unfinished():
            log.info("removed %s, left by a rebuild that did not finish", name)
        index = TantivyIndex(self._root, version=self.versions.next_name())
        await index.open()
        try:
            projector = Projector(index, log=SqlEventLog(self._engine), parking=self._parking)
            events = await catch_up_to_head(self._engine, index, projector, after=0,
                                            progress=progress)
            built = Built(index.version, await projected_position(index), events)
        finally:
            await index.close()  # lets go of its writer, for the projector to take
        self.versions.point(write=built.version)
        return built

    async def hand_over(self, built: Built, wait: float) -> str:
        """Wait until `built` is the version read; do the hand-over here if no projector runs.
        Returns who did it; HandoverTimeout after `wait` seconds."""
        deadline = time.monotonic() + wait
        projector_lock = self.versions.projector_lock()
        while True:
            if self.versions.pointers().read == built.version:
                return "the live projector"
            if projector_lock.try_acquire(f"pid {os.getpid()}, rebuild handing over"):
                try:
                    if self.versions.pointers().read != built.version:
                        await self._take_over(built)
                        return "the rebuild (no projector was running)"
                    return "the live projector"
                finally:
                    projector_lock.release()
            if time.monotonic() > deadline:
                raise HandoverTimeout(
                    f"the live projector has not taken {built.version} over within {wait:g}s; "
                    "it will as soon as it looks (every second), or at its next start"
                )
            await asyncio.sleep(POLL)

    async def _take_over(self, built: Built) -> None:
        """What the live projector would do, with nobody projecting meanwhile."""
        index = TantivyIndex(self._root, version=built.version)
        await index.open()
        try:
            projector = Projector(index, log=SqlEventLog(self._engine), parking=self._parking)
            await catch_up_to_head(self._engine, index, projector,
                                   after=max(0, built.position - REWIND))
            await replay_released(projector, self._engine)
        finally:
            await index.close()
        self.versions.point(read=built.version, write=built.version)
        for name in self.versions.drop_old(self._keep):
            log.info("dropped old index version %s", name)
