"""The rules table, and the schema enforcing it: typed refusals that change nothing, documents
of others invisible as if they did not exist. The schema's fields, and the document kinds it
shows, come from the declarations of schema/*_operations.py (schema/graph_kinds.py)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLUnionType

from read.freshness.visibility_feed import VisibilityFeed
from read.index import Document, Upsert
from read.projection.projection_kinds import specs
from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.access.rules import COMMANDS, FIELDS, Verdict, may_ask, may_run, may_see
from schema.app import build_schema
from schema.context import Context, Services
from schema.graph_kinds import documents, merged, typed
from schema.order_types import Order
from schema.product_types import Product
from schema.supplier_types import Supplier
from schema.user_types import User
from tests.unit.memory_index import MemoryIndex
from tests.unit.test_schema_mutations import FakeDispatcher
from write.aggregate_kinds import routes
from write.command_results import CommandResult
from write.messages import Command
from write.orders.order_commands import CancelOrder, PlaceOrder, ShipOrder
from write.products.product_commands import RestockProduct
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser

ADA, BOB = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
CUSTOMER = Principal(Role.CUSTOMER, ADA)
ADMIN = Principal(Role.ADMIN)


def test_every_query_field_and_every_command_has_a_rule() -> None:
    schema = build_schema()._schema
    asked = set(schema.query_type.fields) | set(schema.subscription_type.fields)  # type: ignore[union-attr]
    operators = {"retryParkedEvents", "skipParkedEvent"}  # mutations that send no command
    assert operators <= set(schema.mutation_type.fields)  # type: ignore[union-attr]
    assert asked | operators == set(FIELDS)
    assert set(COMMANDS) == set(routes())  # every command some aggregate handles


def test_document_type_lists_the_kinds_that_have_a_graphql_type_and_no_other() -> None:
    assert documents() == {
        "user": User, "product": Product, "order": Order, "supplier": Supplier
    }
    types = build_schema()._schema.type_map
    enum, union = types["DocumentType"], types["Document"]
    assert isinstance(enum, GraphQLEnumType) and isinstance(union, GraphQLUnionType)
    assert set(enum.values) == {"USER", "PRODUCT", "ORDER", "SUPPLIER"}
    assert {member.name for member in union.types} == {"User", "Product", "Order", "Supplier"}
    assert set(documents()) <= set(specs())  # every kind shown is one some projection shapes


def test_a_document_of_a_kind_no_declaration_shows_is_an_error_never_an_order() -> None:
    with pytest.raises(KeyError, match="invoice"):
        typed(Document("invoice", "i-1", 1, {"version": 1}))


def test_a_root_field_declared_twice_is_an_error() -> None:
    @strawberry.type
    class One:
        ping: int = 1

    @strawberry.type
    class Other:
        ping: int = 2

    with pytest.raises(TypeError, match=r"Query\.ping is declared by both One and Other"):
        merged("Query", [One, None, Other])
    assert merged("Mutation", [None, None]) is None


@pytest.mark.parametrize(("principal", "field", "verdict"), [
    (ANONYMOUS, "products", Verdict.ALLOWED),
    (ANONYMOUS, "user", Verdict.UNAUTHENTICATED),
    (ANONYMOUS, "orders", Verdict.UNAUTHENTICATED),
    (CUSTOMER, "orders", Verdict.ALLOWED),
    (CUSTOMER, "users", Verdict.FORBIDDEN),
    (CUSTOMER, "projectionStatus", Verdict.FORBIDDEN),
    (CUSTOMER, "salesSummary", Verdict.FORBIDDEN),
    (ADMIN, "users", Verdict.ALLOWED),
])
def test_who_may_ask_for_what(principal: Principal, field: str, verdict: Verdict) -> None:
    assert may_ask(principal, field) is verdict


@pytest.mark.parametrize(("principal", "command", "verdict"), [
    (ANONYMOUS, RegisterUser("Ada", "ada@example.com"), Verdict.ALLOWED),
    (ANONYMOUS, RenameUser(ADA, "Ada"), Verdict.UNAUTHENTICATED),
    (CUSTOMER, RenameUser(ADA, "Ada"), Verdict.ALLOWED),
    (CUSTOMER, RenameUser(BOB, "Bob"), Verdict.FORBIDDEN),
    (CUSTOMER, ChangeUserEmail(BOB, "b@example.com"), Verdict.FORBIDDEN),
    (CUSTOMER, DeactivateUser(ADA), Verdict.FORBIDDEN),
    (CUSTOMER, PlaceOrder(ADA, ()), Verdict.ALLOWED),
    (CUSTOMER, PlaceOrder(BOB, ()), Verdict.FORBIDDEN),
    (CUSTOMER, CancelOrder("o-1"), Verdict.ALLOWED),  # whose order it is: the write side
    (CUSTOMER, ShipOrder("o-1"), Verdict.FORBIDDEN),
    (CUSTOMER, RestockProduct("p-1", 5), Verdict.FORBIDDEN),
    (ADMIN, PlaceOrder(BOB, ()), Verdict.ALLOWED),
    (ADMIN, ShipOrder("o-1"), Verdict.ALLOWED),
])
def test_who_may_send_which_command(
    principal: Principal, command: Command, verdict: Verdict
) -> None:
    assert may_run(principal, command) is verdict


def test_a_customer_sees_their_own_users_and_orders_and_every_product() -> None:
    assert may_see(CUSTOMER, "user", None, ADA) and not may_see(CUSTOMER, "user", None, BOB)
    assert may_see(CUSTOMER, "order", {"user_id": ADA}, "o-1")
    assert not may_see(CUSTOMER, "order", {"user_id": BOB}, "o-2")
    assert may_see(ANONYMOUS, "product", {}, "p-1") and not may_see(ANONYMOUS, "user", None, ADA)
    assert may_see(ADMIN, "order", {"user_id": BOB}, "o-2")


async def run(principal: Principal, query: str, dispatcher: Any = None,
              index: Any = None) -> dict[str, Any]:
    services = Services(dispatch=dispatcher or FakeDispatcher(RuntimeError("not dispatched")),
                        index=index or MemoryIndex(), feed=VisibilityFeed(),
                        consistency_timeout=1)
    result = await build_schema().execute(
        query, context_value=Context(services=services, principal=principal))
    return {"data": result.data, "errors": [e.extensions for e in result.errors or ()]}


RESTOCK = """mutation { restockProduct(input: {id: "p-1", quantity: 5}) {
  __typename ... on Error { message } } }"""


async def test_a_refused_mutation_is_a_typed_member_and_never_reaches_the_write_side() -> None:
    dispatcher = FakeDispatcher(CommandResult("Product", "p-1", 2, 9))
    anonymous = await run(ANONYMOUS, RESTOCK, dispatcher)
    assert anonymous["data"]["restockProduct"]["__typename"] == "Unauthenticated"
    customer = await run(CUSTOMER, RESTOCK, dispatcher)
    assert customer["data"]["restockProduct"]["__typename"] == "Forbidden"
    assert dispatcher.received == []
    admin = await run(ADMIN, RESTOCK, dispatcher)
    assert admin["data"]["restockProduct"]["__typename"] == "ProductRestocked"


async def test_a_customer_s_cancel_carries_who_asks_to_the_write_side() -> None:
    dispatcher = FakeDispatcher(CommandResult("Order", "o-1", 2, 9))
    await run(CUSTOMER, 'mutation { cancelOrder(input: {id: "o-1"}) { __typename } }',
              dispatcher)
    assert dispatcher.received == [CancelOrder("o-1", by_user=ADA)]


async def test_query_refusals_carry_their_code() -> None:
    assert (await run(ANONYMOUS, '{ user(id: "x") { id } }'))["errors"] == [
        {"code": "UNAUTHENTICATED"}]
    assert (await run(CUSTOMER, "{ users { totalCount } }"))["errors"] == [{"code": "FORBIDDEN"}]
    assert (await run(CUSTOMER, "{ projectionStatus { lagEvents } }"))["errors"] == [
        {"code": "FORBIDDEN"}]


async def test_someone_else_s_user_or_order_is_as_if_there_were_none() -> None:
    index = MemoryIndex()
    await index.write([
        Upsert("user", BOB, 1, {"id": BOB, "version": 1, "name": "Bob"}),
    ])
    seen = await run(CUSTOMER, f'{{ user(id: "{BOB}") {{ id }} }}', index=index)
    assert seen == {"data": {"user": None}, "errors": []}
