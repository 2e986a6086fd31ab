"""Every GraphQL example of the README's first section, pasted in order into a running server, the
way a newcomer would: each `PASTE-...` takes the value the earlier answer gave. Signed in as the
operator, as in GraphiQL with `diptych token --role admin` pasted into the Headers tab."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bench.readme import examples
from tests.e2e.server import Server
from tests.e2e.subscriptions import request, session


def pasted(example: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        example = example.replace(placeholder, value)
    assert "PASTE-" not in example, f"no earlier answer gave a value for:\n{example}"
    return example


def remember(data: dict[str, Any], values: dict[str, str]) -> None:
    """The values a reader would copy from a mutation's answer."""
    for result in data.values():
        typename = result.get("__typename") if isinstance(result, dict) else None
        kinds = {"ProductAdded": "PRODUCT", "UserRegistered": "USER", "OrderPlaced": "ORDER",
                 "SupplierAdded": "SUPPLIER"}
        if typename in kinds:
            values["PASTE-THE-TOKEN"] = result["consistencyToken"]
            values[f"PASTE-THE-{kinds[typename]}-ID"] = result["id"]
        elif typename == "ProductSupplierAssigned":
            values["PASTE-THE-TOKEN"] = result["consistencyToken"]
        elif typename is not None:
            raise AssertionError(f"the example's mutation failed: {result}")


async def test_every_readme_example_answers_as_documented(server: Server) -> None:
    found = examples()
    assert len(found) >= 7, "the README lost its examples"
    values: dict[str, str] = {}
    answers: list[dict[str, Any]] = []
    for example in found:
        text = pasted(example, values)
        if text.lstrip().startswith("subscription"):
            async with session(server.url, token=server.token) as client:
                stream = client.subscribe(request(text))
                # Nothing changes now, so the subscription stays open: it was accepted.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(anext(stream), timeout=1)
            continue
        body = server.graphql(text)
        assert "errors" not in body, (text, body)
        remember(body["data"], values)
        answers.append(body["data"])

    _, products, _, order, orders_and_user, sales, _, _, supplied = answers
    assert products["products"]["totalCount"] == 1
    assert products["products"]["edges"][0]["node"]["sku"] == "KB-1"
    placed = order["placeOrder"]
    assert placed["__typename"] == "OrderPlaced" and placed["total"] == "89.90"
    (edge,) = orders_and_user["orders"]["edges"]
    assert edge["node"]["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert edge["node"]["lines"] == [
        {"sku": "KB-1", "name": "Mechanical keyboard", "quantity": 1, "lineTotal": "89.90"}
    ]
    assert orders_and_user["user"]["orderCount"] == 1
    assert sum(float(b["revenue"]) for b in sales["salesSummary"]) in (0.0, 89.9)  # 0 after 2026
    assert supplied["product"] == {"sku": "KB-1", "supplierName": "Acme Keyboards"}
    assert supplied["supplier"] == {"name": "Acme Keyboards", "productCount": 1}

    # Search as the README describes it: whole words, all of them, any case; SKUs as words.
    search = "query($s: String) { products(search: $s) { edges { node { sku } } } }"
    for words, matches in [("KEYBOARD mechanical", True), ("key", False), ("kb", True),
                           ("kb-1", True), ("keyboard mouse", False)]:
        edges = server.graphql(search, s=words)["data"]["products"]["edges"]
        assert bool(edges) == matches, words
