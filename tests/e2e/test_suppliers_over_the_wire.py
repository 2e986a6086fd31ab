"""Suppliers end to end against `diptych serve` on the embedded default, over real HTTP and a real
WebSocket: mutations, queries from the index, products following their supplier's name, and
`documentChanged` for suppliers; and who may do it."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

from tests.e2e import queries as q
from tests.e2e.server import Server
from tests.e2e.subscriptions import request, session

ADD = """mutation($name: String!, $email: String!) {
  addSupplier(input: {name: $name, email: $email}) {
    __typename ... on SupplierAdded { id version consistencyToken }
    ... on Unauthenticated { message } ... on Forbidden { message }
  }
}"""
RENAME = """mutation($id: ID!, $name: String!) {
  renameSupplier(input: {id: $id, name: $name}) {
    __typename ... on SupplierRenamed { id version consistencyToken }
  }
}"""
ASSIGN = """mutation($id: ID!, $supplierId: ID!) {
  assignProductSupplier(input: {id: $id, supplierId: $supplierId}) {
    __typename ... on ProductSupplierAssigned { id version consistencyToken }
    ... on NotFound { message }
  }
}"""
SUPPLIER = """query($id: ID!, $token: String) {
  supplier(id: $id, consistency: $token) { id version name email productCount }
}"""
SUPPLIERS = """query($search: String) {
  suppliers(search: $search, first: 10) { totalCount edges { node { name } } }
}"""
PRODUCT = """query($id: ID!, $token: String) {
  product(id: $id, consistency: $token) { sku supplierId supplierName }
}"""
CHANGED = """subscription($ids: [ID!]) {
  documentChanged(type: SUPPLIER, ids: $ids) {
    type id version document { __typename ... on Supplier { name productCount } }
  }
}"""


def ok(result: dict[str, Any], field: str, typename: str) -> dict[str, Any]:
    payload: dict[str, Any] = result["data"][field]
    assert payload["__typename"] == typename, payload
    return payload


def test_a_product_names_its_supplier_and_follows_its_renames(server: Server) -> None:
    acme = ok(server.graphql(ADD, name="Acme Tools", email="sales@acme.example"),
              "addSupplier", "SupplierAdded")
    added = ok(server.graphql(q.ADD_PRODUCT, sku="SUP-KB", name="Keyboard", description="",
                              category="input", price="10.00", stock=1),
               "addProduct", "ProductAdded")
    assigned = ok(server.graphql(ASSIGN, id=added["id"], supplierId=acme["id"]),
                  "assignProductSupplier", "ProductSupplierAssigned")
    product = server.graphql(PRODUCT, id=added["id"], token=assigned["consistencyToken"])
    assert product["data"]["product"] == {
        "sku": "SUP-KB", "supplierId": acme["id"], "supplierName": "Acme Tools"}

    renamed = ok(server.graphql(RENAME, id=acme["id"], name="Acme Corporation"),
                 "renameSupplier", "SupplierRenamed")
    supplier = server.graphql(SUPPLIER, id=acme["id"], token=renamed["consistencyToken"])
    assert supplier["data"]["supplier"] == {

        "id": acme["id"], "version": 2, "name": "Acme Corporation",
        "email": "sales@acme.example", "productCount": 1}
    # The product follows in the same batch as the rename: read it back with the rename's token.
    followed = server.graphql(PRODUCT, id=added["id"], token=renamed["consistencyToken"])
    assert followed["data"]["product"]["supplierName"] == "Acme Corporation"
    listed = server.graphql(SUPPLIERS, search="acme")["data"]["suppliers"]
    assert (listed["totalCount"], listed["edges"][0]["node"]["name"]) == (1, "Acme Corporation")

    unknown = ok(server.graphql(ASSIGN, id=added["id"], supplierId=added["id"]),
                 "assignProductSupplier", "NotFound")
    assert unknown["message"]


def test_suppliers_are_the_back_offices_and_refused_to_everyone_else(server: Server) -> None:
    customer = server.mint("--role", "customer", "--user", "00000000-0000-4000-8000-0000000000c1")
    refused = server.graphql_as(customer, ADD, name="Sneaky", email="s@example.com")
    assert refused["data"]["addSupplier"]["__typename"] == "Forbidden"
    anonymous = server.graphql_as(None, SUPPLIERS)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.graphql(SUPPLIERS, search="sneaky")["data"]["suppliers"]["totalCount"] == 0


async def test_supplier_changes_are_pushed_to_a_subscriber(server: Server) -> None:
    acme = ok(server.graphql(ADD, name="Pushed Supplies", email="push@example.com"),
              "addSupplier", "SupplierAdded")
    server.graphql(SUPPLIER, id=acme["id"], token=acme["consistencyToken"])
    async with session(server.url, token=server.token) as client:
        subscription = client.subscribe(request(CHANGED, ids=[acme["id"]]))
        async with aclosing(subscription) as stream:
            first = await asyncio.wait_for(anext(stream), 10)
            await asyncio.to_thread(server.graphql, RENAME, id=acme["id"], name="Pushed Ltd")
            second = await asyncio.wait_for(anext(stream), 10)
    changes = [s["documentChanged"] for s in (first, second)]
    assert [(c["type"], c["version"], c["document"]["name"]) for c in changes] == [
        ("SUPPLIER", 1, "Pushed Supplies"), ("SUPPLIER", 2, "Pushed Ltd")]
