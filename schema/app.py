"""The GraphQL schema, and strawberry's ASGI app for its WebSocket protocols.

HTTP is served by schema/http/graphql_http.py (GraphQL over HTTP as its spec says, which
strawberry's view does not do); both run operations through the same schema, so the same limits and
error policy apply to every transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation.rules import overlapping_fields_can_be_merged
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage
from strawberry.types import ExecutionContext

from schema.access.authentication import InvalidToken, KeysUnavailable
from schema.context import Context, Services
from schema.edge.answer_reuse import AnswerReuse
from schema.edge.error_policy import ErrorPolicy, log_errors
from schema.edge.guard import DocumentCache, DocumentGuard
from schema.edge.limits import DEFAULT_LIMITS, Limits
from schema.edge.persisted import Refusal
from schema.graph_kinds import root_types
from schema.leaf_fields import LeafFieldsExecutor
from schema.scalars import SCALAR_OVERRIDES


class DiptychSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """strawberry logs every error at ERROR with a traceback; only bugs deserve that."""
        log_errors(errors)


# graphql-core's own bound on comparing overlapping fields, its costliest rule (500,000 by
# default: a 2.7 KB document of repeated fields then validates for 0.2 s). The README's
# queries spend under 1,000 of it; graphql-core reads this module attribute on each validation.
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = 20_000


def build_schema(limits: Limits = DEFAULT_LIMITS) -> strawberry.Schema:
    cache = DocumentCache(limits.document_cache_bytes)
    roots = root_types()  # merged from every schema/*_operations.py's declaration
    return DiptychSchema(
        query=roots.query,
        mutation=roots.mutation,
        subscription=roots.subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=LeafFieldsExecutor,  # scalars read off objects, in one step
        # Factories, not instances: strawberry builds fresh extensions per operation. The
        # document cache is shared by every operation of this schema.
        # AnswerReuse last: it answers at execution, after the guard has charged the caller.
        extensions=[ErrorPolicy, partial(DocumentGuard, limits, cache), AnswerReuse],
    )


async def _close_at(socket: WebSocket, expires_at: float) -> None:
    """No connection outlives its token: 4403 (forbidden) ends it and its subscriptions."""
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    with contextlib.suppress(Exception):  # the client may be gone already
        await socket.close(code=4403, reason="Token expired")


def _stop_expiry(context: Context) -> None:
    if context.expiry is not None:
        context.expiry.cancel()


def _untrusted(context: Context, payload: Any) -> GraphQLError | None:
    """With DIPTYCH_TRUSTED_DOCUMENTS=only, why a subscribe message's document may not run, or
    None after putting the trusted text in its payload (named by hash or sent). WebSockets have
    no APQ: with `off` nothing is checked (schema/edge/persisted.py)."""
    documents = context.services.documents
    if not documents.trusted_only or not isinstance(payload, dict):
        return None  # strawberry refuses a malformed message
    found = documents.resolve(payload, context.principal)
    if isinstance(found, Refusal):
        return GraphQLError(found.message, extensions={"code": found.code})
    payload["query"] = found
    return None


class InitTimeoutGraphQLWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws protocol has no init timeout in strawberry: without one, a client
    can hold a connection open forever without ever saying `connection_init`."""

    async def handle(self) -> None:
        timer = asyncio.create_task(self._close_unless_acknowledged())
        try:
            await super().handle()
        finally:
            timer.cancel()
            _stop_expiry(self.context)

    async def _close_unless_acknowledged(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            with contextlib.suppress(Exception):  # the client may be gone already
                await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_start(self, message: StartMessage) -> None:
        refused = _untrusted(self.context, message.get("payload")) if (
            self.connection_acknowledged) else None
        if refused is not None:
            await self.send_message({"type": "error", "id": message["id"],
                                     "payload": refused.formatted})
            return
        await super().handle_start(message)


class ExpiringGraphQLTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            _stop_expiry(self.context)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Checked where strawberry would run it: acknowledged, and a new id.
        refused = _untrusted(self.context, message.get("payload")) if (
            self.connection_acknowledged and message["id"] not in self.operations) else None
        if refused is not None:
            await self.send_message({"id": message["id"], "type": "error",
                                     "payload": [refused.formatted]})
            return
        await super().handle_subscribe(message)


class GraphQLWebSockets(GraphQL[Context, None]):
    """Strawberry's ASGI app, for the WebSocket route; the services come from the lifespan.
    Browsers cannot set headers on a WebSocket: the token comes in `connection_init`'s payload
    (`{"Authorization": "Bearer ..."}`), and the connection closes (4403) when it expires."""

    graphql_ws_handler_class = InitTimeoutGraphQLWSHandler
    graphql_transport_ws_handler_class = ExpiringGraphQLTransportWSHandler

    def __init__(
        self, schema: strawberry.Schema, limits: Limits, allowed_origins: Sequence[str] = ()
    ) -> None:
        # Keep-alive pings hold subscriptions open through idle-closing proxies. Browsers on other
        # origins may open WebSockets only if listed: they would act with the user's cookies.
        super().__init__(
            schema,
            graphql_ide=None,
            keep_alive=True,
            keep_alive_interval=15,
            allowed_origins=allowed_origins,
            connection_init_wait_timeout=timedelta(seconds=limits.ws_init_timeout),
            max_subscriptions_per_connection=limits.max_subscriptions,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.state.services
        socket = request if isinstance(request, WebSocket) else None
        client = request.client.host if request.client else None
        return Context(services=services, websocket=socket, client=client)

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            if authorization is not None and not isinstance(authorization, str):
                raise InvalidToken("Authorization takes 'Bearer <token>'")
            context.principal = await context.services.principal(authorization)
        except (InvalidToken, KeysUnavailable) as error:
            raise ConnectionRejectionError({"message": str(error)}) from error
        expires = context.principal.expires_at
        if expires is not None and context.websocket is not None:
            context.expiry = asyncio.create_task(_close_at(context.websocket, expires))

    async def get_root_value(self, request: Request | WebSocket) -> Any:
        return None
