"""How Supplier events shape supplier documents, and the products that show the supplier's name.

A product names its supplier with ProductSupplierAssigned (product_projection.py); whichever of
the two documents is projected first, `sync_supplier` makes them agree, as orders follow their
customer (user_projection.py).
"""

from __future__ import annotations

from read.event_envelope import EventMessage
from read.projection.product_documents import PRODUCT
from read.projection.projection_kinds import ProjectionKind
from read.projection.projection_values import ms
from read.projection.supplier_documents import SUPPLIER, SUPPLIER_SPEC
from read.projection.workspace import Draft, Workspace


async def supplier_added(e: EventMessage, ws: Workspace) -> None:
    supplier = await ws.draft(SUPPLIER, e.aggregate_id)
    if not supplier.accepts(e):
        return
    name = str(e.payload["name"])
    supplier.create({
        "id": e.aggregate_id,
        "version": e.aggregate_version,
        "name": name,
        "name_key": name.lower(),
        "email": str(e.payload["email"]),
        "added_at": e.occurred_at.isoformat(),
        "added_ms": ms(e),
        "product_count": 0,
        "products": {},
    })
    supplier.applied(e)


async def supplier_renamed(e: EventMessage, ws: Workspace) -> None:
    supplier = await ws.draft(SUPPLIER, e.aggregate_id)
    body = supplier.require(e.aggregate_type, e.aggregate_id)
    if supplier.accepts(e):
        name = str(e.payload["name"])
        body.update(name=name, name_key=name.lower(), version=e.aggregate_version)
        supplier.applied(e)
    # Even when this event was applied before: a product linked since may still show the old name.
    product_ids = [id for id, version in body["products"].items() if version > 0]
    await ws.prefetch((PRODUCT, product_id) for product_id in product_ids)
    for product_id in product_ids:
        sync_supplier(await ws.draft(PRODUCT, product_id), supplier)


def sync_supplier(product: Draft, supplier: Draft) -> None:
    """Give the product its supplier's current name, if the supplier document is newer than what
    the product shows and the product still names that supplier."""
    if product.body is None or supplier.body is None:
        return
    if product.body.get("supplier_id") != supplier.id:
        return
    source = f"Supplier/{supplier.id}"
    if supplier.body["version"] > product.seen(source):
        product.body["supplier_name"] = supplier.body["name"]
        product.body["sources"][source] = supplier.body["version"]
        product.changed = True


PROJECTION = ProjectionKind(
    "Supplier",
    SUPPLIER,
    specs=(SUPPLIER_SPEC,),
    projections={"SupplierAdded": supplier_added, "SupplierRenamed": supplier_renamed},
)
