"""GraphQL subscriptions as a client of the service takes them: over one long-lived WebSocket
(graphql-transport-ws, gql's websockets transport), many subscriptions multiplexed on it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport
from graphql import parse

from bench.errors import BenchError
from bench.service import Service

# Parsed once: each subscription sends it, but never parses it again.
CAUGHT_UP = parse("""
subscription($token: String!) {
  readModelCaughtUp(consistency: $token) { id version waitedMs }
}""")


@dataclass(frozen=True)
class CaughtUp:
    """The one event of a `readModelCaughtUp` subscription."""

    arrived: float  # time.perf_counter() when the event reached this client
    id: str
    version: int
    waited_ms: float  # the server's own wait, from the subscription's start to visibility


class Subscriptions:
    def __init__(self, session: AsyncClientSession) -> None:
        self._session = session

    async def caught_up(self, token: str) -> CaughtUp:
        """Subscribe to `readModelCaughtUp(consistency: token)` on the open connection; the
        event, stamped as soon as it arrives. The subscription must then complete (untimed)."""
        request = GraphQLRequest(CAUGHT_UP, variable_values={"token": token})
        # aclosing: a generator left open would hold the connection's close for gql's timeout.
        async with contextlib.aclosing(self._session.subscribe(request)) as events:
            first = await anext(events, None)
            arrived = time.perf_counter()
            more = [event async for event in events]
        if first is None or more:
            raise BenchError(f"readModelCaughtUp did not emit exactly once: {first}, {more}")
        event = first["readModelCaughtUp"]
        return CaughtUp(arrived, str(event["id"]), int(event["version"]),
                        float(event["waitedMs"]))


@contextlib.asynccontextmanager
async def websocket(service: Service) -> AsyncIterator[Subscriptions]:
    """One WebSocket to the service's GraphQL endpoint (http://.../graphql), open until exit,
    signed in with the service's admin token in `connection_init`."""
    transport = WebsocketsTransport(
        url=service.graphql.replace("http://", "ws://", 1),
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],  # graphql-transport-ws
        init_payload=service.authorization,
    )
    async with Client(transport=transport) as session:
        yield Subscriptions(session)
