"""Parked events in the write store: the SQL behind workers/parking.py and `diptych parked`.

They live beside the event log rather than on RabbitMQ because a parked aggregate must hold back
its later events in order, whichever process or source delivers them: that takes a question per
aggregate ("is it parked?") that a queue cannot answer, and a record that outlives the index, the
broker's queues and every projector. The embedded configuration, which has no broker, parks the
same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from write.sqlalchemy.tables import parked_events

AggregateKey = tuple[str, str]  # (aggregate type, aggregate id)
ERROR_CHARS = 1000
RELEASED_KEPT = timedelta(days=30)  # a rebuild's hand-over replays what was released meanwhile
# Parked and waiting: neither skipped by an operator nor released by a replay.
_WAITING = and_(parked_events.c.skipped_at.is_(None), parked_events.c.released_at.is_(None))


@dataclass(frozen=True)
class ParkedEvent:
    event_id: str
    position: int | None
    aggregate_type: str | None
    aggregate_id: str | None
    aggregate_version: int | None
    type: str | None
    envelope: dict[str, Any]
    error: str
    attempts: int
    source: str
    parked_at: datetime
    retry_requested_at: datetime | None = None
    skipped_at: datetime | None = None
    skipped_by: str | None = None
    skip_reason: str | None = None
    released_at: datetime | None = None

    @property
    def aggregate(self) -> AggregateKey | None:
        if self.aggregate_type is None or self.aggregate_id is None:
            return None
        return (self.aggregate_type, self.aggregate_id)


@dataclass(frozen=True)
class Blocked:
    """What the parked records say about a batch's aggregates."""

    # Aggregates with an event waiting, and its version (0: a message of theirs with no
    # version): that event and every later one are held back, earlier ones are not.
    parked: dict[AggregateKey, int]
    skipped: frozenset[str]  # event ids an operator dropped: step over them

    def holds(self, key: AggregateKey, version: int) -> bool:
        return key in self.parked and version >= self.parked[key]


async def park(engine: AsyncEngine, events: Sequence[ParkedEvent]) -> None:
    """Record parked events; one parked already (a redelivery) keeps its first record."""
    if not events:
        return
    rows = [_row(event) for event in events]
    insert_ = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert_(parked_events).values(rows)
    statement = statement.on_conflict_do_update(  # parked again after a replay released it
        index_elements=["event_id"],
        set_={name: statement.excluded[name] for name in
              ("error", "attempts", "source", "parked_at", "retry_requested_at", "released_at")},
        where=parked_events.c.released_at.is_not(None),
    )
    async with engine.begin() as connection:
        await connection.execute(statement)


async def park_behind(engine: AsyncEngine, events: Sequence[ParkedEvent]) -> set[str]:
    """Park each event behind its aggregate's waiting ones, in the same statement that checks
    they still wait (a replay may have released them meanwhile); a retry asked for them is asked
    for it too. Returns the ids parked: the others are free to be projected."""
    parked: set[str] = set()
    async with engine.begin() as connection:
        already = select(parked_events.c.event_id).where(
            parked_events.c.event_id.in_([e.event_id for e in events]))
        parked |= set((await connection.execute(already)).scalars())  # a redelivery, a replay
        for event in events:
            if event.event_id in parked:
                continue
            row = _row(event)
            same = and_(parked_events.c.aggregate_type == event.aggregate_type,
                        parked_events.c.aggregate_id == event.aggregate_id,
                        _WAITING)
            retry = select(func.max(parked_events.c.retry_requested_at)).where(same)
            values = [literal(row[c.name], c.type) if c.name != "retry_requested_at"
                      else retry.scalar_subquery() for c in parked_events.c]
            statement = insert(parked_events).from_select(
                [c.name for c in parked_events.c],
                select(*values).where(exists().where(same)),
            )
            if (await connection.execute(statement)).rowcount:
                parked.add(event.event_id)
    return parked


async def blocked(engine: AsyncEngine, aggregates: Collection[AggregateKey]) -> Blocked:
    if not aggregates:
        return Blocked({}, frozenset())
    keys = list(dict.fromkeys(aggregates))
    query = select(parked_events.c.aggregate_type, parked_events.c.aggregate_id,
                   parked_events.c.event_id, parked_events.c.aggregate_version,
                   parked_events.c.skipped_at).where(parked_events.c.released_at.is_(None))
    parked: dict[AggregateKey, int] = {}
    skipped = set()
    async with engine.connect() as connection:
        for start in range(0, len(keys), 400):  # bound the parameters of one statement
            chunk = keys[start:start + 400]
            where = tuple_(parked_events.c.aggregate_type, parked_events.c.aggregate_id).in_(chunk)
            rows = await connection.execute(query.where(where))
            for type_, id_, event_id, version, skipped_at in rows:
                if skipped_at is not None:
                    skipped.add(event_id)
                else:
                    key = (type_, id_)
                    parked[key] = min(parked.get(key, version or 0), version or 0)
    return Blocked(parked, frozenset(skipped))


