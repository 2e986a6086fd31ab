"""How Product events shape product documents (stock moves with reservations and releases)."""

from __future__ import annotations

from read.documents import PRODUCT
from read.event_envelope import EventMessage
from read.projection.projection_values import cents, ms
from read.projection.workspace import Workspace


async def product_added(e: EventMessage, ws: Workspace) -> None:
    product = await ws.draft(PRODUCT, e.aggregate_id)
    if not product.accepts(e):
        return
    p = e.payload
    product.create({
        "id": e.aggregate_id,
        "version": e.aggregate_version,
        "sku": str(p["sku"]),
        "sku_text": str(p["sku"]),
        "name": str(p["name"]),
        "name_key": str(p["name"]).lower(),
        "description": str(p["description"]),
        "category": str(p["category"]),
        "price": str(p["price"]),
        "price_cents": cents(p["price"]),
        "stock": int(p["stock"]),
        "sold": 0,
        "status": "active",
        "added_at": e.occurred_at.isoformat(),
        "added_ms": ms(e),
    })
    product.applied(e)


async def product_price_changed(e: EventMessage, ws: Workspace) -> None:
    price = str(e.payload["price"])
    await _change(e, ws, {"price": price, "price_cents": cents(price)})


async def product_restocked(e: EventMessage, ws: Workspace) -> None:
    await _change(e, ws, {"stock": int(e.payload["stock"])})


async def product_described(e: EventMessage, ws: Workspace) -> None:
    p = e.payload
    await _change(e, ws, {
        "name": str(p["name"]),
        "name_key": str(p["name"]).lower(),
        "description": str(p["description"]),
        "category": str(p["category"]),
    })


async def product_discontinued(e: EventMessage, ws: Workspace) -> None:
    await _change(e, ws, {"status": "discontinued"})


async def product_stock_reserved(e: EventMessage, ws: Workspace) -> None:
    await _change(e, ws, {"stock": int(e.payload["stock"])}, sold=int(e.payload["quantity"]))


async def product_stock_released(e: EventMessage, ws: Workspace) -> None:
    await _change(e, ws, {"stock": int(e.payload["stock"])}, sold=-int(e.payload["quantity"]))


async def _change(
    e: EventMessage, ws: Workspace, fields: dict[str, object], sold: int = 0
) -> None:
    product = await ws.draft(PRODUCT, e.aggregate_id)
    body = product.require(e.aggregate_type, e.aggregate_id)
    if not product.accepts(e):
        return
    body.update(fields, version=e.aggregate_version)
    body["sold"] = int(body.get("sold", 0)) + sold
    product.applied(e)
