"""Projections: how events become documents.

`project` applies a batch of events (in log order) to the index. Each event type has one
projection (an async function of the event and the batch's `Workspace`) that may touch documents
of several kinds; see users_projection.py, products_projection.py and orders_projection.py.
A document applies only the next version of each aggregate it reflects, so re-delivery and
replaying the whole log change nothing, and documents fed by several aggregates stay right when
their events arrive from different shards in any interleaving. Writes are compare-and-set: a
document some other projector changed meanwhile is re-read, and the batch applied again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from read.event_envelope import KIND_OF_AGGREGATE, EventMessage
from read.freshness.visibility_feed import Change
from read.index import Checkpoint, SearchIndex
from read.projection import order_projection as orders
from read.projection import product_projection as products
from read.projection import user_projection as users
from read.projection.workspace import Key, ProjectionGap, Workspace

log = logging.getLogger(__name__)

CHECKPOINT = "projector"
ATTEMPTS = 20  # compare-and-set rounds before a batch is given back to be delivered again
Projection = Callable[[EventMessage, Workspace], Awaitable[None]]

PROJECTIONS: dict[str, Projection] = {
    "UserRegistered": users.user_registered,
    "UserEmailChanged": users.user_email_changed,
    "UserRenamed": users.user_renamed,
    "UserDeactivated": users.user_deactivated,
    "ProductAdded": products.product_added,
    "ProductPriceChanged": products.product_price_changed,
    "ProductRestocked": products.product_restocked,
    "ProductDescribed": products.product_described,
    "ProductDiscontinued": products.product_discontinued,
    "ProductStockReserved": products.product_stock_reserved,
    "ProductStockReleased": products.product_stock_released,
    "OrderPlaced": orders.order_placed,
    "OrderCancelled": orders.order_cancelled,
    "OrderShipped": orders.order_shipped,
}

__all__ = ["CHECKPOINT", "PROJECTIONS", "ProjectionGap", "project"]


@dataclass(frozen=True)
class Projected:
    applied: int  # documents written; 0 when every event was already reflected
    changes: tuple[Change, ...] = ()  # what became visible, for the visibility feed


class ProjectionConflict(RuntimeError):
    """Other writers kept changing the batch's documents; the batch is delivered again later."""


async def project(index: SearchIndex, events: Sequence[EventMessage]) -> Projected:
    """Apply a batch of events (in log order) to the index, and record the checkpoint.

    Raises ProjectionGap when an event needs an earlier one that is missing; nothing is written
    then. The caller fills the gap from the event log, or has the batch delivered again."""
    if not events:
        return Projected(applied=0)
    checkpoint = Checkpoint(CHECKPOINT, max(e.position for e in events))
    known = [e for e in events if e.type in PROJECTIONS]
    for event in events:
        if event.type not in PROJECTIONS:
            log.warning("no projection for event type %s; skipped", event.type)
    suspects: set[Key] = set()
    for attempt in range(ATTEMPTS):
        workspace = Workspace(index, suspects)
        await workspace.prefetch(_targets(known))
        for event in known:
            await PROJECTIONS[event.type](event, workspace)
        writes = workspace.writes()
        result = await index.write(writes, checkpoint=checkpoint)
        if not result.rejected:
            changes = tuple(Change(w.kind, w.id, int(w.body["version"])) for w in writes)
            return Projected(len(writes), changes)
        suspects |= set(result.rejected)
        log.debug("%d documents changed under us; applying the batch again", len(result.rejected))
        await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    raise ProjectionConflict(f"{len(suspects)} documents kept changing under this batch")


def _targets(events: Iterable[EventMessage]) -> Iterable[Key]:
    for event in events:
        kind = KIND_OF_AGGREGATE.get(event.aggregate_type)
        if kind is not None:
            yield kind, event.aggregate_id
        if event.type == "OrderPlaced":
            yield from orders.targets(event)
