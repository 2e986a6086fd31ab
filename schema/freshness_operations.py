"""Read-model freshness: `projectionStatus` (a query, and a subscription), and subscriptions
(graphql-transport-ws, and the legacy graphql-ws, at /graphql) that push freshness to clients
instead of being polled by them. Each one registers with the visibility feed *before* it reads
the current state, so nothing that happens in between is missed."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from read.freshness.consistency import ConsistencyToken, wait_until_visible
from read.freshness.visibility_feed import RESYNC
from read.index import Document, IndexUnavailable
from read.projection.product_documents import PRODUCT
from read.query.query_errors import InvalidQuery, QueryError
from schema.access.authentication import Principal, Role
from schema.access.permissions import RoleMayAsk
from schema.access.rules import Verdict, may_ask, may_see, refused
from schema.context import Info
from schema.freshness_types import DOCUMENT_TYPE, CaughtUp, DocumentChange, ProjectionStatus
from schema.graph_kinds import GraphKind, typed
from schema.read_model import graphql_error
from write.command_errors import StoreUnavailable

REMEMBERED = 10_000  # versions kept per subscription to drop duplicates
MAX_IDS = 1000


async def read_model_caught_up(
    info: Info, consistency: str
) -> AsyncGenerator[CaughtUp, None]:
    """Once, as soon as the read side reflects the token's write (at once if it already does)."""
    services = info.context.services
    loop = asyncio.get_running_loop()
    started = loop.time()
    principal = info.context.principal
    try:
        token = ConsistencyToken.decode(consistency)
        if token.kind != PRODUCT and principal.role is Role.ANONYMOUS:
            raise refused(Verdict.UNAUTHENTICATED, f"a {token.kind}'s freshness")
        with info.context.waiting():
            await wait_until_visible(
                services.index, services.feed, token, services.limits.caught_up_timeout
            )
        document = await services.index.visible(token.kind, token.id)
        if not may_see(principal, token.kind, document.body if document else None, token.id):
            raise graphql_error(InvalidQuery(  # someone else's: as if it never became visible
                "consistency: not a token of a write you may see", field="consistency"))
    except QueryError as error:
        raise graphql_error(error) from error
    waited = (loop.time() - started) * 1000
    yield CaughtUp(id=strawberry.ID(token.id), version=token.version, waited_ms=round(waited, 3))


async def document_changed(
    info: Info,
    type: Annotated[Enum, strawberry.argument(graphql_type=DOCUMENT_TYPE)],
    ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
        description="Only these documents; their current state comes first.")] = None,
) -> AsyncGenerator[DocumentChange, None]:
    """Every change the projector makes to matching documents, newest version once each."""
    if ids is not None and not 1 <= len(ids) <= MAX_IDS:
        raise graphql_error(InvalidQuery(f"ids takes 1 to {MAX_IDS} ids", field="ids"))
    index, kind, principal = info.context.index, type.value, info.context.principal
    if kind != PRODUCT and principal.role is Role.ANONYMOUS:
        raise refused(Verdict.UNAUTHENTICATED, f"{kind} documents")
    seen: OrderedDict[str, int] = OrderedDict()
    with info.context.services.feed.subscribe(kind, ids) as changes:
        for current in ids or []:
            first = await _newer(index, type, str(current), seen, principal)
            if first is not None:
                yield first
        while True:
            announced = await changes.queue.get()
            wanted = [str(i) for i in ids or seen] if announced is RESYNC else [announced.id]
            for id_ in wanted:
                if (found := await _newer(index, type, id_, seen, principal)) is not None:
                    yield found


async def _newer(
    index: Any, type_: Enum, id_: str, seen: OrderedDict[str, int], principal: Principal
) -> DocumentChange | None:
    """The document's change, unless this subscription already sent that version or the
    caller may not see the document (a customer sees their own users and orders only)."""
    document: Document | None = await index.get(type_.value, id_)  # announced means written
    if document is not None and not may_see(principal, type_.value, document.body, id_):
        return None
    version = int(document.body["version"]) if document else seen.get(id_, 0) + 1
    if version <= seen.get(id_, 0) or (document is None and id_ not in seen):
        return None
    seen[id_] = version
    seen.move_to_end(id_)
    while len(seen) > REMEMBERED:
        seen.popitem(last=False)
    return DocumentChange(
        type=type_, id=strawberry.ID(id_), version=version,
        deleted=document is None, document=typed(document) if document else None,
    )


async def projection_status(
    info: Info,
    every: Annotated[float, strawberry.argument(description="Seconds between reports, 0.2-60.")]
    = 1.0,
) -> AsyncGenerator[ProjectionStatus, None]:
    verdict = may_ask(info.context.principal, "projectionStatus")
    if verdict is not Verdict.ALLOWED:
        raise refused(verdict, "projectionStatus")
    if not 0.2 <= every <= 60:
        raise graphql_error(InvalidQuery("every must be from 0.2 to 60 seconds", field="every"))
    while True:
        yield await current_status(info)
        await asyncio.sleep(every)


async def current_status(info: Info) -> ProjectionStatus:
    source = info.context.services.status
    if source is None:
        raise GraphQLError("projection status is not available in this process",
                           extensions={"code": "UNAVAILABLE"})
    try:
        return ProjectionStatus.from_view(await source.status())
    except StoreUnavailable as error:  # the status compares the index with the write store's log
        raise GraphQLError(
            "The write store cannot be reached right now, so the projection status cannot be "
            "computed; retry later. Queries still answer from the read side.",
            extensions={"code": "WRITE_STORE_UNAVAILABLE"}, original_error=error,
        ) from error
    except IndexUnavailable as error:
        raise GraphQLError(
            "The index cannot be reached right now, so the projection status cannot be "
            "computed; retry later.", extensions={"code": "INDEX_UNAVAILABLE"},
            original_error=error,
        ) from error


@strawberry.type
class FreshnessQueries:
    projection_status: ProjectionStatus = strawberry.field(
        resolver=current_status,
        description="How far the read side trails the write side, now.",
        permission_classes=[RoleMayAsk],
    )


@strawberry.type
class FreshnessSubscriptions:
    read_model_caught_up: AsyncGenerator[CaughtUp, None] = strawberry.subscription(
        resolver=read_model_caught_up,
        description="Emits once, as soon as the read side reflects the write behind the token "
        "(at once if it already does), then completes.",
    )
    document_changed: AsyncGenerator[DocumentChange, None] = strawberry.subscription(
        resolver=document_changed,
        description="Streams each change the projector makes visible to matching documents.",
    )
    projection_status: AsyncGenerator[ProjectionStatus, None] = strawberry.subscription(
        resolver=projection_status,
        description="The projection status now, then every `every` seconds.",
    )


OPERATIONS = GraphKind(queries=FreshnessQueries, subscriptions=FreshnessSubscriptions)
