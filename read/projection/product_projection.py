"""How Product events shape product documents (stock moves with reservations and releases)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from read.event_envelope import EventMessage
from read.projection.product_documents import PRODUCT, PRODUCT_SPEC
from read.projection.projection_kinds import ProjectionKind
from read.projection.projection_values import cents, ms
from read.projection.supplier_documents import SUPPLIER
from read.projection.supplier_projection import sync_supplier
from read.projection.workspace import Draft, Key, Workspace


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
        "supplier_id": None,
        "supplier_name": None,
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


def supplier_targets(e: EventMessage) -> Iterable[Key]:
    """The supplier documents a ProductSupplierAssigned changes: the new one and the previous."""
    yield SUPPLIER, str(e.payload["supplier_id"])
    if e.payload["previous_supplier_id"] is not None:
        yield SUPPLIER, str(e.payload["previous_supplier_id"])


async def product_supplier_assigned(e: EventMessage, ws: Workspace) -> None:
    """The product names its supplier as it was then; the supplier document lists the product, and
    the previous supplier's no longer does. Each document applies the event once, on its own."""
    p = e.payload
    supplier_id = str(p["supplier_id"])
    product = await ws.draft(PRODUCT, e.aggregate_id)
    body = product.require(e.aggregate_type, e.aggregate_id)
    if product.accepts(e):
        body.update(supplier_id=supplier_id, supplier_name=str(p["supplier_name"]))
        body["version"] = e.aggregate_version
        source = f"Supplier/{supplier_id}"
        # The name is the one of this version (sync_supplier brings a newer one): a version seen
        # while the product named this supplier before says nothing of the name it shows now.
        body["sources"][source] = int(p["supplier_version"])
        product.applied(e)
    supplier = await ws.draft(SUPPLIER, supplier_id)
    _follow(supplier.require("Supplier", supplier_id), supplier, e, follows=True)
    if p["previous_supplier_id"] is not None:
        previous_id = str(p["previous_supplier_id"])
        previous = await ws.draft(SUPPLIER, previous_id)
        _follow(previous.require("Supplier", previous_id), previous, e, follows=False)
    sync_supplier(product, supplier)


def _follow(body: dict[str, Any], supplier: Draft, e: EventMessage, follows: bool) -> None:
    """Add the product to (or drop it from) the supplier's products, unless this supplier
    document already reflects this or a later assignment of the product. A dropped product stays
    as its negated version, so a late copy of its older assignment cannot bring it back."""
    products: dict[str, int] = body["products"]
    if abs(products.get(e.aggregate_id, 0)) >= e.aggregate_version:
        return
    products[e.aggregate_id] = e.aggregate_version if follows else -e.aggregate_version
    body["product_count"] = sum(1 for version in products.values() if version > 0)
    supplier.changed = True


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


PROJECTION = ProjectionKind(
    "Product",
    PRODUCT,
    specs=(PRODUCT_SPEC,),
    projections={
        "ProductAdded": product_added,
        "ProductPriceChanged": product_price_changed,
        "ProductRestocked": product_restocked,
        "ProductDescribed": product_described,
        "ProductDiscontinued": product_discontinued,
        "ProductStockReserved": product_stock_reserved,
        "ProductStockReleased": product_stock_released,
        "ProductSupplierAssigned": product_supplier_assigned,
    },
    targets={"ProductSupplierAssigned": supplier_targets},
)
