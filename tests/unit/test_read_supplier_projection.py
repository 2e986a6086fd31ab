"""Suppliers and the products that name them: each document follows the other, in any order,
idempotently; a product that moves to another supplier leaves the first one for good."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from read.event_envelope import parse
from read.projection.batches import ProjectionGap, project
from read.projection.product_documents import PRODUCT
from read.projection.supplier_documents import SUPPLIER
from tests.unit.memory_index import MemoryIndex

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ACME, GLOBEX, KB = (str(uuid.UUID(int=n)) for n in (11, 12, 13))
positions = itertools.count(1)


def event(aggregate: str, id_: str, version: int, type_: str, **payload: Any) -> dict[str, Any]:
    return {
        "position": next(positions), "event_id": str(uuid.uuid4()), "type": type_,
        "schema_version": 1, "aggregate_type": aggregate, "aggregate_id": id_,
        "aggregate_version": version, "occurred_at": AT.isoformat(), "payload": payload,
    }


def supplier_added(id_: str, name: str) -> dict[str, Any]:
    return event("Supplier", id_, 1, "SupplierAdded", name=name, email=f"{name}@example.com")


def keyboard_added() -> dict[str, Any]:
    return event("Product", KB, 1, "ProductAdded", sku="KB-1", name="Keyboard",
                 description="", category="input", price="89.90", stock=10)


def assigned(version: int, supplier: str, name: str, previous: str | None,
             supplier_version: int = 1) -> dict[str, Any]:
    return event("Product", KB, version, "ProductSupplierAssigned", supplier_id=supplier,
                 supplier_version=supplier_version, supplier_name=name,
                 previous_supplier_id=previous)


async def run(index: MemoryIndex, *envelopes: dict[str, Any]) -> None:
    await project(index, [parse(e) for e in envelopes])


async def test_a_product_names_its_supplier_and_the_supplier_counts_it() -> None:
    index = MemoryIndex()
    await run(index, supplier_added(ACME, "Acme"), keyboard_added(),
              assigned(2, ACME, "Acme", None))
    product, supplier = index.body(PRODUCT, KB), index.body(SUPPLIER, ACME)
    assert (product["supplier_id"], product["supplier_name"], product["version"]) == (
        ACME, "Acme", 2)
    assert (supplier["name"], supplier["product_count"], supplier["products"]) == (
        "Acme", 1, {KB: 2})


@pytest.mark.parametrize("rename_first", [True, False])
async def test_products_follow_their_suppliers_name_whichever_is_projected_first(
    rename_first: bool,
) -> None:
    index = MemoryIndex()
    await run(index, supplier_added(ACME, "Acme"), keyboard_added())
    rename = event("Supplier", ACME, 2, "SupplierRenamed", name="Acme Corp")
    assign = assigned(2, ACME, "Acme", None)  # decided on the supplier's version 1
    for envelope in ([rename, assign] if rename_first else [assign, rename]):
        await run(index, envelope)
    assert index.body(PRODUCT, KB)["supplier_name"] == "Acme Corp"


async def test_a_product_that_moves_leaves_its_first_supplier_even_when_old_events_come_again(
) -> None:
    index = MemoryIndex()
    first, second = assigned(2, ACME, "Acme", None), assigned(3, GLOBEX, "Globex", ACME)
    await run(index, supplier_added(ACME, "Acme"), supplier_added(GLOBEX, "Globex"),
              keyboard_added(), first, second)
    await run(index, first)  # a late redelivery of the first assignment
    assert (index.body(SUPPLIER, ACME)["product_count"],
            index.body(SUPPLIER, GLOBEX)["product_count"]) == (0, 1)
    assert index.body(PRODUCT, KB)["supplier_id"] == GLOBEX
    renamed = event("Supplier", ACME, 2, "SupplierRenamed", name="Acme Corp")
    await run(index, renamed)  # the product no longer follows Acme
    assert index.body(PRODUCT, KB)["supplier_name"] == "Globex"


async def test_an_assignment_to_a_supplier_not_yet_projected_is_a_gap_on_that_supplier() -> None:
    index = MemoryIndex()
    await run(index, keyboard_added())
    with pytest.raises(ProjectionGap) as gap:
        await run(index, assigned(2, ACME, "Acme", None))
    assert (gap.value.aggregate_type, gap.value.aggregate_id) == ("Supplier", ACME)
    assert index.body(PRODUCT, KB)["supplier_id"] is None  # nothing was written


async def test_a_product_back_with_a_supplier_shows_its_newest_name_whatever_came_first() -> None:
    """The product names ACME, moves to GLOBEX, and back to ACME with ACME as it was at version 2;
    ACME's rename to version 3 was projected before the product came back."""
    index = MemoryIndex()
    await run(index, supplier_added(ACME, "Acme"), supplier_added(GLOBEX, "Globex"),
              keyboard_added(), assigned(2, ACME, "Acme", None),
              event("Supplier", ACME, 2, "SupplierRenamed", name="Acme 2"),
              event("Supplier", ACME, 3, "SupplierRenamed", name="Acme 3"),
              assigned(3, GLOBEX, "Globex", ACME))
    await run(index, assigned(4, ACME, "Acme 2", GLOBEX, supplier_version=2))
    assert index.body(PRODUCT, KB)["supplier_name"] == "Acme 3"
