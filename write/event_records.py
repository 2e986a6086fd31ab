"""The rows a commit appends to the event log: one per pending event of every touched aggregate."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from write.aggregate import Aggregate


@dataclass(frozen=True)
class EventRecord:
    """One row to append to the log; the database assigns its `position`."""

    event_id: str
    type: str
    schema_version: int
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    payload: dict[str, Any]

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


def records_of(aggregates: Iterable[Aggregate], now: datetime) -> list[EventRecord]:
    return [
        EventRecord(
            event_id=str(uuid.uuid4()),
            type=event.type_name(),
            schema_version=event.SCHEMA_VERSION,
            aggregate_type=aggregate.TYPE,
            aggregate_id=aggregate.id,
            aggregate_version=version,
            occurred_at=now,
            payload=event.payload(),
        )
        for aggregate in aggregates
        for version, event in aggregate.pending()
    ]
