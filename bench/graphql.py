"""GraphQL over HTTP, as a client of the service speaks it, and the documents the scenarios send."""

from __future__ import annotations

from typing import Any

from bench.errors import BenchError
from bench.load_http import LoadHttp
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


class GraphQLClient:
    """Speaks to a running service (bench/service.py) as its signed-in operator: every request
    carries the service's admin token."""

    def __init__(self, http: LoadHttp, service: Service) -> None:
        self._http = http
        self._url = service.graphql
        self._headers = service.authorization

    async def __call__(self, document: str, **variables: object) -> dict[str, Any]:
        """The `data` of the answer; a BenchError if it has errors (the run measures successes
        only)."""
        status, body = await self._http.post_json(
            self._url, {"query": document, "variables": variables}, self._headers
        )
        if status != 200 or body.get("errors"):
            raise BenchError(f"GraphQL answered {status}: {body}")
        data: dict[str, Any] = body["data"]
        return data

    async def add_product(self, variables: dict[str, object]) -> dict[str, Any]:
        added: dict[str, Any] = (await self(ADD_PRODUCT, **variables))["addProduct"]
        if added["__typename"] != "ProductAdded":
            raise BenchError(f"addProduct was refused: {added}")
        return added
