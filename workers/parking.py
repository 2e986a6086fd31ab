"""Parking: one policy for every message the projector cannot apply.

An event whose projection keeps failing (DIPTYCH_PARK_AFTER attempts), of a type this projector
does not know, or whose aggregate's history has a hole the log cannot fill, is parked with its
error, and so is every later event of the same aggregate, in order (Axon's sequenced dead-letter
queue); every other aggregate carries on. A message that is no event at all (not JSON, not an
envelope) is parked on its own. Parked events live in the write store (write/sqlalchemy/
parked_store.py says why); `diptych parked retry` asks projectors to replay them in order,
`diptych parked skip` drops one.

An outage of the index is no fault of an event: it is retried in place, never parked.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from write.sqlalchemy import parked_store
from write.sqlalchemy.parked_store import AggregateKey, ParkedEvent

log = logging.getLogger(__name__)
BEHIND = "waits behind an earlier parked event of its aggregate"
RAW_CHARS = 4000  # of a message that is no event, kept to show what it was


def key_of(event: EventMessage) -> AggregateKey:
    return (event.aggregate_type, event.aggregate_id)


class Parking:
    """The parked records, as the projector asks and changes them."""

    def __init__(self, writer: AsyncEngine, reader: AsyncEngine, park_after: int) -> None:
        self.writer = writer
        self._reader = reader
        self.park_after = park_after

    async def hold_back(
        self, events: Sequence[EventMessage], source: str
    ) -> tuple[list[EventMessage], frozenset[str]]:
        """The events free to project, and the ids of events an operator skipped. An event of
        a parked aggregate, at or after its parked version, is parked behind it (earlier ones
        are free: a replay of the whole log still builds what came before)."""
        blocked = await parked_store.blocked(self._reader, {key_of(e) for e in events})
        held = [e for e in events if blocked.holds(key_of(e), e.aggregate_version)]
        parked: set[str] = set()
        if held:
            now = datetime.now(UTC)
            parked = await parked_store.park_behind(self.writer, [
                _record(e, BEHIND, source, 0, now) for e in held])
            if parked:
                log.warning("parked %d event(s) behind their aggregates' parked ones (%s)",
                            len(parked), source)
        return [e for e in events if e.event_id not in parked], blocked.skipped

    async def blocked(self, keys: Iterable[AggregateKey]) -> parked_store.Blocked:
        """What the parked records hold back of these aggregates, and what was skipped."""
        return await parked_store.blocked(self._reader, set(keys))

    async def park(
        self, events: Sequence[EventMessage], error: str, source: str, attempts: int
    ) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        behind = f"{BEHIND} ({events[0].event_id})"
        await parked_store.park(self.writer, [
            _record(e, error if i == 0 else behind, source, attempts if i == 0 else 0, now)
            for i, e in enumerate(events)
        ])
        first = events[0]
        log.error("parked %d event(s) of %s %s from version %d (%s): %s; every other aggregate "
                  "carries on (`diptych parked list`)", len(events), first.aggregate_type,
                  first.aggregate_id, first.aggregate_version, source, error)

    async def park_messages(
        self, messages: Iterable[tuple[Mapping[str, Any], str]], source: str
    ) -> None:
        """Messages that are no event envelope: parked one by one, with what they held."""
        now = datetime.now(UTC)
        parked = [
            ParkedEvent(
                event_id=_message_id(message), position=None,
                # What it names of an aggregate holds that aggregate back: a malformed event of
                # it must not be overtaken by the aggregate's later ones.
                aggregate_type=_named(message, "aggregate_type"),
                aggregate_id=_named(message, "aggregate_id"),
                aggregate_version=_version(message), type=_named(message, "type"),
                envelope={"message": _shown(message)}, error=error, attempts=1, source=source,
                parked_at=now,
            )
            for message, error in messages
        ]
        await parked_store.park(self.writer, parked)
        for event in parked:
            log.error("parked a message that is not an event (%s): %s", source, event.error)


def _record(event: EventMessage, error: str, source: str, attempts: int,
            now: datetime) -> ParkedEvent:
    return ParkedEvent(
        event_id=event.event_id, position=event.position, aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id, aggregate_version=event.aggregate_version,
        type=event.type, envelope=_envelope(event), error=error, attempts=attempts,
        source=source, parked_at=now,
    )


def _named(message: Mapping[str, Any], field: str) -> str | None:
    value = message.get(field) if isinstance(message, Mapping) else None
    return value if isinstance(value, str) and 0 < len(value) <= 50 else None


def _version(message: Mapping[str, Any]) -> int | None:
    value = message.get("aggregate_version") if isinstance(message, Mapping) else None
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def _envelope(event: EventMessage) -> dict[str, Any]:
    """The envelope as docs/events.md has it, after upcasting (what a replay parses again)."""
    return {
        "position": event.position, "event_id": event.event_id, "type": event.type,
        "schema_version": event.schema_version, "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id, "aggregate_version": event.aggregate_version,
        "occurred_at": event.occurred_at.isoformat(), "payload": dict(event.payload),
    }


def _message_id(message: Mapping[str, Any]) -> str:
    event_id = message.get("event_id") if isinstance(message, Mapping) else None
    if isinstance(event_id, str) and 0 < len(event_id) <= 36:
        return event_id
    return f"message-{uuid.uuid4()}"


def _shown(message: Mapping[str, Any]) -> str:
    try:
        text = json.dumps(message, default=str)
    except (TypeError, ValueError):
        text = repr(message)
    return text[:RAW_CHARS]


class ParkedRecords:
    """The parked records for the API's admin fields (schema/parked_operations.py)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def waiting(self, limit: int) -> list[ParkedEvent]:
        return await parked_store.waiting(self._engine, limit)

    async def request_retry(self, aggregate_id: str | None) -> int:
        return await parked_store.request_retry(self._engine, aggregate_id)

    async def skip(self, event_id: str, by: str, reason: str) -> ParkedEvent | None:
        return await parked_store.skip(self._engine, event_id, by, reason)
