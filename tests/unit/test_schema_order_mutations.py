"""The Order mutations through the real schema with a fake dispatcher: the command each builds,
and each member of their result unions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from read.freshness.consistency import ConsistencyToken
from tests.unit.test_schema_mutations import FakeDispatcher, run
from write import command_errors as errors
from write.command_results import CommandResult, OrderPlacedResult
from write.messages import Command
from write.orders.order_commands import CancelOrder, PlaceOrder, RequestedLine, ShipOrder

ORDER = "00000000-0000-4000-8000-000000000009"
USER = "00000000-0000-4000-8000-000000000001"
PEN = "00000000-0000-4000-8000-000000000002"
INK = "00000000-0000-4000-8000-000000000003"

ERRORS = """
  ... on Error { message }
  ... on InvalidInput { fieldErrors { field message } }
  ... on NotFound { id }
  ... on VersionConflict { id expectedVersion actualVersion }"""
REFUSED = ERRORS + "\n  ... on InvalidTransition { id }"

PLACE = f"""mutation {{ placeOrder(input: {{userId: "{USER}", lines: [
  {{productId: "{PEN}", quantity: 2}}, {{productId: "{INK}", quantity: 1}}]}}) {{
  __typename
  ... on OrderPlaced {{ id version consistencyToken total }}
  ... on UserInactive {{ userId }}
  ... on ProductUnavailable {{ productId }}
  ... on InsufficientStock {{ productId requested available }} {ERRORS} }} }}"""

CANCEL = f"""mutation {{ cancelOrder(input: {{id: "{ORDER}", expectedVersion: 1}}) {{
  __typename ... on OrderCancelled {{ id version consistencyToken }} {REFUSED} }} }}"""

SHIP = f"""mutation {{ shipOrder(input: {{id: "{ORDER}"}}) {{
  __typename ... on OrderShipped {{ id version consistencyToken }} {REFUSED} }} }}"""


async def test_placing_an_order_sends_the_lines_in_order_and_returns_the_total() -> None:
    dispatcher = FakeDispatcher(OrderPlacedResult("Order", ORDER, 1, 42, Decimal("27.50")))

    payload = (await run(dispatcher, PLACE))["placeOrder"]

    assert dispatcher.received == [
        PlaceOrder(
            USER, (RequestedLine(PEN, 2), RequestedLine(INK, 1))
        )
    ]
    assert payload["__typename"] == "OrderPlaced"
    assert (payload["id"], payload["version"], payload["total"]) == (ORDER, 1, "27.50")
    assert ConsistencyToken.decode(payload["consistencyToken"]) == ConsistencyToken(
        "order", ORDER, 1, 42
    )


@pytest.mark.parametrize(
    ("query", "field", "command", "typename"),
    [
        (CANCEL, "cancelOrder", CancelOrder(ORDER, 1), "OrderCancelled"),
        (SHIP, "shipOrder", ShipOrder(ORDER, None), "OrderShipped"),
    ],
)
async def test_cancelling_and_shipping_return_the_orders_new_version(
    query: str, field: str, command: Command, typename: str
) -> None:
    dispatcher = FakeDispatcher(CommandResult("Order", ORDER, 2, 50))

    payload = (await run(dispatcher, query))[field]

    assert dispatcher.received == [command]
    assert (payload["__typename"], payload["id"], payload["version"]) == (typename, ORDER, 2)
    assert ConsistencyToken.decode(payload["consistencyToken"]) == ConsistencyToken(
        "order", ORDER, 2, 50
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.UserInactive(USER), {"__typename": "UserInactive", "userId": USER}),
        (errors.ProductUnavailable(INK), {"__typename": "ProductUnavailable", "productId": INK}),
        (errors.InsufficientStock(PEN, 2, 1),
         {"__typename": "InsufficientStock", "productId": PEN, "requested": 2, "available": 1}),
        (errors.NotFound("Product", PEN), {"__typename": "NotFound", "id": PEN}),
        (errors.InvalidInput({"quantity": "line 1: too many"}),
         {"__typename": "InvalidInput",
          "fieldErrors": [{"field": "quantity", "message": "line 1: too many"}]}),
        (errors.ConcurrentUpdate(PEN, 3),
         {"__typename": "VersionConflict", "id": PEN, "expectedVersion": 3,
          "actualVersion": None}),
    ],
)
async def test_each_refusal_of_an_order_becomes_its_union_member(
    error: errors.DomainError, expected: dict[str, Any]
) -> None:
    payload = (await run(FakeDispatcher(error), PLACE))["placeOrder"]
    assert {k: payload[k] for k in expected} == expected
    assert payload["message"] == error.message


@pytest.mark.parametrize(("query", "field"), [(CANCEL, "cancelOrder"), (SHIP, "shipOrder")])
@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.NotFound("Order", ORDER), {"__typename": "NotFound", "id": ORDER}),
        (errors.VersionConflict(ORDER, 1, 2),
         {"__typename": "VersionConflict", "id": ORDER, "expectedVersion": 1,
          "actualVersion": 2}),
        (errors.InvalidTransition(ORDER, "Cannot ship an order that is cancelled."),
         {"__typename": "InvalidTransition", "id": ORDER}),
        (errors.InvalidInput({"expected_version": "must be 1 or more"}),
         {"__typename": "InvalidInput",
          "fieldErrors": [{"field": "expectedVersion", "message": "must be 1 or more"}]}),
    ],
)
async def test_each_refusal_of_a_cancel_or_ship_becomes_its_union_member(
    query: str, field: str, error: errors.DomainError, expected: dict[str, Any]
) -> None:
    payload = (await run(FakeDispatcher(error), query))[field]
    assert {k: payload[k] for k in expected} == expected
    assert payload["message"] == error.message
