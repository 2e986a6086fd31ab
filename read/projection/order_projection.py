"""How Order events shape order documents, the per-category sale documents, and the customer's
user document (order count, total spent, and the orders that follow the customer's details).

Each target document applies each event once, on its own: after a partly refused batch, the
documents already written skip the event and the others still apply it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from read.event_envelope import EventMessage
from read.projection.order_documents import ORDER, ORDER_SPEC, SALE, SALE_SPEC
from read.projection.projection_kinds import ProjectionKind
from read.projection.projection_values import buckets, cents, money, ms
from read.projection.user_documents import USER
from read.projection.user_projection import sync_customer
from read.projection.workspace import Key, Workspace


def sale_id(order_id: str, category: str) -> str:
    return f"{order_id}:{category}"


def targets(e: EventMessage) -> Iterable[Key]:
    """The documents an OrderPlaced will read, to fetch them in one go."""
    yield ORDER, e.aggregate_id
    yield USER, str(e.payload["user_id"])
    for category in {str(line["category"]) for line in e.payload["lines"]}:
        yield SALE, sale_id(e.aggregate_id, category)


async def order_placed(e: EventMessage, ws: Workspace) -> None:
    p = e.payload
    user_id = str(p["user_id"])
    order = await ws.draft(ORDER, e.aggregate_id)
    user = await ws.draft(USER, user_id)
    user_body = user.require("User", user_id)
    if order.accepts(e):
        created = order.create(_order_document(e))
        created["sources"][f"User/{user_id}"] = int(p["customer_version"])
        order.applied(e)
    for category, (revenue, units) in _by_category(p["lines"]).items():
        sale = await ws.draft(SALE, sale_id(e.aggregate_id, category))
        if sale.accepts(e):
            sale.create({
                "id": sale.id, "version": e.aggregate_version, "order_id": e.aggregate_id,
                "category": category, "status": "placed", "placed_ms": ms(e),
                "revenue_cents": revenue, "units": units, **buckets(e.occurred_at),
            })
            sale.applied(e)
    if user.accepts(e):
        user_body["order_count"] += 1
        _spend(user_body, cents(p["total"]))
        user_body["order_ids"].append(e.aggregate_id)
        user.applied(e)
    sync_customer(order, user)


async def order_cancelled(e: EventMessage, ws: Workspace) -> None:
    await _status(e, ws, "cancelled")


async def order_shipped(e: EventMessage, ws: Workspace) -> None:
    await _status(e, ws, "shipped")


async def _status(e: EventMessage, ws: Workspace, status: str) -> None:
    order = await ws.draft(ORDER, e.aggregate_id)
    body = order.require(e.aggregate_type, e.aggregate_id)
    if order.accepts(e):
        body.update(status=status, version=e.aggregate_version)
        order.applied(e)
    for category in {str(line["category"]) for line in body["lines"]}:
        sale = await ws.draft(SALE, sale_id(e.aggregate_id, category))
        if sale.accepts(e):
            sale.require(e.aggregate_type, e.aggregate_id).update(
                status=status, version=e.aggregate_version
            )
            sale.applied(e)
    user = await ws.draft(USER, str(body["user_id"]))
    user_body = user.require("User", str(body["user_id"]))
    if user.accepts(e):
        if status == "cancelled":  # a cancelled order neither counts nor was spent
            user_body["order_count"] -= 1
            _spend(user_body, -int(body["total_cents"]))
        user.applied(e)


def _order_document(e: EventMessage) -> dict[str, Any]:
    p = e.payload
    lines = [dict(line) for line in p["lines"]]
    return {
        "id": e.aggregate_id,
        "version": e.aggregate_version,
        "status": "placed",
        "user_id": str(p["user_id"]),
        "customer_name": str(p["customer_name"]),
        "customer_email": str(p["customer_email"]),
        "placed_at": e.occurred_at.isoformat(),
        "placed_ms": ms(e),
        "total": str(p["total"]),
        "total_cents": cents(p["total"]),
        "units": int(p["units"]),
        "lines": lines,
        "product_text": " ".join(str(line["name"]) for line in lines),
        "sku_text": " ".join(str(line["sku"]) for line in lines),
        **buckets(e.occurred_at),
    }


def _by_category(lines: Iterable[Any]) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        totals[str(line["category"])][0] += cents(line["line_total"])
        totals[str(line["category"])][1] += int(line["quantity"])
    return {category: (revenue, units) for category, (revenue, units) in totals.items()}


def _spend(user: dict[str, Any], amount_cents: int) -> None:
    user["spent_cents"] += amount_cents
    user["total_spent"] = money(user["spent_cents"])


PROJECTION = ProjectionKind(
    "Order",
    ORDER,
    specs=(ORDER_SPEC, SALE_SPEC),
    projections={
        "OrderPlaced": order_placed,
        "OrderCancelled": order_cancelled,
        "OrderShipped": order_shipped,
    },
    targets={"OrderPlaced": targets},
)
