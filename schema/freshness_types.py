"""GraphQL types of read-model freshness: what became visible, and how far the index trails."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from read.freshness.projection_status import ProjectionStatus as Status

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

    @classmethod
    def from_view(cls, s: Status) -> ProjectionStatus:
        return cls(
            head_position=s.head_position, relay_position=s.relay_position,
            projector_position=s.projector_position, lag_events=s.lag_events,
            lag_seconds=round(s.lag_seconds, 3), unpublished=s.unpublished,
            throughput=round(s.throughput, 2), stalled=s.stalled, checked_at=s.checked_at,
        )
