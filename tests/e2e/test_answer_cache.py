"""The answer cache (schema/edge/answer_cache.py) over real HTTP against `diptych serve` on its
embedded defaults: a kept answer is served again only while the documents behind it stand, a
token's wait is never skipped, and each caller's answers are their own. /metrics counts the hits
and misses, which is how each test tells a kept answer from a fresh one."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e import queries as q
from tests.e2e.server import Server, start

CATEGORY = """
query($category: String!, $token: String) {
  products(category: $category, sort: PRICE_ASC, first: 5, consistency: $token) {
    totalCount edges { node { id price } }
  }
}"""

USERS = """query { users(first: 5) { totalCount edges { node { id name } } } }"""

MY_ORDERS = """query { orders(first: 10) { totalCount edges { node { id } } } }"""

STATUS = """query { projectionStatus { headPosition } }"""

CHANGE_PRICE = """
mutation($id: ID!, $price: Decimal!) {
  changeProductPrice(input: {id: $id, price: $price}) {
    __typename ... on ProductPriceChanged { consistencyToken }
  }
}"""

DESCRIBE = """
mutation($id: ID!, $category: String!) {
  describeProduct(input: {id: $id, name: "Answer pen", description: "", category: $category}) {
    __typename ... on ProductDescribed { consistencyToken }
  }
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("answers"))
    yield running
    assert running.stop() == 0, running.output()


def counted(server: Server) -> tuple[float, float]:
    """(hits, misses) so far."""
    text = httpx.get(f"{server.url}/metrics").text
    hits = re.search(r"^diptych_answer_cache_hits_total (\S+)$", text, re.MULTILINE)
    misses = re.search(r"^diptych_answer_cache_misses_total (\S+)$", text, re.MULTILINE)
    assert hits and misses, text
    assert "_created" not in text  # built at each scrape: a creation time would be the scrape's
    return float(hits.group(1)), float(misses.group(1))


def product(server: Server, category: str, price: str) -> dict[str, Any]:
    added: dict[str, Any] = server.graphql(
        q.ADD_PRODUCT, sku=f"AC-{uuid.uuid4().hex[:8]}", name="Answer pen", description="",
        category=category, price=price, stock=5)["data"]["addProduct"]
    assert added["__typename"] == "ProductAdded", added
    seen = server.graphql(q.PRODUCT, id=added["id"], token=added["consistencyToken"])
    assert seen["data"]["product"]["id"] == added["id"], seen
    return added


def prices(body: dict[str, Any]) -> list[str]:
    assert "errors" not in body, body
    return [edge["node"]["price"] for edge in body["data"]["products"]["edges"]]


def test_an_answer_is_served_again_until_a_document_behind_it_changes(server: Server) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    added = product(server, category, "3.00")
    first = server.graphql(CATEGORY, category=category)
    hits, misses = counted(server)
    assert server.graphql(CATEGORY, category=category)["data"] == first["data"]
    assert counted(server) == (hits + 1, misses)

    changed = server.graphql(CHANGE_PRICE, id=added["id"], price="4.50")
    token = changed["data"]["changeProductPrice"]["consistencyToken"]
    server.graphql(q.PRODUCT, id=added["id"], token=token)  # visible now (not a kept answer)
    hits, misses = counted(server)
    assert prices(server.graphql(CATEGORY, category=category)) == ["4.50"]
    assert counted(server) == (hits, misses + 1)


def test_a_query_with_a_token_waits_and_is_never_answered_from_the_cache(server: Server) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    added = product(server, category, "3.00")
    assert prices(server.graphql(CATEGORY, category=category)) == ["3.00"]  # kept
    changed = server.graphql(CHANGE_PRICE, id=added["id"], price="7.00")
    token = changed["data"]["changeProductPrice"]["consistencyToken"]
    hits, misses = counted(server)
    assert prices(server.graphql(CATEGORY, category=category, token=token)) == ["7.00"]
    assert counted(server) == (hits, misses)  # not even looked up


def test_a_write_of_one_kind_leaves_answers_about_another_kind_kept(server: Server) -> None:
    registered = server.graphql(q.REGISTER, name="Kept",
                                email=f"kept-{uuid.uuid4().hex[:6]}@example.com")
    user = registered["data"]["registerUser"]
    server.graphql(q.USER, id=user["id"], token=user["consistencyToken"])  # visible now
    server.graphql(USERS)
    product(server, f"cat-{uuid.uuid4().hex[:6]}", "1.00")  # products and checkpoints change
    hits, misses = counted(server)
    server.graphql(USERS)
    assert counted(server) == (hits + 1, misses)


