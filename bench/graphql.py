"""GraphQL over HTTP, as a client of the service speaks it, and the documents the scenarios send."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bench.errors import BenchError
from bench.service import Service

ADD_PRODUCT = """
mutation($sku: String!, $name: String!, $description: String!, $category: String!,
         $price: Decimal!, $stock: Int!) {
  addProduct(input: {sku: $sku, name: $name, description: $description,
                     category: $category, price: $price, stock: $stock}) {
    __typename
    ... on ProductAdded { id version consistencyToken }
    ... on Error { message }
  }
}"""

PRODUCT_VERSION = """
query($id: ID!, $token: String) {
  product(id: $id, consistency: $token) { id version }
}"""

# The selection the raw read route answers too (bench/raw_read_server.py): the same work.
PRODUCTS = """
query($search: String, $first: Int!) {
  products(search: $search, first: $first) {
    totalCount
    edges { cursor node { id sku name price stock category } }
    pageInfo { hasNextPage endCursor }
    facets { category { value count } }
  }
}"""


@contextlib.asynccontextmanager
async def http_client(concurrency: int) -> AsyncIterator[httpx.AsyncClient]:
    """One client, keeping a connection open per concurrent caller."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        yield client


class GraphQLClient:
    """Speaks to a running service (bench/service.py) as its signed-in operator: every request
    carries the service's admin token."""

    def __init__(self, http: httpx.AsyncClient, service: Service) -> None:
        self._http = http
        self._url = service.graphql
        self._headers = service.authorization

    async def __call__(self, document: str, **variables: object) -> dict[str, Any]:
        """The `data` of the answer; a BenchError if it has errors (the run measures successes
        only)."""
        response = await self._http.post(
            self._url, json={"query": document, "variables": variables}, headers=self._headers
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise BenchError(f"GraphQL answered {response.status_code}: {body}")
        data: dict[str, Any] = body["data"]
        return data

    async def add_product(self, variables: dict[str, object]) -> dict[str, Any]:
        added: dict[str, Any] = (await self(ADD_PRODUCT, **variables))["addProduct"]
        if added["__typename"] != "ProductAdded":
            raise BenchError(f"addProduct was refused: {added}")
        return added
