"""The GraphQL schema and its ASGI app (HTTP, GraphiQL and WebSocket at one path)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import AddValidationRules, MaskErrors, ParserCache, ValidationCache
from strawberry.extensions.query_depth_limiter import create_validator

from schema.context import Context, Services
from schema.mutations import Mutation
from schema.queries import Query
from schema.subscriptions import Subscription


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by bugs; keep syntax/validation errors and our own coded errors."""
    if error.original_error is None:
        return False
    return not (error.extensions or {}).get("code")


# Built once: the validation cache is keyed on the validation rules too, so a rule class made
# afresh per request (as QueryDepthLimiter does when built per request) would never hit it.
DEPTH_RULE = create_validator(max_depth=12, should_ignore=None, callback=None)


class DepthLimit(AddValidationRules):
    """Refuse queries nested deeper than 12 levels (strawberry's QueryDepthLimiter rule)."""

    def __init__(self) -> None:
        super().__init__([DEPTH_RULE])


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Factories, not instances: strawberry builds fresh extensions per request. The parser
        # and validation caches still live at module level, shared by every request.
        extensions=[
            partial(MaskErrors, should_mask_error=_is_unexpected),
            DepthLimit,
            partial(ParserCache, maxsize=512),
            partial(ValidationCache, maxsize=512),
        ],
    )


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app; the services come from the Starlette lifespan state."""

    def __init__(self, schema: strawberry.Schema, allowed_origins: Sequence[str] = ()) -> None:
        # Keep-alive pings hold subscriptions open through idle-closing proxies. Browsers on other
        # origins may open WebSockets only if listed: they would act with the user's cookies.
        super().__init__(
            schema,
            graphql_ide="graphiql",
            keep_alive=True,
            keep_alive_interval=15,
            allowed_origins=allowed_origins,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.state.services
        return Context(services=services)

    async def get_root_value(self, request: Request | WebSocket) -> Any:
        return None
