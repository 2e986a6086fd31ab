"""A stream of writes through the service's GraphQL mutations over HTTP, as its clients send them.

First users and products, then orders (each reserving stock on one or two products: an
OrderPlaced and a ProductStockReserved per line) with a restock now and then, from several
concurrent clients. Products are shared, so versions race and the handlers retry, as they would
in production. A refusal (a version conflict that kept losing, say) is counted, not an error:
the write store, not this stream, is the truth the audit compares the index with. Any other
failure of a mutation is an error of the run: losing a broker node must not fail a write.

A scenario that takes the write store or the API itself away (a PostgreSQL restart, a SIGKILLed
`diptych serve`) names what it tolerates (`StreamClient`): a write refused with one of those
error codes, or one whose connection the API dropped, is counted as refused (an unknown outcome
for the dropped ones: the write store says whether it committed), never as an error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench import catalog
from bench.errors import BenchError
from bench.graphql import GraphQLClient
from bench.load_http import LoadHttp
from bench.service import Service

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

DROPPED = "CONNECTION_DROPPED"  # the API went away mid-request (SIGKILL): outcome unknown
PAUSE = 0.2  # seconds a client waits after a tolerated refusal before its next write
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


def refusal(body: dict[str, Any], tolerated: Collection[str]) -> str | None:
    """The code a refused request is counted under, if every one of its errors is tolerated;
    None when it is no refusal, or one the scenario does not tolerate (an error of the run)."""
    errors = body.get("errors") or []
    codes = {str((error.get("extensions") or {}).get("code")) for error in errors
             if isinstance(error, dict)}
    if not errors or len(codes) != 1 or not codes <= set(tolerated):
        return None
    return codes.pop()


class StreamClient(GraphQLClient):
    """A GraphQLClient that answers a tolerated refusal with `{"refused": code}`."""

    def __init__(self, http: LoadHttp, service: Service,
                 tolerated: Collection[str] = (), dropped: bool = False) -> None:
        super().__init__(http, service)
        self.tolerated = frozenset(tolerated)
        self.dropped = dropped  # a dropped connection is tolerated too

    async def __call__(self, document: str, **variables: object) -> dict[str, Any]:
        try:
            status, body = await self._http.post_json(
                self._url, {"query": document, "variables": variables}, self._headers)
        except (aiohttp.ClientError, TimeoutError) as error:  # no answer, or none in time
            if not self.dropped:
                raise BenchError(f"the API did not answer: {error!r}") from error
            return {"refused": DROPPED}
        if status == 200 and not body.get("errors"):
            data: dict[str, Any] = body["data"]
            return data
        code = refusal(body, self.tolerated)
        if code is None:
            raise BenchError(f"GraphQL answered {status}: {body}")
        return {"refused": code}


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
    pause: float = 0.0,
) -> None:
    """`count` writes (orders, and restocks among them) from `concurrency` clients; `done(n)` is
    called as the n-th one is answered. Each client waits `pause` seconds after each write (a
    stream that must last through an outage is paced, not sent as fast as the API answers)."""
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
            data = await graphql(document, **variables)
            if "refused" in data:
                tally.count({"__typename": data["refused"]}, accepted)
                await asyncio.sleep(PAUSE)
            else:
                tally.count(data[field], accepted)
            answered += 1
            done(answered)
            if pause:
                await asyncio.sleep(pause)

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
