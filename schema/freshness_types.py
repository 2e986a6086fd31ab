"""GraphQL types of read-model freshness: what became visible, and how far the index trails."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from read.freshness.projection_status import ProjectionStatus as Status
from read.freshness.projection_status import SourceStatus

if TYPE_CHECKING:
    from schema.document_types import Document, DocumentType

# Built from every declaration, this module's own operations included: named lazily, and read
# when the schema is built (schema/document_types.py). Python sees an Enum and an object.
DOCUMENT_TYPE: object = Annotated["DocumentType", strawberry.lazy("schema.document_types")]
MAYBE_DOCUMENT: object = Annotated["Document", strawberry.lazy("schema.document_types")] | None


@strawberry.type(description="A document the projector changed, as it is now.")
class DocumentChange:
    type: Enum = strawberry.field(graphql_type=DOCUMENT_TYPE)
    id: strawberry.ID
    version: int = strawberry.field(description="The version of its aggregate it reflects.")
    deleted: bool
    document: object | None = strawberry.field(graphql_type=MAYBE_DOCUMENT)


@strawberry.type(description="The read side reflects the write behind the token.")
class CaughtUp:
    id: strawberry.ID
    version: int
    waited_ms: float = strawberry.field(description="How long this subscription waited.")


@strawberry.enum(description="Where the projector takes its events from now.")
class ProjectionMode(Enum):
    BROKER = "BROKER"
    DIRECT = "DIRECT"


@strawberry.type(description="One source of events: a shard queue, direct sync, or the log.")
class ProjectionSource:
    source: str = strawberry.field(description="shard-N, direct, or log.")
    position: int = strawberry.field(description="The index reflects its events up to here.")
    state: str = strawberry.field(description="IDLE, BUSY, FAILING, OFF or SILENT.")
    in_hand: int = strawberry.field(description="Events of the batch in hand.")
    lag_seconds: float = strawberry.field(description="Age of the oldest event in hand.")
    error: str | None = strawberry.field(description="Why its batch fails, while it does.")
    progressed_at: datetime | None
    heard_at: datetime
    stalled: bool = strawberry.field(description="It holds events and does not move.")

    @classmethod
    def from_view(cls, s: SourceStatus) -> ProjectionSource:
        return cls(source=s.source, position=s.position, state=s.state, in_hand=s.in_hand,
                   lag_seconds=round(s.lag_seconds, 3), error=s.error,
                   progressed_at=s.progressed_at, heard_at=s.heard_at, stalled=s.stalled)


@strawberry.type(description="Events the projector could not apply, held back per aggregate.")
class ParkedEvents:
    count: int = strawberry.field(description="Parked events waiting (skipped ones left out).")
    aggregates: int = strawberry.field(description="Aggregates they hold back.")
    oldest_parked_at: datetime | None


@strawberry.type(description="How far the read side trails the write side.")
class ProjectionStatus:
    head_position: int = strawberry.field(description="The last event committed.")
    relay_position: int = strawberry.field(description="Every event up to here was published.")
    projector_position: int = strawberry.field(description="The index reflects events so far.")
    lag_events: int
    lag_seconds: float = strawberry.field(description="Age of the oldest event not projected.")
    unpublished: int
    throughput: float = strawberry.field(description="Events projected per second, last minute.")
    stalled: bool = strawberry.field(description="Events wait and the projector does not move.")
    checked_at: datetime
    mode: ProjectionMode
    sources: list[ProjectionSource] = strawberry.field(
        description="Each source of events, shard by shard.")
    parked: ParkedEvents

    @classmethod
    def from_view(cls, s: Status) -> ProjectionStatus:
        return cls(
            head_position=s.head_position, relay_position=s.relay_position,
            projector_position=s.projector_position, lag_events=s.lag_events,
            lag_seconds=round(s.lag_seconds, 3), unpublished=s.unpublished,
            throughput=round(s.throughput, 2), stalled=s.stalled, checked_at=s.checked_at,
            mode=ProjectionMode(s.mode),
            sources=[ProjectionSource.from_view(source) for source in s.sources],
            parked=ParkedEvents(count=s.parked.count, aggregates=s.parked.aggregates,
                                oldest_parked_at=s.parked.oldest),
        )