async def waiting(engine: AsyncEngine, limit: int = 1000) -> list[ParkedEvent]:
    """Parked events (skipped ones left out), in log order; messages with no position last."""
    query = (select(parked_events).where(_WAITING)
             .order_by(parked_events.c.position.is_(None), parked_events.c.position,
                       parked_events.c.parked_at).limit(limit))
    async with engine.connect() as connection:
        return [_event(row) for row in await connection.execute(query)]


@dataclass(frozen=True)
class Summary:
    count: int
    oldest: datetime | None
    aggregates: int


async def summary(engine: AsyncEngine) -> Summary:
    waiting_ = _WAITING
    distinct = select(parked_events.c.aggregate_type, parked_events.c.aggregate_id).where(
        waiting_, parked_events.c.aggregate_id.is_not(None)).distinct().subquery()
    query = select(
        select(func.count()).select_from(parked_events).where(waiting_).scalar_subquery(),
        select(func.min(parked_events.c.parked_at)).where(waiting_).scalar_subquery(),
        select(func.count()).select_from(distinct).scalar_subquery(),
    )
    async with engine.connect() as connection:
        count, oldest, aggregates = (await connection.execute(query)).one()
    return Summary(int(count or 0), _utc(oldest), int(aggregates or 0))


async def request_retry(engine: AsyncEngine, aggregate_id: str | None) -> int:
    """Ask projectors to replay the parked events of one aggregate (None: of all); how many."""
    where: ColumnElement[bool] = _WAITING
    if aggregate_id is not None:
        where = and_(where, parked_events.c.aggregate_id == aggregate_id)
    statement = update(parked_events).where(where).values(retry_requested_at=datetime.now(UTC))
    async with engine.begin() as connection:
        return (await connection.execute(statement)).rowcount or 0


async def requested(engine: AsyncEngine, limit: int = 1000) -> list[ParkedEvent]:
    """Parked events an operator asked to replay, in log order (messages with no position last)."""
    query = (select(parked_events)
             .where(parked_events.c.retry_requested_at.is_not(None),
                    _WAITING)
             .order_by(parked_events.c.position.is_(None), parked_events.c.position).limit(limit))
    async with engine.connect() as connection:
        return [_event(row) for row in await connection.execute(query)]


async def released(engine: AsyncEngine, event_ids: Collection[str]) -> None:
    """Parked events that were projected after all: they wait no more. They are kept a while
    (RELEASED_KEPT), so that a rebuild's hand-over can replay into the new version what was
    released into the old one while it was being built."""
    if not event_ids:
        return
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(update(parked_events).where(
            parked_events.c.event_id.in_(list(event_ids))).values(released_at=now))
        await connection.execute(delete(parked_events).where(
            parked_events.c.released_at < now - RELEASED_KEPT))


async def released_since(engine: AsyncEngine, since: datetime) -> list[ParkedEvent]:
    """Events released by a replay since `since`, in log order."""
    query = (select(parked_events).where(parked_events.c.released_at >= since)
             .order_by(parked_events.c.position))
    async with engine.connect() as connection:
        return [_event(row) for row in await connection.execute(query)]


async def failed_again(engine: AsyncEngine, event_ids: Collection[str], error: str) -> None:
    """A replay failed: the events stay parked with the new error, and wait for another retry."""
    statement = (update(parked_events).where(parked_events.c.event_id.in_(list(event_ids)))
                 .values(retry_requested_at=None, error=error[:ERROR_CHARS],
                         attempts=parked_events.c.attempts + 1))
    async with engine.begin() as connection:
        await connection.execute(statement)


async def skip(engine: AsyncEngine, event_id: str, by: str, reason: str) -> ParkedEvent | None:
    """Drop one parked event for good; None when no such event waits."""
    match = and_(parked_events.c.event_id == event_id, _WAITING)
    async with engine.begin() as connection:
        row = (await connection.execute(select(parked_events).where(match))).first()
        if row is None:
            return None
        await connection.execute(update(parked_events).where(match).values(
            skipped_at=datetime.now(UTC), skipped_by=by[:100], skip_reason=reason[:500],
            retry_requested_at=None))
    return _event(row)


def _row(event: ParkedEvent) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in ParkedEvent.__dataclass_fields__}
    return fields | {"error": event.error[:ERROR_CHARS]}


def _event(row: Row[Any]) -> ParkedEvent:
    fields = row._asdict()
    for name in ("parked_at", "retry_requested_at", "skipped_at", "released_at"):
        fields[name] = _utc(fields[name])
    return ParkedEvent(**fields)


def _utc(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite returns a scalar subquery's datetime as text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
