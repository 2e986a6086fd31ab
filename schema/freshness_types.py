"""GraphQL types of read-model freshness: what became visible, and how far the index trails."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from read.documents import ORDER, PRODUCT, USER
from read.freshness.projection_status import ProjectionStatus as Status
from schema.order_types import Order
from schema.types import Product, User


@strawberry.enum
class DocumentType(Enum):
    USER = USER
    PRODUCT = PRODUCT
    ORDER = ORDER


Document = Annotated[User | Product | Order, strawberry.union("Document")]


@strawberry.type(description="A document the projector changed, as it is now.")
class DocumentChange:
    type: DocumentType
    id: strawberry.ID
    version: int = strawberry.field(description="The version of its aggregate it reflects.")
    deleted: bool
    document: Document | None


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
