"""Projections turn events into documents: per aggregate, across aggregates, idempotently.

Driven through `project` with an in-memory index that keeps the port's write semantics."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from read.event_envelope import MalformedEvent, parse
from read.projection.batches import CHECKPOINT, ProjectionGap, UnknownEventType, project
from read.projection.order_documents import ORDER, SALE
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from tests.unit.memory_index import MemoryIndex

AT = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
ADA, KB, MS, ORDER_ID = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4))
positions = itertools.count(1)


def event(aggregate: str, id_: str, version: int, type_: str, **payload: Any) -> dict[str, Any]:
    return {
        "position": next(positions), "event_id": str(uuid.uuid4()), "type": type_,
        "schema_version": 1, "aggregate_type": aggregate, "aggregate_id": id_,
        "aggregate_version": version, "occurred_at": AT.isoformat(), "payload": payload,
    }


def registered() -> dict[str, Any]:
    return event("User", ADA, 1, "UserRegistered", name="Ada", email="Ada@Example.com")


def added(id_: str, sku: str, category: str, price: str) -> dict[str, Any]:
    return event("Product", id_, 1, "ProductAdded", sku=sku, name=f"{sku} thing",
                 description="", category=category, price=price, stock=10)


def placed(customer_version: int = 1) -> list[dict[str, Any]]:
    lines = [
        {"product_id": KB, "sku": "KB-1", "name": "Keyboard", "category": "input",
         "unit_price": "89.90", "quantity": 1, "line_total": "89.90"},
        {"product_id": MS, "sku": "MS-1", "name": "Mouse", "category": "pointing",
         "unit_price": "25.00", "quantity": 2, "line_total": "50.00"},
    ]
    return [
        event("Order", ORDER_ID, 1, "OrderPlaced", user_id=ADA, customer_version=customer_version,
              customer_name="Ada", customer_email="Ada@Example.com", lines=lines,
              total="139.90", units=3),
        event("Product", KB, 2, "ProductStockReserved", order_id=ORDER_ID, quantity=1, stock=9),
        event("Product", MS, 2, "ProductStockReserved", order_id=ORDER_ID, quantity=2, stock=8),
    ]


async def run(index: MemoryIndex, *envelopes: dict[str, Any]) -> None:
    await project(index, [parse(e) for e in envelopes])


async def shop(index: MemoryIndex) -> None:
    await run(index, registered(), added(KB, "KB-1", "input", "89.90"),
              added(MS, "MS-1", "pointing", "25.00"), *placed())


async def test_a_registered_user_becomes_a_document_with_empty_order_statistics() -> None:
    index = MemoryIndex()
    await run(index, registered())
    body = index.body(USER, ADA)
    assert (body["name"], body["email"], body["email_key"], body["status"]) == (
        "Ada", "Ada@Example.com", "ada@example.com", "active")
    assert (body["version"], body["order_count"], body["total_spent"]) == (1, 0, "0.00")
    assert body["registered_ms"] == int(AT.timestamp() * 1000)


async def test_a_placed_order_denormalises_its_lines_customer_and_sales() -> None:
    index = MemoryIndex()
    await shop(index)
    order = index.body(ORDER, ORDER_ID)
    assert (order["status"], order["total"], order["total_cents"], order["units"]) == (
        "placed", "139.90", 13990, 3)
    assert (order["customer_name"], order["customer_email"]) == ("Ada", "Ada@Example.com")
    assert [line["sku"] for line in order["lines"]] == ["KB-1", "MS-1"]
    assert (order["product_text"], order["sku_text"]) == ("Keyboard Mouse", "KB-1 MS-1")
    assert (order["day"], order["week"], order["month"]) == ("2026-11-18", "2026-11-16", "2026-11")
    sales = {c: index.body(SALE, f"{ORDER_ID}:{c}") for c in ("input", "pointing")}
    assert {c: (s["revenue_cents"], s["units"]) for c, s in sales.items()} == {
        "input": (8990, 1), "pointing": (5000, 2)}
    user = index.body(USER, ADA)
    assert (user["order_count"], user["total_spent"], user["order_ids"]) == (
        1, "139.90", [ORDER_ID])
    assert (index.body(PRODUCT, KB)["stock"], index.body(PRODUCT, KB)["sold"]) == (9, 1)


async def test_a_cancelled_order_releases_stock_and_leaves_the_customers_totals() -> None:
    index = MemoryIndex()
    await shop(index)
    await run(index,
              event("Order", ORDER_ID, 2, "OrderCancelled"),
              event("Product", KB, 3, "ProductStockReleased", order_id=ORDER_ID, quantity=1,
                    stock=10))
    assert index.body(ORDER, ORDER_ID)["status"] == "cancelled"
    assert index.body(SALE, f"{ORDER_ID}:input")["status"] == "cancelled"
    user = index.body(USER, ADA)
    assert (user["order_count"], user["spent_cents"], user["total_spent"]) == (0, 0, "0.00")
    assert (index.body(PRODUCT, KB)["stock"], index.body(PRODUCT, KB)["sold"]) == (10, 0)


@pytest.mark.parametrize("email_first", [True, False], ids=["email-first", "order-first"])
async def test_orders_follow_their_customers_email_whichever_is_projected_first(
    email_first: bool,
) -> None:
    index = MemoryIndex()
    await run(index, registered(), added(KB, "KB-1", "input", "89.90"),
              added(MS, "MS-1", "pointing", "25.00"))
    changed = event("User", ADA, 2, "UserEmailChanged", email="countess@example.com")
    order = placed(customer_version=1)  # placed before the change, projected in either order
    for batch in ([changed], order) if email_first else (order, [changed]):
        await run(index, *batch)
    assert index.body(ORDER, ORDER_ID)["customer_email"] == "countess@example.com"


async def test_replaying_every_event_again_changes_no_document() -> None:
    index = MemoryIndex()
    history = [registered(), added(KB, "KB-1", "input", "89.90"),
               added(MS, "MS-1", "pointing", "25.00"), *placed(),
               event("User", ADA, 2, "UserRenamed", name="Countess"),
               event("Order", ORDER_ID, 2, "OrderShipped")]
    await run(index, *history)
    before = dict(index.documents)
    await run(index, *history)
    await run(index, *reversed(history))
    assert index.documents == before


async def test_a_document_changed_by_another_projector_meanwhile_is_reread_not_overwritten(
) -> None:
    index = MemoryIndex()
    await run(index, registered(), added(KB, "KB-1", "input", "89.90"),
              added(MS, "MS-1", "pointing", "25.00"))
    rename = event("User", ADA, 2, "UserRenamed", name="Countess")

    async def other_projector() -> None:  # writes the user document between our read and write
        await run(index, rename)

    index.before_write = other_projector
    await run(index, *placed())

    user = index.body(USER, ADA)
    assert (user["name"], user["order_count"]) == ("Countess", 1)
    assert index.body(ORDER, ORDER_ID)["customer_name"] == "Countess"


async def test_an_event_ahead_of_its_predecessor_is_a_gap_and_writes_nothing() -> None:
    index = MemoryIndex()
    await run(index, registered())
    with pytest.raises(ProjectionGap) as gap:
        await run(index, event("User", ADA, 3, "UserRenamed", name="Too soon"))
    assert (gap.value.aggregate_type, gap.value.aggregate_id, gap.value.seen) == ("User", ADA, 1)
    assert index.body(USER, ADA)["name"] == "Ada"


async def test_an_order_for_a_user_not_yet_projected_is_a_gap_on_that_user() -> None:
    index = MemoryIndex()
    await run(index, added(KB, "KB-1", "input", "89.90"), added(MS, "MS-1", "pointing", "25.00"))
    with pytest.raises(ProjectionGap) as gap:
        await run(index, *placed())
    assert (gap.value.aggregate_type, gap.value.aggregate_id) == ("User", ADA)


@pytest.mark.parametrize("missing", ["position", "aggregate_id", "occurred_at", "payload"])
def test_an_envelope_missing_a_contract_field_is_rejected(missing: str) -> None:
    raw = registered()
    del raw[missing]
    with pytest.raises(MalformedEvent):
        parse(raw)


async def test_an_event_of_a_type_no_projection_knows_stops_the_batch_and_writes_nothing() -> None:
    """A newer writer's event beside an older projector: never stepped over (the checkpoint
    would pass it and a replay would never see it again)."""
    index = MemoryIndex()
    await run(index, registered())
    checkpoint = await index.checkpoint(CHECKPOINT)
    newer = event("User", ADA, 2, "UserNicknamed", nickname="Ada")
    with pytest.raises(UnknownEventType, match="UserNicknamed"):
        await run(index, event("User", ADA, 2, "UserRenamed", name="Ada L."), newer)
    assert await index.checkpoint(CHECKPOINT) == checkpoint
    assert index.body(USER, ADA)["name"] == "Ada"
