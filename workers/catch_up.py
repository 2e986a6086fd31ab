"""Catch-up: replay the event log into the index from the index's own checkpoint.

Run before the relay starts. It is what rebuilds an index that was deleted, or created afresh
because its layout changed; on an index that is up to date it reads nothing. Replays are harmless:
the projector skips every event the index already reflects.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from read.index import SearchIndex
from read.projection.batches import CHECKPOINT
from workers.projector import Projector
from write.sqlalchemy import outbox

log = logging.getLogger(__name__)


async def catch_up(
    engine: AsyncEngine, index: SearchIndex, projector: Projector, batch_size: int = 1000
) -> int:
    """Project every logged event after the index's checkpoint; return how many were read."""
    position = await index.checkpoint(CHECKPOINT)
    end = await outbox.last_position(engine)
    total = 0
    while position < end:
        events = await outbox.read_log(engine, after=position, limit=batch_size)
        if not events:
            break
        await projector.apply(events)
        position = events[-1]["position"]
        total += len(events)
        log.info("catch-up: projected up to position %d of %d", position, end)
    return total
