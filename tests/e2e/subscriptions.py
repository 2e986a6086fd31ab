"""A real GraphQL-over-WebSocket client (gql's websockets transport) for the e2e tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport

from tests.e2e.server import bearer

TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # graphql-transport-ws
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL  # graphql-ws


@asynccontextmanager
async def session(
    http_url: str, protocol: str = TRANSPORT_WS, token: str | None = None
) -> AsyncIterator[AsyncClientSession]:
    """A WebSocket to the API, signed in with `token` in `connection_init` (pass `server.token`
    for the operator); anonymous without one."""
    transport = WebsocketsTransport(
        url=http_url.replace("http://", "ws://") + "/graphql", subprotocols=[protocol],
        init_payload=bearer(token),
    )
    async with Client(transport=transport) as client:
        yield client


def request(text: str, **variables: Any) -> GraphQLRequest:
    return GraphQLRequest(text, variable_values=variables)


CAUGHT_UP = """
subscription($token: String!) {
  readModelCaughtUp(consistency: $token) { id version waitedMs }
}"""

CHANGED = """
subscription($type: DocumentType!, $ids: [ID!]) {
  documentChanged(type: $type, ids: $ids) {
    type id version deleted
    document { __typename ... on User { name email orderCount } ... on Product { sku stock } }
  }
}"""

STATUS = """
subscription { projectionStatus(every: 0.2) { lagEvents projectorPosition headPosition stalled } }
"""
