"""Projections are pure functions from (document, event) to document."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from read.events import MalformedEvent, parse
from read.projections import PROJECTIONS, ProjectionGap

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def envelope(type_: str, payload: dict[str, Any], version: int = 1, **extra: Any) -> dict[str, Any]:
    aggregate = "User" if type_.startswith("User") else "Product"
    return {
        "position": version,
        "event_id": str(uuid.uuid4()),
        "type": type_,
        "schema_version": 1,
        "aggregate_type": aggregate,
        "aggregate_id": "00000000-0000-4000-8000-000000000001",
        "aggregate_version": version,
        "occurred_at": AT.isoformat(),
        "payload": payload,
    } | extra


def apply(*envelopes: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] | None = None
    for raw in envelopes:
        event = parse(raw)
        body = PROJECTIONS[event.type](body, event)
    assert body is not None
    return body


def test_a_registered_user_becomes_a_searchable_document() -> None:
    body = apply(envelope("UserRegistered", {"name": "Ada", "email": "Ada@Example.com"}))
    assert body == {
        "id": "00000000-0000-4000-8000-000000000001",
        "name": "Ada",
        "name_key": "ada",
        "email": "Ada@Example.com",
        "email_key": "ada@example.com",
        "status": "active",
        "registered_at": AT.isoformat(),
        "registered_ms": int(AT.timestamp() * 1000),
    }


def test_user_changes_update_only_their_fields() -> None:
    body = apply(
        envelope("UserRegistered", {"name": "Ada", "email": "ada@example.com"}),
        envelope("UserEmailChanged", {"email": "countess@example.com"}, version=2),
        envelope("UserRenamed", {"name": "Countess Lovelace"}, version=3),
        envelope("UserDeactivated", {}, version=4),
    )
    assert (body["name"], body["name_key"], body["email"], body["status"]) == (
        "Countess Lovelace",
        "countess lovelace",
        "countess@example.com",
        "deactivated",
    )


def test_product_prices_are_kept_exact_and_indexed_in_cents() -> None:
    added = {"sku": "KB-1", "name": "Keyboard", "description": "Clicky", "category": "input",
             "price": "89.90", "stock": 3}
    body = apply(
        envelope("ProductAdded", added),
        envelope("ProductPriceChanged", {"price": "79.99"}, version=2),
        envelope("ProductRestocked", {"quantity": 7, "stock": 10}, version=3),
        envelope("ProductDescribed", {"name": "Keyboard II", "description": "Quiet",
                                      "category": "keyboards"}, version=4),
        envelope("ProductDiscontinued", {}, version=5),
    )
    assert (body["price"], body["price_cents"], body["stock"]) == ("79.99", 7999, 10)
    assert (body["name"], body["description"], body["category"]) == (
        "Keyboard II", "Quiet", "keyboards"
    )
    assert body["status"] == "discontinued"


def test_a_change_to_a_document_that_was_never_created_is_a_gap() -> None:
    event = parse(envelope("UserRenamed", {"name": "Nobody"}, version=2))
    with pytest.raises(ProjectionGap):
        PROJECTIONS[event.type](None, event)


@pytest.mark.parametrize("missing", ["position", "aggregate_id", "occurred_at", "payload"])
def test_an_envelope_missing_a_contract_field_is_rejected(missing: str) -> None:
    raw = envelope("UserRegistered", {"name": "Ada", "email": "a@b.co"})
    del raw[missing]
    with pytest.raises(MalformedEvent):
        parse(raw)
