"""The event log, which is also the outbox: how events are appended and how the relay reads them.

An envelope (see docs/events.md) is a plain JSON-ready dict, the only shape that leaves write/.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from write.sqlalchemy.tables import events

Envelope = dict[str, Any]
NOTIFY_CHANNEL = "diptych_outbox"  # PostgreSQL: every command's transaction notifies the relay


def notify_channel_of(engine: AsyncEngine) -> str | None:
    """The channel commits on this store notify relays on (SqlAlchemyUnitOfWork's
    `notify_channel`): PostgreSQL's NOTIFY; None for SQLite, whose relays poll."""
    return NOTIFY_CHANNEL if engine.dialect.name == "postgresql" else None


_ENVELOPE = (
    events.c.position,
    events.c.event_id,
    events.c.type,
    events.c.schema_version,
    events.c.aggregate_type,
    events.c.aggregate_id,
    events.c.aggregate_version,
    events.c.occurred_at,
    events.c.payload,
)


def envelope(row: Row[*tuple[Any, ...]]) -> Envelope:
    fields = row._asdict()
    occurred: datetime = fields["occurred_at"]
    if occurred.tzinfo is None:  # SQLite keeps no offset; everything is written in UTC
        occurred = occurred.replace(tzinfo=UTC)
    return fields | {"occurred_at": occurred.isoformat()}


async def unpublished(
    engine: AsyncEngine, limit: int, skip: Collection[int] = ()
) -> list[Envelope]:
    """The oldest events the broker has not accepted yet, in log order, leaving out `skip`
    (published, and being marked so).

    Asking for "not published" rather than "after the last position published" is what makes the
    relay gap-safe: an event whose transaction commits after a later position was published is
    still found.
    """
    query = (
        select(*_ENVELOPE)
        .where(events.c.published_at.is_(None))
        .order_by(events.c.position)
        .limit(limit)
    )
    if skip:
        query = query.where(events.c.position.not_in(list(skip)))
    async with engine.connect() as connection:
        return [envelope(row) for row in await connection.execute(query)]


async def mark_published(engine: AsyncEngine, positions: Sequence[int]) -> None:
    statement = (
        update(events)
        .where(events.c.position.in_(positions))
        .values(published_at=datetime.now(UTC))
    )
    async with engine.begin() as connection:
        await connection.execute(statement)


async def read_log(engine: AsyncEngine, after: int, limit: int) -> list[Envelope]:
    """Events after `after` in log order, published or not (for replays and rebuilds)."""
    query = select(*_ENVELOPE).where(events.c.position > after).order_by(events.c.position)
    async with engine.connect() as connection:
        return [envelope(row) for row in await connection.execute(query.limit(limit))]


async def history(
    engine: AsyncEngine, aggregate_type: str, aggregate_id: str, after_version: int
) -> list[Envelope]:
    """One aggregate's events after `after_version`, in order (to fill a projector's gap)."""
    query = (
        select(*_ENVELOPE)
        .where(
            events.c.aggregate_type == aggregate_type,
            events.c.aggregate_id == aggregate_id,
            events.c.aggregate_version > after_version,
        )
        .order_by(events.c.aggregate_version)
    )
    async with engine.connect() as connection:
        return [envelope(row) for row in await connection.execute(query)]


async def by_ids(engine: AsyncEngine, event_ids: Collection[str]) -> dict[str, Envelope]:
    """The logged events of these ids, as the log holds them now (an operator may have
    repaired one), by id."""
    found: dict[str, Envelope] = {}
    ids = list(event_ids)
    async with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            query = select(*_ENVELOPE).where(events.c.event_id.in_(ids[start:start + 500]))
            for row in await connection.execute(query):
                found[row.event_id] = envelope(row)
    return found


@dataclass(frozen=True)
class Backlog:
    """Where the log stands against a reader's position (for lag reports)."""

    head: int  # the last position committed
    first_unpublished: int | None
    unpublished: int
    after: int  # events committed after the reader's position
    oldest_after: datetime | None  # when the first of those occurred


async def backlog(engine: AsyncEngine, position: int) -> Backlog:
    """Every figure comes from an index (the primary key, the partial unpublished index), and all
    of them from one statement, hence one snapshot: commits and publishing meanwhile can never
    put the relay ahead of the head."""
    after = events.c.position > position
    unpublished = events.c.published_at.is_(None)
    counted = select(func.count()).select_from(events)
    figures = select(
        select(func.max(events.c.position)).scalar_subquery(),
        select(func.min(events.c.position)).where(unpublished).scalar_subquery(),
        counted.where(unpublished).scalar_subquery(),
        counted.where(after).scalar_subquery(),
        select(events.c.occurred_at).where(after).order_by(events.c.position).limit(1)
        .scalar_subquery(),
    )
    async with engine.connect() as connection:
        head, first, pending, count, oldest = (await connection.execute(figures)).one()
    if isinstance(oldest, str):  # SQLite returns a scalar subquery's datetime as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(head or 0), first, int(pending or 0), int(count or 0), oldest)


async def last_position(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.scalar(select(func.max(events.c.position)))) or 0)
