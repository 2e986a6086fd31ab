"""Projections: how each event changes the document of its aggregate.

A projection is a pure function `(body or None, event) -> body`. `project` applies a batch of
events to the index idempotently: an event whose aggregate version is not newer than the stored
document's is skipped, so re-delivery and replaying the whole log change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from read.events import KIND_OF_AGGREGATE, EventMessage
from read.index import JSON, Checkpoint, SearchIndex, Upsert, WriteResult

log = logging.getLogger(__name__)

CHECKPOINT = "projector"
Projection = Callable[[JSON | None, EventMessage], JSON]


def _ms(event: EventMessage) -> int:
    return int(event.occurred_at.timestamp() * 1000)


def _cents(price: Any) -> int:
    return int(Decimal(str(price)).scaleb(2))


def _existing(body: JSON | None, event: EventMessage) -> JSON:
    if body is None:
        raise ProjectionGap(event)
    return dict(body)


def user_registered(_: JSON | None, e: EventMessage) -> JSON:
    name, email = str(e.payload["name"]), str(e.payload["email"])
    return {
        "id": e.aggregate_id,
        "name": name,
        "name_key": name.lower(),
        "email": email,
        "email_key": email.lower(),
        "status": "active",
        "registered_at": e.occurred_at.isoformat(),
        "registered_ms": _ms(e),
    }


def user_email_changed(body: JSON | None, e: EventMessage) -> JSON:
    email = str(e.payload["email"])
    return _existing(body, e) | {"email": email, "email_key": email.lower()}


def user_renamed(body: JSON | None, e: EventMessage) -> JSON:
    name = str(e.payload["name"])
    return _existing(body, e) | {"name": name, "name_key": name.lower()}


def user_deactivated(body: JSON | None, e: EventMessage) -> JSON:
    return _existing(body, e) | {"status": "deactivated"}


def product_added(_: JSON | None, e: EventMessage) -> JSON:
    p = e.payload
    return {
        "id": e.aggregate_id,
        "sku": str(p["sku"]),
        "sku_text": str(p["sku"]),
        "name": str(p["name"]),
        "name_key": str(p["name"]).lower(),
        "description": str(p["description"]),
        "category": str(p["category"]),
        "price": str(p["price"]),
        "price_cents": _cents(p["price"]),
        "stock": int(p["stock"]),
        "status": "active",
        "added_at": e.occurred_at.isoformat(),
        "added_ms": _ms(e),
    }


def product_price_changed(body: JSON | None, e: EventMessage) -> JSON:
    price = str(e.payload["price"])
    return _existing(body, e) | {"price": price, "price_cents": _cents(price)}


def product_restocked(body: JSON | None, e: EventMessage) -> JSON:
    return _existing(body, e) | {"stock": int(e.payload["stock"])}


def product_described(body: JSON | None, e: EventMessage) -> JSON:
    p = e.payload
    name = str(p["name"])
    return _existing(body, e) | {
        "name": name,
        "name_key": name.lower(),
        "description": str(p["description"]),
        "category": str(p["category"]),
    }


def product_discontinued(body: JSON | None, e: EventMessage) -> JSON:
    return _existing(body, e) | {"status": "discontinued"}


PROJECTIONS: dict[str, Projection] = {
    "UserRegistered": user_registered,
    "UserEmailChanged": user_email_changed,
    "UserRenamed": user_renamed,
    "UserDeactivated": user_deactivated,
    "ProductAdded": product_added,
    "ProductPriceChanged": product_price_changed,
    "ProductRestocked": product_restocked,
    "ProductDescribed": product_described,
    "ProductDiscontinued": product_discontinued,
}


class ProjectionGap(RuntimeError):
    """An event arrived before an earlier event of its aggregate: one is missing or late."""

    def __init__(self, event: EventMessage, indexed_version: int = 0) -> None:
        self.event = event
        self.indexed_version = indexed_version
        super().__init__(
            f"{event.type} v{event.aggregate_version} of {event.aggregate_type} "
            f"{event.aggregate_id} arrived while the index holds v{indexed_version}"
        )


async def project(index: SearchIndex, events: Sequence[EventMessage]) -> WriteResult:
    """Apply a batch of events (in log order) to the index, and record the checkpoint."""
    if not events:
        return WriteResult(applied=0, stale=0)
    checkpoint = Checkpoint(CHECKPOINT, max(e.position for e in events))
    unknown = [e for e in events if e.aggregate_type not in KIND_OF_AGGREGATE]
    for event in unknown:
        log.warning("no document kind for aggregate type %s; skipped", event.aggregate_type)
    events = [e for e in events if e.aggregate_type in KIND_OF_AGGREGATE]
    keys = {(KIND_OF_AGGREGATE[e.aggregate_type], e.aggregate_id) for e in events}
    state: dict[tuple[str, str], tuple[int, JSON | None]] = {}
    for kind in {k for k, _ in keys}:
        ids = [i for k, i in keys if k == kind]
        found = await index.get_many(kind, ids)
        for id_ in ids:
            doc = found.get(id_)
            version = doc.version if doc else (await index.version_of(kind, id_) or 0)
            state[(kind, id_)] = (version, doc.body if doc else None)
    changed: set[tuple[str, str]] = set()
    skipped = 0
    for event in events:
        key = (KIND_OF_AGGREGATE[event.aggregate_type], event.aggregate_id)
        version, body = state[key]
        projection = PROJECTIONS.get(event.type)
        if event.aggregate_version <= version or projection is None:
            skipped += 1
            if projection is None:
                log.warning("no projection for event type %s; skipped", event.type)
            continue
        if event.aggregate_version != version + 1:
            # Applying it would skip a change for good: refuse, so the batch is delivered again.
            raise ProjectionGap(event, version)
        state[key] = (event.aggregate_version, projection(body, event))
        changed.add(key)
    writes = [
        Upsert(kind, id_, state[(kind, id_)][0], state[(kind, id_)][1] or {})
        for kind, id_ in sorted(changed)
    ]
    result = await index.write(writes, checkpoint=checkpoint)
    return WriteResult(applied=result.applied, stale=result.stale + skipped + len(unknown))
