"""A field extension for every query field: the `consistency` argument and typed query errors.

Given a token from a mutation, the field answers only once the read side reflects that write, or
fails with `extensions.code = "STALE_READ"` after the configured wait. Without a token it answers
at once from whatever the index holds. Either way the field gives up after the query time limit
(`QUERY_TIMEOUT`), and a request or connection may hold only so many token waits at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import GraphQLError
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from read.freshness.consistency import ConsistencyToken, wait_until_visible
from read.index import IndexUnavailable
from read.query.query_errors import QueryError
from schema.context import Info

CONSISTENCY = (
    "A consistencyToken from a mutation: answer only once the read side reflects that write."
)


class ReadModelField(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        field.arguments = [
            *field.arguments,
            StrawberryArgument(
                python_name="consistency",
                graphql_name=None,
                type_annotation=StrawberryAnnotation(str | None),
                default=None,
                description=CONSISTENCY,
            ),
        ]

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        token = kwargs.pop("consistency", None)
        services = info.context.services
        limit = services.limits.query_timeout
        try:
            async with asyncio.timeout(limit):
                if token is not None:
                    decoded = ConsistencyToken.decode(token)
                    with info.context.waiting():
                        await wait_until_visible(
                            services.index, services.feed, decoded, services.consistency_timeout
                        )
                return await next_(source, info, **kwargs)
        except QueryError as error:
            raise graphql_error(error) from error
        except IndexUnavailable as error:
            raise GraphQLError(
                "The read side cannot be reached right now; retry later. Writes still go "
                "through.", extensions={"code": "INDEX_UNAVAILABLE"},
            ) from error
        except TimeoutError as error:
            raise GraphQLError(
                f"The field took longer than the query time limit of {limit:g}s "
                "(DIPTYCH_QUERY_TIMEOUT)",
                extensions={"code": "QUERY_TIMEOUT", "limit": limit},
            ) from error


def graphql_error(error: QueryError) -> GraphQLError:
    """A query's expected failure as a GraphQL error with `extensions.code` (and `field`)."""
    extensions = {"code": error.code} | ({"field": error.field} if error.field else {})
    return GraphQLError(error.message, extensions=extensions)
