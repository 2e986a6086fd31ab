"""Mutations are thin adapters: they build the command and report the outcome as a union member.

These run the real schema with `schema.execute` against a fake dispatcher (the same `Dispatcher`
protocol the real one implements), so no database is involved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from read.freshness.consistency import ConsistencyToken
from read.freshness.visibility_feed import VisibilityFeed
from schema.access.authentication import Principal, Role
from schema.app import build_schema
from schema.context import Context, Services
from write import command_errors as errors
from write.command_results import CommandResult
from write.messages import Command
from write.products.product_commands import AddProduct

ID = "00000000-0000-4000-8000-000000000009"
# These tests are about outcomes; tests/unit/test_schema_rules.py is about roles.
OPERATOR = Principal(Role.ADMIN)


class FakeDispatcher:
    def __init__(self, outcome: CommandResult | Exception) -> None:
        self.outcome = outcome
        self.received: list[Command] = []

    async def __call__(self, command: Command) -> CommandResult:
        self.received.append(command)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


async def run(dispatcher: FakeDispatcher, query: str) -> dict[str, Any]:
    services = Services(dispatch=dispatcher, index=None, feed=VisibilityFeed(),  # type: ignore[arg-type]
                        consistency_timeout=1)
    context = Context(services=services, principal=OPERATOR)
    result = await build_schema().execute(query, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


ADD = """mutation { addProduct(input: {sku: "kb-1", name: "Keyboard", category: "input",
  price: "89.90", stock: 3}) {
  __typename
  ... on ProductAdded { id version consistencyToken }
  ... on Error { message }
  ... on InvalidInput { fieldErrors { field message } }
  ... on SkuTaken { sku } } }"""

CHANGE = f"""mutation {{
  changeUserEmail(input: {{id: "{ID}", email: "a@b.co", expectedVersion: 2}}) {{
  __typename
  ... on Error {{ message }}
  ... on VersionConflict {{ id expectedVersion actualVersion }}
  ... on NotFound {{ id }}
  ... on InvalidTransition {{ id }} }} }}"""


async def test_a_mutation_dispatches_its_command_and_returns_a_token_for_the_write() -> None:
    dispatcher = FakeDispatcher(CommandResult("Product", ID, 1, 17))

    data = await run(dispatcher, ADD)

    assert dispatcher.received == [
        AddProduct("kb-1", "Keyboard", "", "input", Decimal("89.90"), 3)
    ]
    payload = data["addProduct"]
    assert (payload["__typename"], payload["id"], payload["version"]) == ("ProductAdded", ID, 1)
    assert ConsistencyToken.decode(payload["consistencyToken"]) == ConsistencyToken(
        "product", ID, 1, 17
    )


async def test_invalid_input_lists_each_bad_field_by_its_graphql_name() -> None:
    invalid = errors.InvalidInput({"price": "must be > 0", "expected_version": "x"})
    dispatcher = FakeDispatcher(invalid)
    payload = (await run(dispatcher, ADD))["addProduct"]
    assert payload["__typename"] == "InvalidInput"
    assert payload["fieldErrors"] == [
        {"field": "price", "message": "must be > 0"},
        {"field": "expectedVersion", "message": "x"},
    ]


async def test_a_taken_sku_is_reported_as_sku_taken() -> None:
    payload = (await run(FakeDispatcher(errors.SkuTaken("KB-1")), ADD))["addProduct"]
    assert (payload["__typename"], payload["sku"]) == ("SkuTaken", "KB-1")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.VersionConflict(ID, 2, 5),
         {"__typename": "VersionConflict", "id": ID, "expectedVersion": 2, "actualVersion": 5}),
        (errors.NotFound("User", ID), {"__typename": "NotFound", "id": ID}),
        (errors.InvalidTransition(ID, "deactivated"),
         {"__typename": "InvalidTransition", "id": ID}),
    ],
)
async def test_each_domain_error_becomes_its_union_member(
    error: errors.DomainError, expected: dict[str, Any]
) -> None:
    payload = (await run(FakeDispatcher(error), CHANGE))["changeUserEmail"]
    assert {k: payload[k] for k in expected} == expected
    assert payload["message"] == error.message


async def test_an_unexpected_failure_is_masked_not_leaked() -> None:
    services = Services(dispatch=FakeDispatcher(RuntimeError("password=hunter2")),
                        index=None, feed=VisibilityFeed(), consistency_timeout=1)  # type: ignore[arg-type]
    context = Context(services=services, principal=OPERATOR)
    result = await build_schema().execute(ADD, context_value=context)
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Unexpected error."]
