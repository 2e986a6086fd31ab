"""Parked events for the admin role: what `diptych parked list|retry|skip` does, over GraphQL.

The records live in the write store (workers/parking.py); a projector replays what a retry
marks within seconds. Skipping names the admin's user (from the token) in the record and the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Protocol

import strawberry
from graphql import GraphQLError

from read.query.query_errors import InvalidQuery
from schema.access.permissions import RoleMayAsk
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.read_model import graphql_error

log = logging.getLogger("diptych.parked")
MAX_LISTED = 500
REASON_CHARS = 500


class ParkedRecord(Protocol):
    """What the API reads of a parked event (read-only)."""

    @property
    def event_id(self) -> str: ...

    @property
    def position(self) -> int | None: ...

    @property
    def aggregate_type(self) -> str | None: ...

    @property
    def aggregate_id(self) -> str | None: ...

    @property
    def aggregate_version(self) -> int | None: ...

    @property
    def type(self) -> str | None: ...

    @property
    def error(self) -> str: ...

    @property
    def attempts(self) -> int: ...

    @property
    def source(self) -> str: ...

    @property
    def parked_at(self) -> datetime: ...

    @property
    def retry_requested_at(self) -> datetime | None: ...


class ParkedAdmin(Protocol):
    """The parked records as the API sees them (write/sqlalchemy/parked_store.py)."""

    async def waiting(self, limit: int) -> Sequence[ParkedRecord]: ...

    async def request_retry(self, aggregate_id: str | None) -> int: ...

    async def skip(self, event_id: str, by: str, reason: str) -> ParkedRecord | None: ...


@strawberry.type(description="An event the projector could not apply, or one held behind it.")
class ParkedEvent:
    event_id: strawberry.ID
    position: int | None = strawberry.field(description="None: a message that was no event.")
    aggregate_type: str | None
    aggregate_id: strawberry.ID | None
    aggregate_version: int | None
    type: str | None
    error: str
    attempts: int
    source: str = strawberry.field(description="Where it came from: shard-N, direct, log.")
    parked_at: datetime
    retry_requested_at: datetime | None

    @classmethod
    def of(cls, p: ParkedRecord) -> ParkedEvent:
        return cls(
            event_id=strawberry.ID(p.event_id), position=p.position,
            aggregate_type=p.aggregate_type,
            aggregate_id=strawberry.ID(p.aggregate_id) if p.aggregate_id else None,
            aggregate_version=p.aggregate_version, type=p.type, error=p.error,
            attempts=p.attempts, source=p.source, parked_at=p.parked_at,
            retry_requested_at=p.retry_requested_at,
        )


def _admin(info: Info) -> ParkedAdmin:
    parked = info.context.services.parked
    if parked is None:
        raise GraphQLError("parked events are not available in this process",
                           extensions={"code": "UNAVAILABLE"})
    return parked


async def parked_events(
    info: Info,
    first: Annotated[int, strawberry.argument(description=f"1 to {MAX_LISTED}.")] = 100,
) -> list[ParkedEvent]:
    if not 1 <= first <= MAX_LISTED:
        raise graphql_error(InvalidQuery(f"first must be from 1 to {MAX_LISTED}", field="first"))
    return [ParkedEvent.of(p) for p in await _admin(info).waiting(first)]


async def retry_parked_events(
    info: Info,
    aggregate_id: Annotated[strawberry.ID | None, strawberry.argument(
        description="The aggregate whose parked events to replay; null: every one.")] = None,
) -> int:
    """Mark parked events for replay (a projector replays them within seconds); how many."""
    if aggregate_id is not None and not 1 <= len(aggregate_id) <= 64:
        raise graphql_error(InvalidQuery("aggregateId: 1 to 64 characters",
                                         field="aggregateId"))
    return await _admin(info).request_retry(str(aggregate_id) if aggregate_id else None)


async def skip_parked_event(info: Info, event_id: strawberry.ID, reason: str) -> ParkedEvent:
    """Drop one parked event for good; the record keeps who and why."""
    if not 1 <= len(event_id) <= 64:
        raise graphql_error(InvalidQuery("eventId: 1 to 64 characters", field="eventId"))
    if not 1 <= len(reason.strip()) <= REASON_CHARS:
        raise graphql_error(InvalidQuery(f"reason: 1 to {REASON_CHARS} characters",
                                         field="reason"))
    by = f"admin {info.context.principal.user_id or 'without a user id'} (GraphQL)"
    skipped = await _admin(info).skip(str(event_id), by, reason.strip())
    if skipped is None:
        raise graphql_error(InvalidQuery(f"no parked event {event_id}", field="eventId"))
    log.warning("parked event %s (%s of %s %s, version %s) skipped by %s: %s", skipped.event_id,
                skipped.type, skipped.aggregate_type, skipped.aggregate_id,
                skipped.aggregate_version, by, reason.strip())
    return ParkedEvent.of(skipped)


@strawberry.type
class ParkedQueries:
    parked_events: list[ParkedEvent] = strawberry.field(
        resolver=parked_events, permission_classes=[RoleMayAsk],
        description="Parked events, oldest first (projectionStatus { parked } counts them).")


@strawberry.type
class ParkedMutations:
    retry_parked_events: int = strawberry.mutation(
        resolver=retry_parked_events, permission_classes=[RoleMayAsk],
        description="Replay parked events in order, after a fix; returns how many were marked.")
    skip_parked_event: ParkedEvent = strawberry.mutation(
        resolver=skip_parked_event, permission_classes=[RoleMayAsk],
        description="Drop one parked event for good, with a reason.")


OPERATIONS = GraphKind(queries=ParkedQueries, mutations=ParkedMutations)
