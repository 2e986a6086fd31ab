"""Each role over real HTTP and WebSocket against `diptych serve`: anonymous, two customers and
an admin, with tokens from `diptych token`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets

from tests.e2e import queries as q
from tests.e2e.server import Server, start
from tests.e2e.subscriptions import TRANSPORT_WS


@dataclass
class World:
    server: Server
    admin: str
    ada: str  # user ids
    bob: str
    ada_token: str
    bob_token: str
    product: str


def ask(world: World | Server, as_: str | None, query: str, **variables: Any) -> dict[str, Any]:
    server = world.server if isinstance(world, World) else world
    headers = {"authorization": f"Bearer {as_}"} if as_ else {}
    response = httpx.post(f"{server.url}/graphql", json={"query": query, "variables": variables},
                          headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("roles")
    server = start(data)
    admin = server.token
    added = ask(server, admin, q.ADD_PRODUCT, sku="ROLE-1", name="Role pen", description="",
                category="misc", price="2.00", stock=50)["data"]["addProduct"]
    ids = [ask(server, None, q.REGISTER, name=name, email=f"{name}@example.com")["data"][
        "registerUser"]["id"] for name in ("ada", "bob")]
    yield World(server, admin, ids[0], ids[1],
                server.mint("--role", "customer", "--user", ids[0]),
                server.mint("--role", "customer", "--user", ids[1]), added["id"])
    assert server.stop() == 0, server.output()


def place(world: World, as_: str | None, user: str) -> dict[str, Any]:
    result: dict[str, Any] = ask(world, as_, q.PLACE_ORDER, userId=user, lines=[
        {"productId": world.product, "quantity": 1}])["data"]["placeOrder"]
    return result


def test_anonymous_may_browse_products_and_register_and_nothing_else(world: World) -> None:
    assert ask(world, None, q.PRODUCT, id=world.product)["data"]["product"]["id"] == world.product
    assert codes(ask(world, None, q.USERS)) == ["UNAUTHENTICATED"]
    assert codes(ask(world, None, q.USER, id=world.ada)) == ["UNAUTHENTICATED"]
    assert place(world, None, world.ada)["__typename"] == "Unauthenticated"
    restock = ask(world, None, q.RESTOCK, id=world.product, quantity=5)["data"]
    assert restock["restockProduct"]["__typename"] == "Unauthenticated"


def test_a_customer_places_and_sees_only_their_own_orders(world: World) -> None:
    mine = place(world, world.ada_token, world.ada)
    assert mine["__typename"] == "OrderPlaced"
    assert place(world, world.ada_token, world.bob)["__typename"] == "Forbidden"
    theirs = place(world, world.bob_token, world.bob)
    listed = ask(world, world.ada_token, q.ORDERS, token=mine["consistencyToken"])["data"]
    ids = {e["node"]["id"] for e in listed["orders"]["edges"]}
    assert mine["id"] in ids and theirs["id"] not in ids
    asked_for_bob = ask(world, world.ada_token, q.ORDERS, userId=world.bob)["data"]
    assert asked_for_bob["orders"]["totalCount"] == 0
    seen = ask(world, world.bob_token, q.ORDER, id=mine["id"], token=theirs["consistencyToken"])
    assert seen["data"]["order"] is None  # not a refusal: as if it did not exist
    everything = ask(world, world.admin, q.ORDERS, token=theirs["consistencyToken"])["data"]
    assert {mine["id"], theirs["id"]} <= {e["node"]["id"] for e in everything["orders"]["edges"]}


def test_a_customer_cannot_cancel_another_s_order_and_it_stays_placed(world: World) -> None:
    ada_order = place(world, world.ada_token, world.ada)
    refused = ask(world, world.bob_token, q.CANCEL_ORDER, id=ada_order["id"])["data"]["cancelOrder"]
    assert refused["__typename"] == "Forbidden"
    order = ask(world, world.admin, q.ORDER, id=ada_order["id"],
                token=ada_order["consistencyToken"])["data"]["order"]
    assert order["status"] == "PLACED" and order["version"] == 1
    own = ask(world, world.ada_token, q.CANCEL_ORDER, id=ada_order["id"])["data"]["cancelOrder"]
    assert own["__typename"] == "OrderCancelled"


def test_users_are_the_admin_s_and_a_customer_sees_only_themselves(world: World) -> None:
    assert codes(ask(world, world.ada_token, q.USERS)) == ["FORBIDDEN"]
    assert ask(world, world.ada_token, q.USER, id=world.bob)["data"]["user"] is None
    assert ask(world, world.ada_token, q.USER, id=world.ada)["data"]["user"]["id"] == world.ada
    renamed = ask(world, world.ada_token, q.RENAME, id=world.bob, name="Mallory")["data"]
    assert renamed["renameUser"]["__typename"] == "Forbidden"
    assert ask(world, world.admin, q.USERS, search="example")["data"]["users"]["totalCount"] >= 2


async def test_a_customer_s_subscription_delivers_only_their_own_orders(world: World) -> None:
    url = world.server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {world.ada_token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { documentChanged(type: ORDER) { id } }"}}))
        await asyncio.sleep(0.5)  # subscribed before the writes
        theirs = place(world, world.bob_token, world.bob)
        mine = place(world, world.ada_token, world.ada)
        delivered: list[str] = []
        while mine["id"] not in delivered:
            message = json.loads(await asyncio.wait_for(socket.recv(), 20))
            if message["type"] == "next":
                delivered.append(message["payload"]["data"]["documentChanged"]["id"])
    assert theirs["id"] not in delivered


async def test_anonymous_cannot_watch_users_or_orders(world: World) -> None:
    url = world.server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { documentChanged(type: USER) { id } }"}}))
        message = json.loads(await asyncio.wait_for(socket.recv(), 20))
    assert message["type"] in ("error", "next")
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_deactivated_user_s_token_places_no_more_orders(world: World) -> None:
    """Last in this module: Bob stays deactivated. The token still verifies; the write side
    refuses what a deactivated user may not do."""
    assert ask(world, world.bob_token, q.DEACTIVATE, id=world.bob)["data"][
        "deactivateUser"]["__typename"] == "Forbidden"  # a customer cannot, not even themselves
    done = ask(world, world.admin, q.DEACTIVATE, id=world.bob)["data"]["deactivateUser"]
    assert done["__typename"] == "UserDeactivated"
    assert place(world, world.bob_token, world.bob)["__typename"] == "UserInactive"
