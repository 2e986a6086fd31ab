"""Catch-up: replay the event log into the index from the index's own checkpoint.

Run before the relay starts. It is what rebuilds an index that was deleted, or created afresh
because its layout changed; on an index that is up to date it reads nothing. Replays are harmless:
the projector skips every event the index already reflects. `diptych rebuild` replays the whole
log with it into a new version (diptych/rebuild_command.py), and the live projector the rest of
it when it takes that version over (workers/index_handover.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from read.index import SearchIndex
from read.projection.batches import CHECKPOINT, LOG, checkpoint_of
from workers.projector import Projector
from write.sqlalchemy import outbox, source_records

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (position reached, the log's end as last read)


async def checkpoint_names(engine: AsyncEngine | None = None) -> list[str]:
    """The checkpoints an index keeps positions in: the log's, and one per source of events
    that ever reported (the write store's `projection_sources`; without `engine`, the log's)."""
    sources = await source_records.load(engine) if engine is not None else []
    return [CHECKPOINT, *(checkpoint_of(r.source) for r in sources if r.source != LOG)]


async def projected_position(index: SearchIndex, engine: AsyncEngine | None = None) -> int:
    """How far in the log an index (a version of it) has projected: the furthest of its
    checkpoints; 0 for an empty one. What a source has not reached yet below it still waits in
    that source's queue (RabbitMQ keeps it), so catching up from here loses nothing."""
    names = await checkpoint_names(engine)
    return max([await index.checkpoint(name) for name in names], default=0)


async def catch_up(
    engine: AsyncEngine,
    index: SearchIndex,
    projector: Projector,
    batch_size: int = 1000,
    after: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Project every logged event after the index's checkpoint (or after `after`, to replay a
    stretch again) up to the log's end as read now; return how many were read."""
    position = await projected_position(index, engine) if after is None else after
    end = await outbox.last_position(engine)
    total = 0
    while position < end:
        events = await outbox.read_log(engine, after=position, limit=batch_size)
        if not events:
            break
        await projector.apply(events)
        position = events[-1]["position"]
        total += len(events)
        if progress is not None:
            progress(position, end)
        else:
            log.info("catch-up: projected up to position %d of %d", position, end)
    return total


async def catch_up_to_head(
    engine: AsyncEngine,
    index: SearchIndex,
    projector: Projector,
    batch_size: int = 1000,
    after: int | None = None,
    progress: Progress | None = None,
) -> int:
    """`catch_up` again and again while commits go on, until one round reads less than a batch:
    the index is then within a batch of the log's head."""
    total = read = await catch_up(engine, index, projector, batch_size, after, progress)
    while read >= batch_size:
        read = await catch_up(engine, index, projector, batch_size, progress=progress)
        total += read
    return total
