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

An event the projector parked (workers/parking.py: it could not apply it, or it waits behind one
of its aggregate that it could not apply) is neither: it is **parked**, counted apart, since the
read side reports it and an operator replays it (`diptych parked retry`) after a fix.
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
from write.sqlalchemy import parked_store
from write.sqlalchemy.tables import events, order_lines, orders

PARKED_LIMIT = 100_000
POLL = 0.25  # seconds between two looks while waiting for the index to catch up


@dataclass(frozen=True)
class Audit:
    events: int  # in the write store's log
    lost: int
    stale: int
    duplicated: int
    parked: int = 0  # missing from the index because the projector parked them

    @property
    def matches(self) -> bool:
        """The index holds every event but the parked ones, each once."""
        return (self.lost, self.stale, self.duplicated) == (0, 0, 0)


def missing(versions: dict[int, bool], seen: int, parked: set[int]) -> tuple[int, int, int]:
    """An aggregate's events the index lacks, as (lost, stale, parked): `versions` maps each of
    its versions in the store to whether the broker accepted it, `seen` is the version its
    document reflects, `parked` the versions waiting in the parked records."""
    lost = stale = held = 0
    for version in range(seen + 1, max(versions) + 1):
        if version not in versions:
            continue
        if version in parked:
            held += 1
        elif versions[version]:
            lost += 1
        else:
            stale += 1
    return lost, stale, held


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
    parked: dict[tuple[str, str], set[int]] = defaultdict(set)
    for waiting in await parked_store.waiting(engine, PARKED_LIMIT):  # the product's own view
        if waiting.aggregate_type and waiting.aggregate_id and waiting.aggregate_version:
            parked[(waiting.aggregate_type, waiting.aggregate_id)].add(waiting.aggregate_version)
    published: dict[tuple[str, str], dict[int, bool]] = defaultdict(dict)
    for aggregate_type, aggregate_id, version, is_published in rows:
        published[(aggregate_type, aggregate_id)][version] = bool(is_published)
    lost = stale = duplicated = held = 0
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
            gone, late, waits = missing(versions, seen, parked[(aggregate_type, aggregate_id)])
            lost, stale, held = lost + gone, stale + late, held + waits
            if seen > max(versions):
                duplicated += 1
            elif kind == PRODUCT and document is not None and seen == max(versions):
                sold = int(document.body.get("sold", 0))
                expected = int(reserved.get(aggregate_id, 0))
                duplicated += int(sold > expected)
                lost += int(sold < expected)
    return Audit(len(rows), lost, stale, duplicated, held)


async def converge(
    engine: AsyncEngine, index: SearchIndex, since: float, timeout: float,
    parked_apart: bool = True,
) -> tuple[Audit, float | None]:
    """Look until the index matches the store, or `timeout` seconds after `since` (a
    time.monotonic() reading): the last audit, and how long after `since` it first matched
    (None if it never did). With `parked_apart` false, a parked event is a mismatch too."""
    while True:
        found = await audit(engine, index)
        elapsed = time.monotonic() - since
        if found.matches and (parked_apart or not found.parked):
            return found, elapsed
        if elapsed > timeout:
            return found, None
        await asyncio.sleep(POLL)
