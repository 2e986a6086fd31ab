"""The whole path over real HTTP: mutation -> SQLite + event log -> relay -> projector -> tantivy
-> query, on the embedded defaults of `diptych serve`."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx

from read.freshness.consistency import ConsistencyToken
from tests.e2e import queries as q
from tests.e2e.server import Server


def register(server: Server, name: str, email: str) -> dict[str, Any]:
    result: dict[str, Any] = server.graphql(q.REGISTER, name=name, email=email)["data"][
        "registerUser"
    ]
    assert result["__typename"] == "UserRegistered", result
    return result


def add_product(server: Server, sku: str, **fields: Any) -> dict[str, Any]:
    values = {"name": sku, "description": "", "category": "misc", "price": "1.00", "stock": 1}
    result: dict[str, Any] = server.graphql(q.ADD_PRODUCT, sku=sku, **(values | fields))["data"][
        "addProduct"
    ]
    assert result["__typename"] == "ProductAdded", result
    return result


def test_a_registered_user_is_read_back_through_the_index_with_its_token(server: Server) -> None:
    registered = register(server, "Ada Lovelace", "ada@example.com")
    assert registered["version"] == 1

    body = server.graphql(q.USER, id=registered["id"], token=registered["consistencyToken"])

    assert body["data"]["user"] == {
        "id": registered["id"],
        "version": 1,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "status": "ACTIVE",
    }


def test_each_change_is_visible_at_its_version_when_read_with_its_token(server: Server) -> None:
    user = register(server, "Grace Hopper", "grace@example.com")
    changed = server.graphql(q.CHANGE_EMAIL, id=user["id"], email="grace@navy.mil")["data"][
        "changeUserEmail"
    ]
    renamed = server.graphql(q.RENAME, id=user["id"], name="Rear Admiral Hopper")["data"][
        "renameUser"
    ]
    assert (changed["version"], renamed["version"]) == (2, 3)

    seen = server.graphql(q.USER, id=user["id"], token=renamed["consistencyToken"])["data"]["user"]

    assert (seen["version"], seen["email"], seen["name"]) == (
        3,
        "grace@navy.mil",
        "Rear Admiral Hopper",
    )
    found = server.graphql(q.USERS, search="navy", token=renamed["consistencyToken"])["data"]
    assert [e["node"]["id"] for e in found["users"]["edges"]] == [user["id"]]


def test_products_are_searched_filtered_faceted_and_paged_from_the_index(server: Server) -> None:
    added = [
        add_product(server, "KB-1", name="Mechanical keyboard", category="input", price="89.90",
                    stock=3, description="Clicky brown switches"),
        add_product(server, "MS-1", name="Wireless mouse", category="input", price="25.00",
                    stock=0),
        add_product(server, "MN-1", name="4K monitor", category="display", price="329.00",
                    stock=7, description="Pairs well with a keyboard tray"),
        add_product(server, "CB-1", name="USB cable", category="cables", price="4.50", stock=100),
    ]
    for product in added:
        seen = server.graphql(q.PRODUCT, id=product["id"], token=product["consistencyToken"])
        assert seen["data"]["product"]["id"] == product["id"]

    search = server.graphql(q.PRODUCTS, search="keyboard", first=10)["data"]["products"]
    assert [e["node"]["sku"] for e in search["edges"]] == ["KB-1", "MN-1"]

    cheap = server.graphql(q.PRODUCTS, maxPrice="30", inStock=True, first=10)["data"]["products"]
    assert [e["node"]["sku"] for e in cheap["edges"]] == ["CB-1"]

    everything = server.graphql(q.PRODUCTS, first=10, sort="PRICE_ASC")["data"]["products"]
    assert [e["node"]["sku"] for e in everything["edges"]] == ["CB-1", "MS-1", "KB-1", "MN-1"]
    assert everything["totalCount"] == 4
    assert everything["facets"]["category"] == [
        {"value": "input", "count": 2},
        {"value": "cables", "count": 1},
        {"value": "display", "count": 1},
    ]

    skus, after = [], None
    while True:
        page = server.graphql(q.PRODUCTS, first=3, sort="PRICE_ASC", after=after)["data"][
            "products"
        ]
        skus += [e["node"]["sku"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert skus == ["CB-1", "MS-1", "KB-1", "MN-1"]


def test_every_bad_input_gets_its_typed_error_and_changes_nothing(server: Server) -> None:
    user = register(server, "Alan Turing", "alan@example.com")
    product = add_product(server, "BAD-1", price="10.00")

    bad_email = server.graphql(q.REGISTER, name="X", email="not-an-email")["data"]["registerUser"]
    assert bad_email["__typename"] == "InvalidInput"
    assert [f["field"] for f in bad_email["fieldErrors"]] == ["email"]

    huge = server.graphql(q.REGISTER, name="x" * 10_000, email="huge@example.com")
    assert huge["data"]["registerUser"]["__typename"] == "InvalidInput"

    taken = server.graphql(q.REGISTER, name="Alan Again", email="ALAN@example.com")
    assert taken["data"]["registerUser"]["__typename"] == "EmailTaken"

    negative = server.graphql(q.ADD_PRODUCT, sku="NEG-1", name="n", description="",
                              category="misc", price="-1.00", stock=-5)["data"]["addProduct"]
    assert negative["__typename"] == "InvalidInput"
    assert {f["field"] for f in negative["fieldErrors"]} == {"price", "stock"}

    dup = server.graphql(q.ADD_PRODUCT, sku="BAD-1", name="n", description="", category="misc",
                         price="1.00", stock=1)["data"]["addProduct"]
    assert dup["__typename"] == "SkuTaken"

    missing = server.graphql(q.RENAME, id=str(uuid.uuid4()), name="Nobody")["data"]["renameUser"]
    assert missing["__typename"] == "NotFound"

    conflict = server.graphql(q.CHANGE_EMAIL, id=user["id"], email="turing@example.com",
                              expectedVersion=7)["data"]["changeUserEmail"]
    assert conflict["__typename"] == "VersionConflict"
    assert (conflict["expectedVersion"], conflict["actualVersion"]) == (7, 1)

    gone = server.graphql(q.DISCONTINUE, id=product["id"])["data"]["discontinueProduct"]
    refused = server.graphql(q.RESTOCK, id=product["id"], quantity=5)["data"]["restockProduct"]
    assert refused["__typename"] == "InvalidTransition"

    seen = server.graphql(q.USER, id=user["id"], token=user["consistencyToken"])["data"]["user"]
    assert (seen["version"], seen["email"]) == (1, "alan@example.com")
    after = server.graphql(q.PRODUCT, id=product["id"], token=gone["consistencyToken"])
    assert after["data"]["product"]["version"] == 2
    assert after["data"]["product"]["stock"] == 1
    nobody = server.graphql(q.USERS, search="huge")["data"]["users"]
    assert nobody["totalCount"] == 0


def test_a_token_the_index_never_reaches_ends_in_a_stale_read_error(server: Server) -> None:
    user = register(server, "Future Reader", "future@example.com")
    real = ConsistencyToken.decode(user["consistencyToken"])
    ahead = ConsistencyToken(real.kind, real.id, real.version + 10, real.position + 10)

    body = server.graphql(q.USER, id=user["id"], token=ahead.encode())

    assert body["data"] == {"user": None}
    assert body["errors"][0]["extensions"]["code"] == "STALE_READ"


def test_a_malformed_token_or_page_size_is_a_bad_user_input_error(server: Server) -> None:
    body = server.graphql(q.USER, id="x", token="garbage")
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "consistency"}

    body = server.graphql(q.PRODUCTS, first=1000)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}

    forged = base64.urlsafe_b64encode(b'["PRICE_ASC",["cheap",1]]').decode()
    body = server.graphql(q.PRODUCTS, first=5, sort="PRICE_ASC", after=forged)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


def test_graphiql_is_served_to_browsers(server: Server) -> None:
    page = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
