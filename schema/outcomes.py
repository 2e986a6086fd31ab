"""How a mutation runs its command: dispatch it to the write side, then report the outcome as a
member of the mutation's result union."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, TypeVar

from graphql import GraphQLError

from read.freshness.consistency import ConsistencyToken
from read.projection.projection_kinds import document_kind
from schema.access.authentication import Role
from schema.access.rules import Verdict, may_run
from schema.context import Info
from schema.error_types import Forbidden, Unauthenticated, to_graphql
from schema.mutation_types import Accepted
from write.command_errors import DomainError, StoreUnavailable
from write.messages import Command
from write.orders.order_commands import CancelOrder

P = TypeVar("P", bound=Accepted)
log = logging.getLogger(__name__)
UNAVAILABLE = (
    "The write store cannot be reached right now; retry later. Queries still answer from the "
    "read side. Pass expectedVersion to make a retried change safe to repeat."
)


async def execute(info: Info, command: Command, payload: type[P]) -> P | Any:
    """The success payload `P`, or the command's expected failure as its GraphQL error type.

    The error is typed `Any`: each mutation's union lists only the errors its command raises.
    A command the caller's role may not send is refused here, before the write side sees it."""
    principal = info.context.principal
    verdict = may_run(principal, command)
    if verdict is Verdict.UNAUTHENTICATED:
        return Unauthenticated(message="Sign in (send a token) to do this.")
    if verdict is Verdict.FORBIDDEN:
        return Forbidden(message="Your role may not do this.")
    if isinstance(command, CancelOrder) and principal.role is Role.CUSTOMER:
        command = replace(command, by_user=principal.user_id)  # their own orders only
    try:
        result = await info.context.services.dispatch(command)
    except DomainError as error:
        return to_graphql(error)
    except StoreUnavailable as error:
        log.warning("write store unavailable: %s", error)
        raise GraphQLError(UNAVAILABLE, extensions={"code": "WRITE_STORE_UNAVAILABLE"}) from error
    token = ConsistencyToken(
        kind=document_kind(result.aggregate_type),
        id=result.aggregate_id,
        version=result.version,
        position=result.position or 0,
    )
    return payload.of(result, token.encode())
