"""The read side checked against the write store, document by document.

The write store's event log says, for every aggregate, its version and which of its events the
relay has handed to the broker (`published_at`). Every document records in `sources` the version
of the aggregate it reflects. So after a run:

- an event missing from the index that the broker accepted is **lost** (a broker or projector
  that dropped it); one still in the outbox is **stale** (late, not lost);
- a document at a version the store does not have is **duplicated** (an event applied that was
  never committed, or one applied twice); so is a product whose `sold` is above the units its
  orders reserved in the store, since each reservation adds to it once: an event applied twice
  at the right version shows there. `sold` below them at the store's version is a lost event.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from read.index import SearchIndex
from read.projection.product_documents import PRODUCT
from read.projection.projection_kinds import document_kind
from write.sqlalchemy.tables import events, order_lines, orders

POLL = 0.25  # seconds between two looks while waiting for the index to catch up


@dataclass(frozen=True)
class Audit:
    events: int  # in the write store's log
    lost: int
    stale: int
    duplicated: int

    @property
    def matches(self) -> bool:
        return (self.lost, self.stale, self.duplicated) == (0, 0, 0)


async def audit(engine: AsyncEngine, index: SearchIndex) -> Audit:
    """Compare every aggregate's version in the store with the document that reflects it."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(
            events.c.aggregate_type, events.c.aggregate_id, events.c.aggregate_version,
            events.c.published_at.is_not(None)))).all()
        reserved = {product: int(units) for product, units in (await connection.execute(
            select(order_lines.c.product_id, func.sum(order_lines.c.quantity))
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(orders.c.status != "cancelled")
            .group_by(order_lines.c.product_id))).all()}
    published: dict[tuple[str, str], dict[int, bool]] = defaultdict(dict)
    for aggregate_type, aggregate_id, version, is_published in rows:
        published[(aggregate_type, aggregate_id)][version] = bool(is_published)
    lost = stale = duplicated = 0
    by_type: dict[str, list[str]] = defaultdict(list)
    for aggregate_type, aggregate_id in published:
        by_type[aggregate_type].append(aggregate_id)
    for aggregate_type, ids in by_type.items():
        kind = document_kind(aggregate_type)
        documents = await index.get_many(kind, ids)
        for aggregate_id in ids:
            versions = published[(aggregate_type, aggregate_id)]
            document = documents.get(aggregate_id)
            sources = document.body.get("sources", {}) if document else {}
            seen = int(sources.get(f"{aggregate_type}/{aggregate_id}", 0))
            missing = [versions[v] for v in range(seen + 1, max(versions) + 1) if v in versions]
            lost += sum(missing)
            stale += len(missing) - sum(missing)
            if seen > max(versions):
                duplicated += 1
            elif kind == PRODUCT and document is not None and seen == max(versions):
                sold = int(document.body.get("sold", 0))
                expected = int(reserved.get(aggregate_id, 0))
                duplicated += int(sold > expected)
                lost += int(sold < expected)
    return Audit(len(rows), lost, stale, duplicated)


async def converge(
    engine: AsyncEngine, index: SearchIndex, since: float, timeout: float
) -> tuple[Audit, float | None]:
    """Look until the index matches the store, or `timeout` seconds after `since` (a
    time.monotonic() reading): the last audit, and how long after `since` it first matched
    (None if it never did)."""
    while True:
        found = await audit(engine, index)
        elapsed = time.monotonic() - since
        if found.matches:
            return found, elapsed
        if elapsed > timeout:
            return found, None
        await asyncio.sleep(POLL)
