"""Events as the read side receives them: the JSON envelope of docs/events.md, parsed and upcast.

This module is the read side's whole knowledge of the write side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from read.upcasters import upcast


class MalformedEvent(ValueError):
    """A message that does not follow the event contract; it is never projected."""


@dataclass(frozen=True)
class EventMessage:
    position: int
    event_id: str
    type: str
    schema_version: int
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    payload: Mapping[str, Any]


def parse(envelope: Mapping[str, Any]) -> EventMessage:
    try:
        raw = EventMessage(
            position=int(envelope["position"]),
            event_id=str(envelope["event_id"]),
            type=str(envelope["type"]),
            schema_version=int(envelope["schema_version"]),
            aggregate_type=str(envelope["aggregate_type"]),
            aggregate_id=str(envelope["aggregate_id"]),
            aggregate_version=int(envelope["aggregate_version"]),
            occurred_at=datetime.fromisoformat(str(envelope["occurred_at"])),
            payload=dict(envelope["payload"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedEvent(f"not an event envelope: {error!r}") from error
    try:
        return upcast(raw)
    except Exception as error:  # an older payload its upcaster cannot read
        raise MalformedEvent(
            f"cannot upcast {raw.type} version {raw.schema_version}: {error!r}") from error