def test_a_category_s_answer_stands_while_products_of_other_categories_change(
    server: Server,
) -> None:
    mine, other = (f"cat-{uuid.uuid4().hex[:6]}" for _ in range(2))
    product(server, mine, "2.00")
    moving = product(server, other, "5.00")
    server.graphql(CATEGORY, category=mine)  # kept
    product(server, other, "1.00")  # another category's product: the answer stands
    hits, misses = counted(server)
    assert prices(server.graphql(CATEGORY, category=mine)) == ["2.00"]
    assert counted(server) == (hits + 1, misses)

    product(server, mine, "3.00")  # one of its own: asked afresh
    hits, misses = counted(server)
    assert prices(server.graphql(CATEGORY, category=mine)) == ["2.00", "3.00"]
    assert counted(server) == (hits, misses + 1)

    assert prices(server.graphql(CATEGORY, category=other)) == ["1.00", "5.00"]  # kept
    moved = server.graphql(DESCRIBE, id=moving["id"], category=mine)  # from other into mine
    token = moved["data"]["describeProduct"]["consistencyToken"]
    server.graphql(q.PRODUCT, id=moving["id"], token=token)  # visible now
    hits, misses = counted(server)
    assert prices(server.graphql(CATEGORY, category=mine)) == ["2.00", "3.00", "5.00"]
    assert prices(server.graphql(CATEGORY, category=other)) == ["1.00"]  # the one it left too
    assert counted(server) == (hits, misses + 2)


def test_each_caller_s_answers_are_their_own(server: Server) -> None:
    pen = product(server, f"cat-{uuid.uuid4().hex[:6]}", "2.00")
    people = []
    for name in ("ada", "bob"):
        registered = server.graphql_as(None, q.REGISTER, name=name,
                                       email=f"{name}-{uuid.uuid4().hex[:6]}@example.com")
        user = registered["data"]["registerUser"]["id"]
        token = server.mint("--role", "customer", "--user", user)
        placed = server.graphql_as(token, q.PLACE_ORDER, userId=user, lines=[
            {"productId": pen["id"], "quantity": 1}])["data"]["placeOrder"]
        assert placed["__typename"] == "OrderPlaced", placed
        server.graphql_as(token, q.ORDER, id=placed["id"], token=placed["consistencyToken"])
        people.append((token, placed["id"]))
    (ada, ada_order), (bob, bob_order) = people
    mine = server.graphql_as(ada, MY_ORDERS)
    hits, misses = counted(server)
    theirs = server.graphql_as(bob, MY_ORDERS)
    assert counted(server) == (hits, misses + 1)
    assert [e["node"]["id"] for e in mine["data"]["orders"]["edges"]] == [ada_order]
    assert [e["node"]["id"] for e in theirs["data"]["orders"]["edges"]] == [bob_order]
    assert server.graphql_as(ada, MY_ORDERS)["data"] == mine["data"]
    assert counted(server) == (hits + 1, misses + 1)


def test_what_is_not_the_index_s_is_never_kept(server: Server) -> None:
    server.graphql(STATUS)
    hits, misses = counted(server)
    assert "errors" not in server.graphql(STATUS)
    assert counted(server) == (hits, misses)


def test_an_answer_with_errors_is_not_kept(server: Server) -> None:
    refused = server.graphql_as(None, USERS)  # anonymous: refused, so never kept
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    hits, _ = counted(server)
    assert server.graphql_as(None, USERS)["errors"] == refused["errors"]
    assert counted(server)[0] == hits


def test_a_kept_answer_is_the_same_response_and_costs_the_caller_the_same(
    server: Server,
) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    product(server, category, "3.00")
    asked = {"query": CATEGORY, "variables": {"category": category}}
    ran = httpx.post(f"{server.url}/graphql", json=asked, timeout=30)  # anonymous: budgeted
    hits, _ = counted(server)
    again = httpx.post(f"{server.url}/graphql", json=asked, timeout=30)
    assert counted(server)[0] == hits + 1
    assert again.status_code == ran.status_code == 200
    assert again.headers["content-type"] == ran.headers["content-type"]
    first, second = ran.json(), again.json()
    assert second["data"] == first["data"]
    cost = first["extensions"]["cost"]
    assert second["extensions"]["cost"]["requested"] == cost["requested"] > 0
    assert second["extensions"]["cost"]["remaining"] < cost["remaining"]  # charged again
    assert int(again.headers["x-ratelimit-remaining"]) == second["extensions"]["cost"][
        "remaining"]
    by_get = httpx.get(f"{server.url}/graphql", params={
        "query": CATEGORY, "variables": json.dumps({"category": category})}, timeout=30)
    assert by_get.json()["data"] == first["data"] and counted(server)[0] == hits + 2
