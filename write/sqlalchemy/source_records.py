"""What each projection source last reported (workers/source_reports.py writes it, the status
probe reads it): a row per shard queue, for direct sync and for the log read in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from write.sqlalchemy.tables import projection_sources


@dataclass(frozen=True)
class SourceRecord:
    source: str
    position: int
    state: str
    in_hand: int
    oldest_in_hand_at: datetime | None
    waiting_since: datetime | None  # since when it holds events without having moved
    error: str | None
    progressed_at: datetime | None
    heard_at: datetime


async def save(engine: AsyncEngine, records: Sequence[SourceRecord]) -> None:
    if not records:
        return
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(projection_sources).values([asdict(r) for r in records])
    statement = statement.on_conflict_do_update(
        index_elements=["source"],
        set_={name: statement.excluded[name] for name in SourceRecord.__dataclass_fields__
              if name != "source"},
    )
    async with engine.begin() as connection:
        await connection.execute(statement)


async def load(engine: AsyncEngine) -> list[SourceRecord]:
    query = select(projection_sources).order_by(projection_sources.c.source)
    async with engine.connect() as connection:
        rows = [row._asdict() for row in await connection.execute(query)]
    for row in rows:
        for name in ("oldest_in_hand_at", "waiting_since", "progressed_at", "heard_at"):
            if row[name] is not None and row[name].tzinfo is None:
                row[name] = row[name].replace(tzinfo=UTC)
    return [SourceRecord(**row) for row in rows]
