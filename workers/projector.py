"""The projector: turns delivered events into search documents, then tells waiting readers."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from read.consistency import VisibilityFeed
from read.events import MalformedEvent, parse
from read.index import SearchIndex, WriteResult
from read.projections import project
from workers.broker import Envelope

log = logging.getLogger(__name__)


class Projector:
    def __init__(self, index: SearchIndex, feed: VisibilityFeed) -> None:
        self._index = index
        self._feed = feed

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        result = await self.apply(envelopes)
        log.debug("projected %d events (%d stale)", result.applied, result.stale)

    async def apply(self, envelopes: Sequence[Envelope]) -> WriteResult:
        events = []
        for envelope in envelopes:
            try:
                events.append(parse(envelope))
            except MalformedEvent:  # it can never be projected; holding the batch back won't help
                log.exception("dropped a message that breaks the event contract: %r", envelope)
        events.sort(key=lambda e: e.position)
        result = await project(self._index, events)
        self._feed.announce()
        return result
