"""Apollo Client's `possibleTypes`, derived from the schema: without them its cache cannot match
`... on Error { message }` against the members of a result union and silently drops the fields.

    new InMemoryCache({ possibleTypes: await (await fetch("/graphql/possible-types.json")).json() })
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from graphql import GraphQLInterfaceType, GraphQLUnionType
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def possible_types_of(schema: strawberry.Schema) -> dict[str, list[str]]:
    graphql_schema = schema._schema
    return {
        name: sorted(t.name for t in graphql_schema.get_possible_types(abstract))
        for name, abstract in sorted(graphql_schema.type_map.items())
        if isinstance(abstract, GraphQLUnionType | GraphQLInterfaceType)
        and not name.startswith("__")
    }


def possible_types(schema: strawberry.Schema) -> Callable[[Request], Awaitable[Response]]:
    body = possible_types_of(schema)  # the schema does not change while the process runs

    async def endpoint(request: Request) -> Response:
        return JSONResponse(body, headers={"cache-control": "public, max-age=300"})

    return endpoint
