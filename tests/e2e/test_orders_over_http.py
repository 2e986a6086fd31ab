"""Orders end to end over real HTTP on the embedded default: the write side reserves stock, the
read side answers order, customer, best-seller and sales questions from the index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e import queries as q
from tests.e2e.server import Server


def ok(result: dict[str, Any], field: str, typename: str) -> dict[str, Any]:
    payload: dict[str, Any] = result["data"][field]
    assert payload["__typename"] == typename, payload
    return payload


def add_product(server: Server, sku: str, category: str, price: str, stock: int) -> str:
    added = server.graphql(q.ADD_PRODUCT, sku=sku, name=f"{sku} item", description="",
                           category=category, price=price, stock=stock)
    return str(ok(added, "addProduct", "ProductAdded")["id"])


def test_an_order_reserves_stock_and_shows_up_everywhere_it_should(server: Server) -> None:
    user = ok(server.graphql(q.REGISTER, name="Olga Orders", email="olga@example.com"),
              "registerUser", "UserRegistered")
    keyboard = add_product(server, "OK-KB", "input", "100.00", 5)
    cable = add_product(server, "OK-CB", "cables", "4.50", 50)

    placed = ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
        {"productId": keyboard, "quantity": 2}, {"productId": cable, "quantity": 3}]),
        "placeOrder", "OrderPlaced")
    assert placed["total"] == "213.50"

    order = server.graphql(q.ORDER, id=placed["id"], token=placed["consistencyToken"])["data"][
        "order"]
    assert (order["status"], order["total"], order["units"]) == ("PLACED", "213.50", 5)
    assert [(line["sku"], line["quantity"], line["lineTotal"]) for line in order["lines"]] == [
        ("OK-KB", 2, "200.00"), ("OK-CB", 3, "13.50")]
    assert order["customer"]["user"] == {"orderCount": 1, "totalSpent": "213.50"}

    too_many = ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
        {"productId": keyboard, "quantity": 4}]), "placeOrder", "InsufficientStock")
    assert (too_many["requested"], too_many["available"]) == (4, 3)

    today = datetime.now(UTC).date().isoformat()
    sales = server.graphql(q.SALES, token=placed["consistencyToken"], **{
        "from": today, "to": today, "interval": "DAY", "groupBy": "CATEGORY"})["data"][
        "salesSummary"]
    assert [(b["revenue"], b["orders"], b["units"]) for b in sales] == [("213.50", 1, 5)]
    assert [(g["key"], g["revenue"], g["orders"], g["units"]) for g in sales[0]["groups"]] == [
        ("cables", "13.50", 1, 3), ("input", "200.00", 1, 2)]

    cancelled = ok(server.graphql(q.CANCEL_ORDER, id=placed["id"]), "cancelOrder",
                   "OrderCancelled")
    after = server.graphql(q.ORDER, id=placed["id"], token=cancelled["consistencyToken"])
    assert after["data"]["order"]["status"] == "CANCELLED"
    assert after["data"]["order"]["customer"]["user"] == {"orderCount": 0, "totalSpent": "0.00"}


def test_orders_follow_their_customers_new_email(server: Server) -> None:
    user = ok(server.graphql(q.REGISTER, name="Moving Mo", email="mo@example.com"),
              "registerUser", "UserRegistered")
    product = add_product(server, "MO-1", "misc", "1.00", 10)
    placed = ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
        {"productId": product, "quantity": 1}]), "placeOrder", "OrderPlaced")
    changed = ok(server.graphql(q.CHANGE_EMAIL, id=user["id"], email="mo@elsewhere.org"),
                 "changeUserEmail", "UserEmailChanged")

    server.graphql(q.USER, id=user["id"], token=changed["consistencyToken"])
    found = server.graphql(q.ORDERS, search="elsewhere", token=placed["consistencyToken"])[
        "data"]["orders"]
    assert [(e["node"]["id"], e["node"]["customer"]["email"]) for e in found["edges"]] == [
        (placed["id"], "mo@elsewhere.org")]


def test_refused_orders_say_why_and_reserve_nothing(server: Server) -> None:
    user = ok(server.graphql(q.REGISTER, name="Refused Rita", email="rita@example.com"),
              "registerUser", "UserRegistered")
    product = add_product(server, "RR-1", "misc", "3.00", 1)
    empty = ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[]), "placeOrder",
               "InvalidInput")
    assert [f["field"] for f in empty["fieldErrors"]] == ["lines"]
    gone = server.graphql(q.DISCONTINUE, id=product)["data"]["discontinueProduct"]
    ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
        {"productId": product, "quantity": 1}]), "placeOrder", "ProductUnavailable")
    server.graphql(q.DEACTIVATE, id=user["id"])
    ok(server.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
        {"productId": product, "quantity": 1}]), "placeOrder", "UserInactive")
    seen = server.graphql(q.PRODUCT, id=product, token=gone["consistencyToken"])
    assert seen["data"]["product"]["stock"] == 1
