"""A stream of writes through the service's GraphQL mutations over HTTP, as its clients send them.

First users and products, then orders (each reserving stock on one or two products: an
OrderPlaced and a ProductStockReserved per line) with a restock now and then, from several
concurrent clients. Products are shared, so versions race and the handlers retry, as they would
in production. A refusal (a version conflict that kept losing, say) is counted, not an error:
the write store, not this stream, is the truth the audit compares the index with. Any other
failure of a mutation is an error of the run: losing a broker node must not fail a write.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import catalog
from bench.graphql import GraphQLClient

REGISTER_USER = """
mutation($name: String!, $email: String!) {
  registerUser(input: {name: $name, email: $email}) {
    __typename ... on UserRegistered { id } ... on Error { message }
  }
}"""

PLACE_ORDER = """
mutation($user: ID!, $lines: [OrderLineInput!]!) {
  placeOrder(input: {userId: $user, lines: $lines}) {
    __typename ... on OrderPlaced { id } ... on Error { message }
  }
}"""

RESTOCK = """
mutation($id: ID!, $quantity: Int!) {
  restockProduct(input: {id: $id, quantity: $quantity}) {
    __typename ... on ProductRestocked { id } ... on Error { message }
  }
}"""

STOCK = 100_000  # never sold out, never over STOCK_MAX: only a lost race refuses an order
RESTOCK_SHARE = 0.15


@dataclass
class Tally:
    accepted: int = 0
    refused: int = 0
    refusals: dict[str, int] = dataclasses.field(default_factory=dict)

    def count(self, payload: dict[str, Any], accepted: str) -> str | None:
        """Count one mutation's payload; the new aggregate's id if it was accepted."""
        if payload["__typename"] == accepted:
            self.accepted += 1
            return str(payload["id"])
        self.refused += 1
        self.refusals[payload["__typename"]] = self.refusals.get(payload["__typename"], 0) + 1
        return None


@dataclass(frozen=True)
class Catalogue:
    users: list[str]
    products: list[str]


async def seed(graphql: GraphQLClient, users: int, products: int, tally: Tally) -> Catalogue:
    """Register `users` users and add `products` products; their ids."""
    user_ids = [await _register(graphql, number, tally) for number in range(users)]
    specs = [dataclasses.replace(spec, stock=STOCK) for spec in catalog.products("CH", products)]
    product_ids = [str((await graphql.add_product(spec.variables()))["id"]) for spec in specs]
    tally.accepted += len(product_ids)
    return Catalogue([u for u in user_ids if u], product_ids)


async def _register(graphql: GraphQLClient, number: int, tally: Tally) -> str | None:
    data = await graphql(REGISTER_USER, name=f"Chaos Client {number}",
                         email=f"chaos.client{number}@example.com")
    return tally.count(data["registerUser"], "UserRegistered")


async def orders(
    graphql: GraphQLClient,
    catalogue: Catalogue,
    count: int,
    concurrency: int,
    tally: Tally,
    done: Callable[[int], None],
) -> None:
    """`count` writes (orders, and restocks among them) from `concurrency` clients; `done(n)` is
    called as the n-th one is answered."""
    rng = random.Random(13)
    plan = [_operation(rng, catalogue) for _ in range(count)]
    queue: asyncio.Queue[tuple[str, dict[str, Any], str, str]] = asyncio.Queue()
    for operation in plan:
        queue.put_nowait(operation)
    answered = 0

    async def client() -> None:
        nonlocal answered
        while not queue.empty():
            document, variables, field, accepted = queue.get_nowait()
            tally.count((await graphql(document, **variables))[field], accepted)
            answered += 1
            done(answered)

    await asyncio.gather(*(client() for _ in range(concurrency)))


def _operation(rng: random.Random, catalogue: Catalogue) -> tuple[str, dict[str, Any], str, str]:
    if rng.random() < RESTOCK_SHARE:
        variables: dict[str, Any] = {"id": rng.choice(catalogue.products),
                                     "quantity": rng.randint(1, 20)}
        return RESTOCK, variables, "restockProduct", "ProductRestocked"
    lines = [{"productId": product, "quantity": rng.randint(1, 3)}
             for product in rng.sample(catalogue.products, rng.randint(1, 2))]
    variables = {"user": rng.choice(catalogue.users), "lines": lines}
    return PLACE_ORDER, variables, "placeOrder", "OrderPlaced"
